#include "webhook/admission_service.h"

#include <filesystem>

#include "common/base64.h"
#include "common/status_macros.h"
#include "kube/tls_material.h"
#include "kube/whoami.h"
#include "webhook/certificates.h"
#include "webhook/configurations.h"

namespace fairway::webhook {
namespace {

using nlohmann::json;

const kube::ResourceRef kSecrets{"", "v1", "secrets", true};

// The three PEMs of a self-managed certificate Secret, or nullopt if any is missing or broken.
std::optional<kube::TlsMaterial> MaterialFromSecret(const json& secret) {
  const json* data = secret.contains("data") ? &secret["data"] : nullptr;
  if (data == nullptr || !data->is_object()) return std::nullopt;
  kube::TlsMaterial m;
  for (auto [key, out] :
       {std::pair{"tls.crt", &m.server_cert_pem}, std::pair{"tls.key", &m.server_key_pem},
        std::pair{"ca.crt", &m.ca_cert_pem}}) {
    if (!data->contains(key) || !(*data)[key].is_string()) return std::nullopt;
    StatusOr<std::string> pem = Base64Decode((*data)[key].get<std::string>());
    if (!pem.ok() || pem->empty()) return std::nullopt;
    *out = *pem;
  }
  return m;
}

json SecretFromMaterial(const std::string& name, const std::string& ns,
                        const kube::TlsMaterial& m) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata",
           {{"name", name},
            {"namespace", ns},
            {"labels",
             {{"app.kubernetes.io/name", "fairway"}, {"app.kubernetes.io/component", "webhook"}}}}},
          {"type", "kubernetes.io/tls"},
          {"data",
           {{"tls.crt", Base64Encode(m.server_cert_pem)},
            {"tls.key", Base64Encode(m.server_key_pem)},
            {"ca.crt", Base64Encode(m.ca_cert_pem)}}}};
}

// The self-managed material: the Secret's if it holds a usable one, else a new one that this
// replica creates. A lost creation race (AlreadyExists) reads the winner's.
StatusOr<kube::TlsMaterial> SharedMaterial(kube::ApiClient* client,
                                           const AdmissionServiceOptions& o) {
  StatusOr<json> existing = client->Get(kSecrets, o.namespace_name, o.cert_secret);
  if (existing.ok()) {
    if (std::optional<kube::TlsMaterial> m = MaterialFromSecret(*existing)) return *m;
    return FailedPreconditionError("Secret " + o.namespace_name + "/" + o.cert_secret +
                                   " lacks tls.crt, tls.key or ca.crt; delete it to regenerate");
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  std::vector<std::string> ips = {"127.0.0.1"};
  ips.insert(ips.end(), o.extra_ips.begin(), o.extra_ips.end());
  std::vector<std::string> names = ServiceDnsNames(o.service_name, o.namespace_name);
  names.push_back("localhost");
  FAIRWAY_ASSIGN_OR_RETURN(ServingCertificate generated,
                           LoadOrGenerateServingCertificate("", names, ips));
  kube::TlsMaterial fresh{generated.ca_pem, generated.cert_pem, generated.key_pem};
  StatusOr<json> created = client->Create(
      kSecrets, o.namespace_name, SecretFromMaterial(o.cert_secret, o.namespace_name, fresh));
  if (created.ok()) return fresh;
  if (created.status().code() != StatusCode::kAlreadyExists) return created.status();
  FAIRWAY_ASSIGN_OR_RETURN(json winner, client->Get(kSecrets, o.namespace_name, o.cert_secret));
  if (std::optional<kube::TlsMaterial> m = MaterialFromSecret(winner)) return *m;
  return FailedPreconditionError("Secret " + o.cert_secret +
                                 " created by another replica is unusable");
}

}  // namespace

StatusOr<bool> AdmissionService::LoadServingCertificate(kube::ApiClient* client) {
  std::error_code ec;
  const std::filesystem::path dir(options_.cert_dir);
  if (!options_.cert_dir.empty() && (std::filesystem::exists(dir / kCertFileName, ec) ||
                                     std::filesystem::exists(dir / kKeyFileName, ec))) {
    // Mounted (cert-manager): both files must be there and match; one alone is an error.
    FAIRWAY_ASSIGN_OR_RETURN(ServingCertificate mounted,
                             LoadOrGenerateServingCertificate(options_.cert_dir, {}));
    cert_pem_ = mounted.cert_pem;
    key_pem_ = mounted.key_pem;
    ca_pem_ = mounted.ca_pem;
    return false;
  }
  FAIRWAY_ASSIGN_OR_RETURN(kube::TlsMaterial m, SharedMaterial(client, options_));
  cert_pem_ = m.server_cert_pem;
  key_pem_ = m.server_key_pem;
  ca_pem_ = m.ca_cert_pem;
  return true;
}

config::AdmissionSettings AdmissionService::WithOwnUser(config::AdmissionSettings settings) const {
  if (!own_user_.empty()) settings.admin_users.push_back(own_user_);
  return settings;
}

StatusOr<std::unique_ptr<AdmissionService>> AdmissionService::Start(
    kube::ApiClient* client, Clock* clock, AdmissionServiceOptions options) {
  std::unique_ptr<AdmissionService> s(new AdmissionService());
  s->options_ = std::move(options);
  StatusOr<kube::AuthenticatedUser> me = kube::WhoAmI(*client);
  if (me.ok()) {
    s->own_user_ = me->username;
  } else {
    // Without it the operator's own Job writes need an admin group (system:masters in tests).
    FAIRWAY_LOG(s->log_, kWarn, "cannot tell the operator's own user",
                {{"error", me.status().ToString()}});
  }
  s->view_ = std::make_unique<InformerClusterView>(client, clock);
  FAIRWAY_RETURN_IF_ERROR(s->view_->Start(s->options_.sync_timeout));
  FAIRWAY_ASSIGN_OR_RETURN(bool self_managed, s->LoadServingCertificate(client));
  s->handler_ =
      std::make_unique<AdmissionHandler>(s->view_.get(), s->WithOwnUser(s->options_.settings));
  WebhookServer::Options server;
  server.address = s->options_.address;
  server.port = s->options_.port;
  server.cert_pem = s->cert_pem_;
  server.key_pem = s->key_pem_;
  FAIRWAY_ASSIGN_OR_RETURN(s->server_, WebhookServer::Start(server, s->handler_.get()));
  if (self_managed) FAIRWAY_RETURN_IF_ERROR(InjectCaBundle(client, s->ca_pem_));
  FAIRWAY_LOG(s->log_, kInfo, "admission webhook serving",
              {{"port", static_cast<int64_t>(s->server_->port())},
               {"certificates", self_managed ? "self-managed" : s->options_.cert_dir},
               {"operator_user", s->own_user_}});
  return s;
}

AdmissionService::~AdmissionService() { Stop(); }

void AdmissionService::Stop() {
  if (server_) server_->Stop();
  if (view_) view_->Stop();
}

void AdmissionService::SetSettings(config::AdmissionSettings settings) {
  handler_->SetSettings(WithOwnUser(std::move(settings)));
}

uint16_t AdmissionService::port() const { return server_ ? server_->port() : 0; }

}  // namespace fairway::webhook
