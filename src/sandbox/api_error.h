// Kubernetes API errors as values (STYLE.md §4), and Result<T> for the sandbox API server.
//
// An ApiError is what kube-apiserver puts in a `Status` object: HTTP code, reason, message and
// details (name, group, kind, causes). Every non-2xx reply of the sandbox is built from one, so
// the message shapes live here, next to the upstream shapes they copy:
//   pods "train-0" not found
//   jobs.fairway.dev "j1" already exists
//   Operation cannot be fulfilled on pods "p": the object has been modified; ...
//   Job.fairway.dev "j1" is invalid: spec.gpus: Invalid value: 9: ...
//
// ToStatus() maps an ApiError onto fairway::Status with the codes of STYLE.md §4 for C++ callers.
//
// Thread-safety: value types.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"

namespace fairway::sandbox {

// Names a resource in messages and details: group "" is the core group.
struct ResourceRef {
  std::string group;     // "fairway.dev", "" for core
  std::string resource;  // plural, "jobs"
  std::string bucket;    // storage key shared by all versions and views of the resource

  // "pods" or "jobs.fairway.dev" (upstream's qualified resource).
  std::string Qualified() const { return group.empty() ? resource : resource + "." + group; }
};

// One per-field problem of a 422 Invalid: reason FieldValueInvalid, FieldValueRequired, ...
struct FieldCause {
  std::string reason;
  std::string message;  // "Invalid value: 9: spec.gpus in body should be ..."
  std::string field;    // "spec.gpus"

  // "spec.gpus: Invalid value: 9: ..." as upstream's field.Error.Error().
  std::string ToString() const { return field.empty() ? message : field + ": " + message; }
};

FieldCause InvalidCause(const std::string& field, const nlohmann::json& value,
                        const std::string& detail);
FieldCause RequiredCause(const std::string& field, const std::string& detail = {});
FieldCause ForbiddenCause(const std::string& field, const std::string& detail);
FieldCause NotSupportedCause(const std::string& field, const nlohmann::json& value,
                             const std::vector<std::string>& supported);
FieldCause TypeInvalidCause(const std::string& field, const nlohmann::json& value,
                            const std::string& detail);

class ApiError {
 public:
  ApiError() = default;
  ApiError(int code, std::string reason, std::string message, nlohmann::json details = nullptr);

  int code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }
  const nlohmann::json& details() const { return details_; }
  // Extra response headers (Retry-After).
  std::vector<std::pair<std::string, std::string>>& headers() { return headers_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

  // {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",...}
  nlohmann::json ToStatusJson() const;
  fairway::Status ToStatus() const;

 private:
  int code_ = 500;
  std::string reason_;
  std::string message_;
  nlohmann::json details_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

// Upstream message shapes.
ApiError NotFound(const ResourceRef& ref, const std::string& name);
ApiError AlreadyExists(const ResourceRef& ref, const std::string& name);
// "Operation cannot be fulfilled on <ref> \"name\": <why>"
ApiError Conflict(const ResourceRef& ref, const std::string& name, const std::string& why);
ApiError StaleConflict(const ResourceRef& ref, const std::string& name);
// 422: "<Kind>.<group> \"name\" is invalid: cause[, cause...]" (details.kind is the Kind).
ApiError Invalid(const std::string& kind, const std::string& group, const std::string& name,
                 std::vector<FieldCause> causes);
ApiError BadRequest(const std::string& message);
ApiError Forbidden(const std::string& message, nlohmann::json details = nullptr);
ApiError Expired(const std::string& message);
ApiError MethodNotAllowed(const std::string& message);
ApiError UnsupportedMediaType(const std::string& message);
// 413 "Request entity too large: limit is N" for a body over `limit_bytes`.
ApiError RequestEntityTooLarge(size_t limit_bytes);
ApiError InternalError(const std::string& message);
ApiError PathNotFound();  // "the server could not find the requested resource"
ApiError TooManyRequests(const std::string& message, int retry_after_s);
ApiError Unauthorized();
ApiError ServiceUnavailable(const std::string& message);

// A value or an ApiError.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(ApiError error) : data_(std::move(error)) {}  // NOLINT(runtime/explicit)
  Result(T value) : data_(std::move(value)) {}         // NOLINT(runtime/explicit)

  bool ok() const { return std::holds_alternative<T>(data_); }
  const ApiError& error() const { return std::get<ApiError>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T& value() & { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<ApiError, T> data_;
};

// Empty on success.
using MaybeError = std::optional<ApiError>;

}  // namespace fairway::sandbox

#define SANDBOX_CONCAT_INNER_(a, b) a##b
#define SANDBOX_CONCAT_(a, b) SANDBOX_CONCAT_INNER_(a, b)
// Returns the ApiError of a MaybeError expression.
#define SANDBOX_RETURN_IF_ERROR(expr)                \
  do {                                               \
    ::fairway::sandbox::MaybeError sb_err_ = (expr); \
    if (sb_err_.has_value()) return *sb_err_;        \
  } while (false)
#define SANDBOX_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.error();                   \
  lhs = std::move(tmp).value()
#define SANDBOX_ASSIGN_OR_RETURN(lhs, expr) \
  SANDBOX_ASSIGN_OR_RETURN_IMPL_(SANDBOX_CONCAT_(sb_result_, __LINE__), lhs, expr)
