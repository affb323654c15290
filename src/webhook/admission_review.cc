#include "webhook/admission_review.h"

#include <algorithm>
#include <utility>

#include "common/base64.h"
#include "common/json_depth.h"
#include "common/status_macros.h"

namespace fairway::webhook {

using nlohmann::json;

namespace {

// The longest string field accepted (names, uids, user names): generous, but bounded so a hostile
// review cannot make the webhook copy megabytes per field.
constexpr size_t kMaxStringField = 64 * 1024;

// "request" + "uid" = "request.uid"; "" + "kind" = "kind".
std::string Join(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

// obj[key] as a string. Absent or null: `*out` is left empty unless `required`.
Status ReadString(const json& obj, const char* key, const std::string& path, bool required,
                  std::string* out) {
  std::string field = Join(path, key);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) return InvalidArgumentError("is required", field);
    return OkStatus();
  }
  if (!it->is_string()) return InvalidArgumentError("must be a string", field);
  const std::string& value = it->get_ref<const std::string&>();
  if (value.size() > kMaxStringField) return InvalidArgumentError("is too long", field);
  if (required && value.empty()) return InvalidArgumentError("must not be empty", field);
  *out = value;
  return OkStatus();
}

// obj[key] as an object (required).
StatusOr<const json*> ReadObject(const json& obj, const char* key, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return InvalidArgumentError("is required", Join(path, key));
  if (!it->is_object()) return InvalidArgumentError("must be an object", Join(path, key));
  return &*it;
}

Status ReadGvk(const json& request, GroupVersionKind* out) {
  FAIRWAY_ASSIGN_OR_RETURN(const json* k, ReadObject(request, "kind", "request"));
  FAIRWAY_RETURN_IF_ERROR(ReadString(*k, "group", "request.kind", false, &out->group));
  FAIRWAY_RETURN_IF_ERROR(ReadString(*k, "version", "request.kind", true, &out->version));
  return ReadString(*k, "kind", "request.kind", true, &out->kind);
}

Status ReadGvr(const json& request, GroupVersionResource* out) {
  FAIRWAY_ASSIGN_OR_RETURN(const json* r, ReadObject(request, "resource", "request"));
  FAIRWAY_RETURN_IF_ERROR(ReadString(*r, "group", "request.resource", false, &out->group));
  FAIRWAY_RETURN_IF_ERROR(ReadString(*r, "version", "request.resource", true, &out->version));
  return ReadString(*r, "resource", "request.resource", true, &out->resource);
}

Status ReadOperation(const json& request, Operation* out) {
  std::string op;
  FAIRWAY_RETURN_IF_ERROR(ReadString(request, "operation", "request", true, &op));
  for (Operation candidate :
       {Operation::kCreate, Operation::kUpdate, Operation::kDelete, Operation::kConnect}) {
    if (op == OperationName(candidate)) {
      *out = candidate;
      return OkStatus();
    }
  }
  return InvalidArgumentError("must be CREATE, UPDATE, DELETE or CONNECT", "request.operation");
}

Status ReadUserInfo(const json& request, UserInfo* out) {
  FAIRWAY_ASSIGN_OR_RETURN(const json* u, ReadObject(request, "userInfo", "request"));
  const std::string path = "request.userInfo";
  FAIRWAY_RETURN_IF_ERROR(ReadString(*u, "username", path, false, &out->username));
  FAIRWAY_RETURN_IF_ERROR(ReadString(*u, "uid", path, false, &out->uid));
  auto groups = u->find("groups");
  if (groups == u->end() || groups->is_null()) return OkStatus();
  if (!groups->is_array()) return InvalidArgumentError("must be a list", path + ".groups");
  for (size_t i = 0; i < groups->size(); ++i) {
    const json& g = (*groups)[i];
    std::string item = path + ".groups[" + std::to_string(i) + "]";
    if (!g.is_string()) return InvalidArgumentError("must be a string", item);
    if (g.get_ref<const std::string&>().size() > kMaxStringField) {
      return InvalidArgumentError("is too long", item);
    }
    out->groups.push_back(g.get<std::string>());
  }
  return OkStatus();
}

Status ReadRequest(const json& request, AdmissionRequest* out) {
  const std::string path = "request";
  FAIRWAY_RETURN_IF_ERROR(ReadString(request, "uid", path, true, &out->uid));
  FAIRWAY_RETURN_IF_ERROR(ReadGvk(request, &out->kind));
  FAIRWAY_RETURN_IF_ERROR(ReadGvr(request, &out->resource));
  FAIRWAY_RETURN_IF_ERROR(ReadString(request, "subResource", path, false, &out->sub_resource));
  FAIRWAY_RETURN_IF_ERROR(ReadString(request, "name", path, false, &out->name));
  FAIRWAY_RETURN_IF_ERROR(ReadString(request, "namespace", path, false, &out->namespace_name));
  FAIRWAY_RETURN_IF_ERROR(ReadOperation(request, &out->operation));
  FAIRWAY_RETURN_IF_ERROR(ReadUserInfo(request, &out->user));
  if (auto it = request.find("object"); it != request.end()) out->object = *it;
  if (auto it = request.find("oldObject"); it != request.end()) out->old_object = *it;
  if (auto it = request.find("dryRun"); it != request.end() && !it->is_null()) {
    if (!it->is_boolean()) return InvalidArgumentError("must be true or false", "request.dryRun");
    out->dry_run = it->get<bool>();
  }
  if ((out->operation == Operation::kCreate || out->operation == Operation::kUpdate) &&
      !out->object.is_object()) {
    return InvalidArgumentError(
        "must be an object for " + std::string(OperationName(out->operation)), "request.object");
  }
  if ((out->operation == Operation::kUpdate || out->operation == Operation::kDelete) &&
      !out->old_object.is_object() && !out->old_object.is_null()) {
    return InvalidArgumentError("must be an object or null", "request.oldObject");
  }
  return OkStatus();
}

}  // namespace

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kCreate:
      return "CREATE";
    case Operation::kUpdate:
      return "UPDATE";
    case Operation::kDelete:
      return "DELETE";
    case Operation::kConnect:
      return "CONNECT";
  }
  return "UNKNOWN";
}

