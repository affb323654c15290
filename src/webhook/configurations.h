// The admission webhook configurations of Fairway (kubernetes-api.md §8), and the start-up step
// that writes a generated CA into their caBundle.
//
// Both configurations are named "fairway.dev":
//   MutatingWebhookConfiguration
//     mutate.jobs.fairway.dev               CREATE jobs                  -> /mutate-jobs
//   ValidatingWebhookConfiguration
//     validate.jobs.fairway.dev             CREATE, UPDATE, DELETE jobs  -> /validate-jobs
//     validate.cluster-objects.fairway.dev  CREATE, UPDATE, DELETE accounts, partitions, qoses
//                                                                        ->
//                                                                        /validate-cluster-objects
// Every webhook: failurePolicy Fail, sideEffects None, admissionReviewVersions [v1],
// timeoutSeconds 10, matchPolicy Equivalent. Rules name the main resources only (`jobs`, never
// `jobs/status`), so the operator's status writes never pass through the webhook.
//
// Thread-safety: pure functions; InjectCaBundle is safe to call concurrently (the API server
// serialises the writes through resourceVersion).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "kube/api_client.h"

namespace fairway::webhook {

inline constexpr const char* kConfigurationName = "fairway.dev";
inline constexpr const char* kMutateJobsWebhook = "mutate.jobs.fairway.dev";
inline constexpr const char* kValidateJobsWebhook = "validate.jobs.fairway.dev";
inline constexpr const char* kValidateClusterObjectsWebhook =
    "validate.cluster-objects.fairway.dev";

struct ServiceReference {
  std::string namespace_name;
  std::string name;
  int32_t port = 443;
};

// Where the API server reaches the webhook: a Service (in a cluster), or a URL base such as
// "https://127.0.0.1:9443" (the sandbox, or a webhook outside the cluster). The route path is
// appended to either.
struct WebhookEndpoint {
  std::string url;  // used when `service` is unset
  std::optional<ServiceReference> service;

  static WebhookEndpoint Url(std::string base);
  static WebhookEndpoint Service(std::string namespace_name, std::string name, int32_t port = 443);
};

// `ca_pem` (PEM) goes into every caBundle, base64-encoded; empty leaves caBundle out (the API
// server then trusts the system roots).
nlohmann::json MutatingWebhookConfiguration(const WebhookEndpoint& endpoint,
                                            const std::string& ca_pem);
nlohmann::json ValidatingWebhookConfiguration(const WebhookEndpoint& endpoint,
                                              const std::string& ca_pem);

// Sets webhooks[*].clientConfig.caBundle of the Mutating- and ValidatingWebhookConfiguration
// named "fairway.dev" to `ca_pem`: GET, set, UPDATE with the read resourceVersion, and re-read on
// a conflict (up to 5 attempts each). A configuration that does not exist is not an error (it is
// skipped: the chart or kustomize tree may not install it); an unchanged one is not written.
// Errors: the ApiClient's, with the configuration named.
[[nodiscard]] Status InjectCaBundle(kube::ApiClient* client, const std::string& ca_pem);

}  // namespace fairway::webhook
