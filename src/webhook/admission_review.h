// AdmissionReview (admission.k8s.io/v1; kubernetes-api.md §8): the request the API server POSTs
// to a webhook, and the response it expects back.
//
// ParseAdmissionReview is a parser of untrusted input: it checks every field it reads for type
// and presence and never throws. Only `admission.k8s.io/v1` is accepted (the configurations list
// admissionReviewVersions [v1]).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_depth.h"
#include "common/status.h"

namespace fairway::webhook {

inline constexpr std::string_view kAdmissionApiVersion = "admission.k8s.io/v1";
inline constexpr std::string_view kAdmissionReviewKind = "AdmissionReview";

enum class Operation { kCreate, kUpdate, kDelete, kConnect };

// "CREATE", "UPDATE", "DELETE", "CONNECT".
std::string_view OperationName(Operation op);

struct GroupVersionKind {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
};

struct GroupVersionResource {
  std::string group;
  std::string version;
  std::string resource;  // plural: "jobs", "qoses"
};

// The requesting user as the API server authenticated it (authentication.k8s.io/v1 UserInfo).
// The only identity admission trusts.
struct UserInfo {
  std::string username;
  std::string uid;
  std::vector<std::string> groups;
};

struct AdmissionRequest {
  std::string uid;  // echoed in the response
  GroupVersionKind kind;
  GroupVersionResource resource;
  std::string sub_resource;  // "" for the main resource, "status", ...
  std::string name;          // may be empty on CREATE (generateName)
  std::string namespace_name;
  Operation operation = Operation::kCreate;
  UserInfo user;
  nlohmann::json object;      // null on DELETE
  nlohmann::json old_object;  // set on UPDATE and DELETE, null on CREATE
  bool dry_run = false;
};

struct AdmissionResponse {
  std::string uid;
  bool allowed = true;
  // For a denial: HTTP-style code (403 Forbidden, 422 Invalid, 400 BadRequest) and the Status
  // reason ("Forbidden", "Invalid", "BadRequest"); the API server shows the message as
  // `admission webhook "<name>" denied the request: <message>`.
  int32_t code = 0;
  std::string reason;
  std::string message;
  // RFC 6902 operations (a JSON array); only mutating webhooks return a non-empty one.
  nlohmann::json patch = nlohmann::json::array();
  std::vector<std::string> warnings;
};

// Allows request `uid` without changes.
AdmissionResponse Allow(const std::string& uid);
// Denies request `uid` with `code` (403 -> reason "Forbidden", 422 -> "Invalid", anything else
// -> "BadRequest").
AdmissionResponse Deny(const std::string& uid, int32_t code, std::string message);

// Parses an HTTP request body: JSON nested at most kMaxJsonDepth (common/json_depth.h) levels, then
// ParseAdmissionReview. Errors are kInvalidArgument.
[[nodiscard]] StatusOr<AdmissionRequest> ParseAdmissionReviewBody(std::string_view body);

// Reads an AdmissionReview carrying a request. Errors are kInvalidArgument naming the field
// ("request.userInfo.groups[1]: must be a string").
[[nodiscard]] StatusOr<AdmissionRequest> ParseAdmissionReview(const nlohmann::json& review);

// The AdmissionReview to send back: apiVersion/kind, response.uid, allowed, status (denials),
// patch (base64 of the JSON array) with patchType JSONPatch only when the patch is non-empty,
// and warnings when there are any.
nlohmann::json ToAdmissionReviewResponse(const AdmissionResponse& response);

}  // namespace fairway::webhook
