// Dynamic admission of the sandbox API server: MutatingWebhookConfiguration and
// ValidatingWebhookConfiguration objects (admissionregistration.k8s.io/v1) in the store, called
// over HTTPS with AdmissionReview v1 as kube-apiserver does.
//
// For one write the API layer calls Mutate (before its own defaulting and validation) and then
// Validate (on the object it is about to store):
//   - configurations in name order, webhooks in list order; a webhook is called when one of its
//     `rules` matches (operations incl. "*", apiGroups, apiVersions, resources with "*", "x/*",
//     "*/y" and "x/y" for subresources, scope) and its namespaceSelector and objectSelector match
//     (matchPolicy and matchConditions are not evaluated: rules are compared as written and a
//     webhook with matchConditions is called as if they held);
//   - the endpoint is clientConfig.url (https only) or clientConfig.service, which the sandbox
//     dials through a configured address ("namespace/name" -> "host:port"), else the Service's
//     Endpoints or EndpointSlices (it has no cluster DNS). The serving certificate must chain to
//     caBundle (system roots when empty) and name the dialed host or IP;
//   - mutating webhooks' base64 JSONPatch responses apply in turn, each webhook seeing the
//     previous ones' result; reinvocationPolicy is not honoured;
//   - a denial becomes `admission webhook "NAME" denied the request: MESSAGE` with the webhook's
//     code (at least 400) and reason (Forbidden/BadRequest... by code when it gave none);
//   - a failed call (refused, TLS, timeoutSeconds (default 10), non-200, malformed review, uid
//     mismatch) is 500 `Internal error occurred: failed calling webhook "NAME": ...` under
//     failurePolicy Fail (the default) and skips the webhook under Ignore;
//   - on a dry run a webhook whose sideEffects is not None/NoneOnDryRun rejects the request (400);
//   - response.warnings are appended to *warnings for the client's Warning headers.
//
// Thread-safety: thread-safe; calls block for up to the webhooks' timeouts, so never call them
// with a store lock held.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/api_error.h"
#include "sandbox/http_types.h"
#include "sandbox/object_store.h"

namespace fairway::kube {
class HttpTransport;
}

namespace fairway::sandbox {

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;
};

struct GroupVersionResource {
  std::string group;
  std::string version;
  std::string resource;
};

// One admission request, as the AdmissionReview carries it.
struct AdmissionAttributes {
  std::string operation;  // CREATE, UPDATE, DELETE
  GroupVersionKind kind;
  GroupVersionResource resource;
  std::string subresource;
  std::string name;
  std::string ns;             // "" for cluster-scoped objects
  nlohmann::json object;      // as the API serves it; null for DELETE
  nlohmann::json old_object;  // null for CREATE
  bool dry_run = false;
  nlohmann::json options;  // CreateOptions / UpdateOptions / PatchOptions / DeleteOptions
  UserInfo user;           // the authenticated (or impersonated) requester
};

// upstream rules.Matcher for one RuleWithOperations.
bool AdmissionRuleMatches(const nlohmann::json& rule, const AdmissionAttributes& attrs);

// The AdmissionReview (admission.k8s.io/v1) request sent for `attrs` with request.uid `uid`.
nlohmann::json AdmissionReviewRequest(const AdmissionAttributes& attrs, const std::string& uid);

// A verified AdmissionReview response.
struct AdmissionResponse {
  bool allowed = false;
  nlohmann::json status;  // response.status (denials), null when absent
  nlohmann::json patch;   // decoded JSONPatch array, null when none
  std::vector<std::string> warnings;
};

// Parses and verifies a webhook's reply body (apiVersion/kind, response present, uid echoed,
// patch only from mutating webhooks and only as JSONPatch). The error message says what is
// wrong; the caller wraps it in "failed calling webhook".
Result<AdmissionResponse> ParseAdmissionResponse(const std::string& body,
                                                 const std::string& expected_uid, bool mutating);

// The error a denial turns into (upstream webhookerrors.ToStatusErr).
ApiError AdmissionDenied(const std::string& webhook, const nlohmann::json& status);

class AdmissionWebhooks {
 public:
  struct Options {
    // Service "namespace/name" -> "host:port" to dial for webhooks configured with a service.
    std::map<std::string, std::string> service_addresses;
  };

  // `store` must outlive this object.
  AdmissionWebhooks(const ObjectStore* store, Options options);
  ~AdmissionWebhooks();
  AdmissionWebhooks(const AdmissionWebhooks&) = delete;
  AdmissionWebhooks& operator=(const AdmissionWebhooks&) = delete;

  // True when a rule of some webhook may match a request for attrs.operation on attrs.resource
  // and attrs.subresource (scope and selectors are not evaluated, so this over-approximates);
  // when false, callers skip admission altogether.
  bool MayMatch(const AdmissionAttributes& attrs) const;

  // Runs the matching mutating webhooks and returns the object after their patches
  // (attrs.object unchanged when none matches).
  Result<nlohmann::json> Mutate(const AdmissionAttributes& attrs,
                                std::vector<std::string>* warnings);
  // Runs the matching validating webhooks.
  MaybeError Validate(const AdmissionAttributes& attrs, std::vector<std::string>* warnings);

 private:
  struct Hook {
    nlohmann::json webhook;  // one entry of .webhooks
  };

  // The webhooks of every configuration of the kind that match `attrs`.
  Result<std::vector<Hook>> Matching(bool mutating, const AdmissionAttributes& attrs) const;
  // Calls one webhook; the error is the call failure (subject to failurePolicy).
  Result<AdmissionResponse> Call(const nlohmann::json& webhook, const AdmissionAttributes& attrs,
                                 bool mutating);
  // "https://host:port" and the path (with ?timeout=) to POST to.
  Result<std::pair<std::string, std::string>> Endpoint(const nlohmann::json& client_config,
                                                       int timeout_s) const;
  Result<std::string> ServiceAddress(const std::string& ns, const std::string& name,
                                     int port) const;
  Result<std::shared_ptr<kube::HttpTransport>> Transport(const std::string& server,
                                                         const std::string& ca_pem);
  // One webhook's part of Mutate/Validate: applies its patch to *object when mutating.
  MaybeError Dispatch(const nlohmann::json& webhook, bool mutating, AdmissionAttributes* attrs,
                      std::vector<std::string>* warnings);

  const ObjectStore* store_;
  const Options options_;
  std::mutex mu_;
  // Transports by (server, CA PEM); transports pool their connections.
  std::map<std::pair<std::string, std::string>, std::shared_ptr<kube::HttpTransport>>
      transports_;  // GUARDED_BY(mu_)
};

}  // namespace fairway::sandbox
