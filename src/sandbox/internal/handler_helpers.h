// Request parsing shared by the ResourceHandler translation units (reads, writes, reviews):
// bodies (JSON, YAML, Kubernetes protobuf), query parameters, selectors, DeleteOptions, and the
// Success Status some replies carry.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sandbox/api_error.h"
#include "sandbox/http_types.h"
#include "sandbox/internal/request.h"
#include "sandbox/internal/write_rules.h"
#include "sandbox/resource_registry.h"
#include "sandbox/selectors.h"
#include "sandbox/table.h"

namespace fairway::sandbox::internal {

// The request body as JSON: JSON, YAML, or (for the kinds typed clients send that way) Kubernetes
// protobuf. `api_version`/`kind` name the expected object when the protobuf envelope does not.
Result<nlohmann::json> ParseRequestBody(const HttpRequest& req, const std::string& api_version,
                                        const std::string& kind);

// The query parameter, "" when absent.
std::string QueryValue(const Query& q, const std::string& key);
// A boolean query parameter (watch, allowWatchBookmarks, sendInitialEvents) as kube-apiserver
// decodes one (apimachinery's Convert_Slice_string_To_bool): false when absent, "0" or "false" in
// any case; true for every other value, the empty one included ("?watch", "watch=True" from the
// Python client). It never fails.
bool QueryBool(const Query& q, const std::string& key);
IncludeObject ParseInclude(const Query& q);

// What a create, update or patch does with fields the object's schema does not declare
// (?fieldValidation): drop them silently, drop them with a Warning header each, or reject the
// request. Absent means Warn, kube-apiserver's default.
enum class FieldValidation { kIgnore, kWarn, kStrict };
// ?fieldValidation of a request with `verb`. Only create, update and patch take it (their
// CreateOptions, UpdateOptions, PatchOptions): a value other than Ignore, Warn, Strict or "" is a
// 422 there, as upstream answers it; other verbs ignore it.
Result<FieldValidation> ParseFieldValidation(const Query& q, const std::string& verb);
// labelSelector and fieldSelector of a list, watch or deletecollection.
Result<ObjectFilter> ParseFilter(const ResourceInfo& info, const Query& q);
// DeleteOptions from the body and ?gracePeriodSeconds.
Result<DeleteOptions> ParseDeleteOptions(const Query& q, const std::string& body);

// The meta.k8s.io/v1 CreateOptions/UpdateOptions/PatchOptions an AdmissionReview carries
// (dryRun: ["All"] on dry runs).
nlohmann::json WriteOptions(const std::string& kind, bool dry_run);

// {"kind":"Status","status":"Success",...}; `code` 0 leaves out the code.
nlohmann::json SuccessStatus(int code, nlohmann::json details = nullptr);

}  // namespace fairway::sandbox::internal