AdmissionResponse Allow(const std::string& uid) {
  AdmissionResponse r;
  r.uid = uid;
  return r;
}

AdmissionResponse Deny(const std::string& uid, int32_t code, std::string message) {
  AdmissionResponse r;
  r.uid = uid;
  r.allowed = false;
  r.code = code;
  r.reason = code == 403 ? "Forbidden" : code == 422 ? "Invalid" : "BadRequest";
  r.message = std::move(message);
  return r;
}

StatusOr<AdmissionRequest> ParseAdmissionReview(const json& review) {
  if (!review.is_object()) return InvalidArgumentError("an AdmissionReview must be a JSON object");
  std::string api_version;
  std::string kind;
  FAIRWAY_RETURN_IF_ERROR(ReadString(review, "apiVersion", "", true, &api_version));
  FAIRWAY_RETURN_IF_ERROR(ReadString(review, "kind", "", true, &kind));
  if (api_version != kAdmissionApiVersion) {
    return InvalidArgumentError("must be " + std::string(kAdmissionApiVersion) +
                                    " (the only admissionReviewVersion served)",
                                "apiVersion");
  }
  if (kind != kAdmissionReviewKind) {
    return InvalidArgumentError("must be " + std::string(kAdmissionReviewKind), "kind");
  }
  FAIRWAY_ASSIGN_OR_RETURN(const json* request, ReadObject(review, "request", ""));
  AdmissionRequest out;
  FAIRWAY_RETURN_IF_ERROR(ReadRequest(*request, &out));
  return out;
}

StatusOr<AdmissionRequest> ParseAdmissionReviewBody(std::string_view body) {
  if (JsonDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    return InvalidArgumentError("the body nests JSON more than " + std::to_string(kMaxJsonDepth) +
                                " levels deep");
  }
  json review = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (review.is_discarded()) return InvalidArgumentError("the body is not JSON");
  return ParseAdmissionReview(review);
}

json ToAdmissionReviewResponse(const AdmissionResponse& response) {
  json r = {{"uid", response.uid}, {"allowed", response.allowed}};
  if (!response.allowed) {
    json status = {{"status", "Failure"}, {"code", response.code}, {"message", response.message}};
    if (!response.reason.empty()) status["reason"] = response.reason;
    r["status"] = std::move(status);
  }
  if (response.allowed && response.patch.is_array() && !response.patch.empty()) {
    r["patchType"] = "JSONPatch";
    r["patch"] = Base64Encode(response.patch.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (!response.warnings.empty()) r["warnings"] = response.warnings;
  return json{{"apiVersion", std::string(kAdmissionApiVersion)},
              {"kind", std::string(kAdmissionReviewKind)},
              {"response", std::move(r)}};
}

}  // namespace fairway::webhook
