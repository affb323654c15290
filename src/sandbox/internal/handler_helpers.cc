#include "sandbox/internal/handler_helpers.h"

#include "sandbox/internal/protobuf.h"
#include "sandbox/internal/util.h"
#include "sandbox/manifest.h"

namespace fairway::sandbox::internal {
namespace {

Result<nlohmann::json> ParseBody(const std::string& body, const std::string& content_type) {
  if (body.empty()) return BadRequest("the request body is empty");
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() && ToLower(content_type).find("yaml") != std::string::npos) {
    StatusOr<std::vector<nlohmann::json>> docs = ParseManifests(body);
    if (docs.ok() && docs->size() == 1) j = docs->front();
  }
  if (j.is_discarded()) {
    return BadRequest("the body of the request could not be decoded: invalid JSON");
  }
  if (j.is_object() && j.contains("metadata") && !j["metadata"].is_object() &&
      !j["metadata"].is_null()) {
    return BadRequest("json: cannot unmarshal " + std::string(j["metadata"].type_name()) +
                      " into Go struct field .metadata of type v1.ObjectMeta");
  }
  return j;
}

}  // namespace

// The request body as JSON: JSON, YAML, or (for the kinds typed clients send that way) Kubernetes
// protobuf. `api_version`/`kind` name the expected object when the protobuf envelope does not.
Result<nlohmann::json> ParseRequestBody(const HttpRequest& req, const std::string& api_version,
                                        const std::string& kind) {
  std::string ct = req.Header("content-type");
  if (protobuf::IsProtobufContentType(ct)) {
    if (req.body.empty()) return BadRequest("the request body is empty");
    return protobuf::DecodeObject(req.body, api_version, kind);
  }
  return ParseBody(req.body, ct);
}

std::string QueryValue(const Query& q, const std::string& key) {
  auto it = q.find(key);
  return it == q.end() ? std::string() : it->second;
}

bool QueryBool(const Query& q, const std::string& key) {
  auto it = q.find(key);
  return it != q.end() && it->second != "0" && ToLower(it->second) != "false";
}

IncludeObject ParseInclude(const Query& q) {
  std::string v = QueryValue(q, "includeObject");
  if (v == "Object") return IncludeObject::kObject;
  if (v == "None") return IncludeObject::kNone;
  return IncludeObject::kMetadata;
}

Result<FieldValidation> ParseFieldValidation(const Query& q, const std::string& verb) {
  const std::string options_kind = verb == "create"   ? "CreateOptions"
                                   : verb == "update" ? "UpdateOptions"
                                   : verb == "patch"  ? "PatchOptions"
                                                      : "";
  const std::string v = QueryValue(q, "fieldValidation");
  if (options_kind.empty() || v.empty() || v == "Warn") return FieldValidation::kWarn;
  if (v == "Strict") return FieldValidation::kStrict;
  if (v == "Ignore") return FieldValidation::kIgnore;
  return Invalid(options_kind, "meta.k8s.io", "",
                 {NotSupportedCause("fieldValidation", v, {"", "Ignore", "Strict", "Warn"})});
}

Result<ObjectFilter> ParseFilter(const ResourceInfo& info, const Query& q) {
  ObjectFilter f;
  SANDBOX_ASSIGN_OR_RETURN(f.labels, LabelSelector::Parse(QueryValue(q, "labelSelector")));
  SANDBOX_ASSIGN_OR_RETURN(f.fields, FieldSelector::Parse(QueryValue(q, "fieldSelector"),
                                                          info.group, info.plural, info.custom));
  return f;
}

Result<DeleteOptions> ParseDeleteOptions(const Query& q, const std::string& body) {
  DeleteOptions o;
  if (!body.empty()) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return BadRequest("invalid DeleteOptions body");
    if (j.contains("gracePeriodSeconds") && j["gracePeriodSeconds"].is_number_integer()) {
      o.grace_period_s = j["gracePeriodSeconds"].get<int64_t>();
    }
    o.precondition_uid = GetString(j, {"preconditions", "uid"});
    o.precondition_rv = GetString(j, {"preconditions", "resourceVersion"});
  }
  std::string g = QueryValue(q, "gracePeriodSeconds");
  if (!g.empty()) {
    try {
      o.grace_period_s = std::stoll(g);
    } catch (...) {
      return BadRequest("invalid gracePeriodSeconds: " + g);
    }
  }
  return o;
}

nlohmann::json SuccessStatus(int code, nlohmann::json details) {
  nlohmann::json s = {{"kind", "Status"},
                      {"apiVersion", "v1"},
                      {"metadata", nlohmann::json::object()},
                      {"status", "Success"}};
  if (!details.is_null()) s["details"] = details;
  if (code != 0) s["code"] = code;
  return s;
}

nlohmann::json WriteOptions(const std::string& kind, bool dry_run) {
  nlohmann::json o = {{"apiVersion", "meta.k8s.io/v1"}, {"kind", kind}};
  if (dry_run) o["dryRun"] = {"All"};
  return o;
}

}  // namespace fairway::sandbox::internal
