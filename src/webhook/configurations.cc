#include "webhook/configurations.h"

#include <utility>
#include <vector>

#include "common/base64.h"
#include "webhook/admission_handler.h"

namespace fairway::webhook {

using nlohmann::json;

namespace {

constexpr int kInjectAttempts = 5;

kube::ResourceRef MutatingRef() {
  return {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", false};
}
kube::ResourceRef ValidatingRef() {
  return {"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", false};
}

json ClientConfig(const WebhookEndpoint& endpoint, std::string_view path,
                  const std::string& ca_pem) {
  json config = json::object();
  if (endpoint.service.has_value()) {
    config["service"] = {{"namespace", endpoint.service->namespace_name},
                         {"name", endpoint.service->name},
                         {"path", std::string(path)},
                         {"port", endpoint.service->port}};
  } else {
    config["url"] = endpoint.url + std::string(path);
  }
  if (!ca_pem.empty()) config["caBundle"] = Base64Encode(ca_pem);
  return config;
}

json Webhook(const char* name, const WebhookEndpoint& endpoint, std::string_view path,
             const std::string& ca_pem, const json& rules) {
  return {{"name", name},
          {"clientConfig", ClientConfig(endpoint, path, ca_pem)},
          {"rules", rules},
          {"failurePolicy", "Fail"},
          {"matchPolicy", "Equivalent"},
          {"sideEffects", "None"},
          {"admissionReviewVersions", {"v1"}},
          {"timeoutSeconds", 10}};
}

json Rule(std::vector<std::string> operations, std::vector<std::string> resources,
          const char* scope) {
  return {{"operations", std::move(operations)},
          {"apiGroups", {"fairway.dev"}},
          {"apiVersions", {"v1alpha1"}},
          {"resources", std::move(resources)},
          {"scope", scope}};
}

json Configuration(const char* kind, json webhooks) {
  return {{"apiVersion", "admissionregistration.k8s.io/v1"},
          {"kind", kind},
          {"metadata",
           {{"name", kConfigurationName}, {"labels", {{"app.kubernetes.io/name", "fairway"}}}}},
          {"webhooks", std::move(webhooks)}};
}

// Sets every caBundle of `config`; false when all already held `bundle`.
bool SetCaBundles(json* config, const std::string& bundle) {
  bool changed = false;
  auto webhooks = config->find("webhooks");
  if (webhooks == config->end() || !webhooks->is_array()) return false;
  for (json& w : *webhooks) {
    if (!w.is_object()) continue;
    json& client = w["clientConfig"];
    if (!client.is_object()) client = json::object();
    if (client.value("caBundle", json()) != bundle) {
      client["caBundle"] = bundle;
      changed = true;
    }
  }
  return changed;
}

Status InjectInto(kube::ApiClient* client, const kube::ResourceRef& ref,
                  const std::string& bundle) {
  Status last;
  for (int attempt = 0; attempt < kInjectAttempts; ++attempt) {
    StatusOr<json> config = client->Get(ref, "", kConfigurationName);
    if (!config.ok()) {
      if (config.status().code() == StatusCode::kNotFound) return OkStatus();
      return config.status().WithContext(ref.plural + "/" + kConfigurationName);
    }
    if (!SetCaBundles(&*config, bundle)) return OkStatus();
    StatusOr<json> updated = client->Update(ref, "", *config);
    if (updated.ok()) return OkStatus();
    last = updated.status();
    if (last.code() != StatusCode::kAborted) break;  // only a conflict is worth a re-read
  }
  return last.WithContext(ref.plural + "/" + kConfigurationName);
}

}  // namespace

WebhookEndpoint WebhookEndpoint::Url(std::string base) {
  WebhookEndpoint e;
  e.url = std::move(base);
  return e;
}

WebhookEndpoint WebhookEndpoint::Service(std::string namespace_name, std::string name,
                                         int32_t port) {
  WebhookEndpoint e;
  e.service = ServiceReference{std::move(namespace_name), std::move(name), port};
  return e;
}

json MutatingWebhookConfiguration(const WebhookEndpoint& endpoint, const std::string& ca_pem) {
  json webhook = Webhook(kMutateJobsWebhook, endpoint, kMutateJobsPath, ca_pem,
                         json::array({Rule({"CREATE"}, {"jobs"}, "Namespaced")}));
  webhook["reinvocationPolicy"] = "Never";
  return Configuration("MutatingWebhookConfiguration", json::array({std::move(webhook)}));
}

json ValidatingWebhookConfiguration(const WebhookEndpoint& endpoint, const std::string& ca_pem) {
  std::vector<std::string> all = {"CREATE", "UPDATE", "DELETE"};
  return Configuration(
      "ValidatingWebhookConfiguration",
      json::array(
          {Webhook(kValidateJobsWebhook, endpoint, kValidateJobsPath, ca_pem,
                   json::array({Rule(all, {"jobs"}, "Namespaced")})),
           Webhook(kValidateClusterObjectsWebhook, endpoint, kValidateClusterObjectsPath, ca_pem,
                   json::array({Rule(all, {"accounts", "partitions", "qoses"}, "Cluster")}))}));
}

Status InjectCaBundle(kube::ApiClient* client, const std::string& ca_pem) {
  std::string bundle = Base64Encode(ca_pem);
  Status s = InjectInto(client, MutatingRef(), bundle);
  if (!s.ok()) return s;
  return InjectInto(client, ValidatingRef(), bundle);
}

}  // namespace fairway::webhook
