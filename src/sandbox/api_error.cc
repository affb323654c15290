#include "sandbox/api_error.h"

namespace fairway::sandbox {
namespace {

// Renders a value as upstream's field errors do: strings quoted, numbers plain.
std::string RenderValue(const nlohmann::json& value) {
  if (value.is_string()) return nlohmann::json(value.get<std::string>()).dump();
  if (value.is_null()) return "null";
  return value.dump();
}

nlohmann::json Details(const ResourceRef& ref, const std::string& name) {
  nlohmann::json d = {{"name", name}, {"kind", ref.resource}};
  if (!ref.group.empty()) d["group"] = ref.group;
  return d;
}

}  // namespace

FieldCause InvalidCause(const std::string& field, const nlohmann::json& value,
                        const std::string& detail) {
  std::string msg = "Invalid value: " + RenderValue(value);
  if (!detail.empty()) msg += ": " + detail;
  return {"FieldValueInvalid", msg, field};
}

FieldCause RequiredCause(const std::string& field, const std::string& detail) {
  return {"FieldValueRequired", detail.empty() ? "Required value" : "Required value: " + detail,
          field};
}

FieldCause ForbiddenCause(const std::string& field, const std::string& detail) {
  return {"FieldValueForbidden", "Forbidden: " + detail, field};
}

FieldCause NotSupportedCause(const std::string& field, const nlohmann::json& value,
                             const std::vector<std::string>& supported) {
  std::string msg = "Unsupported value: " + RenderValue(value);
  if (!supported.empty()) {
    msg += ": supported values: ";
    for (size_t i = 0; i < supported.size(); ++i) {
      if (i > 0) msg += ", ";
      msg += nlohmann::json(supported[i]).dump();
    }
  }
  return {"FieldValueNotSupported", msg, field};
}

FieldCause TypeInvalidCause(const std::string& field, const nlohmann::json& value,
                            const std::string& detail) {
  return {"FieldValueTypeInvalid", "Invalid value: " + RenderValue(value) + ": " + detail, field};
}

ApiError::ApiError(int code, std::string reason, std::string message, nlohmann::json details)
    : code_(code),
      reason_(std::move(reason)),
      message_(std::move(message)),
      details_(std::move(details)) {}

nlohmann::json ApiError::ToStatusJson() const {
  nlohmann::json s = {
      {"kind", "Status"},    {"apiVersion", "v1"},  {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message_}, {"reason", reason_},
      {"code", code_}};
  if (!details_.is_null()) s["details"] = details_;
  return s;
}

fairway::Status ApiError::ToStatus() const {
  StatusCode code = StatusCode::kUnknown;
  switch (code_) {
    case 400:
    case 422:
    case 415:
      code = StatusCode::kInvalidArgument;
      break;
    case 401:
      code = StatusCode::kUnauthenticated;
      break;
    case 403:
      code = StatusCode::kPermissionDenied;
      break;
    case 404:
      code = StatusCode::kNotFound;
      break;
    case 409:
      code = reason_ == "AlreadyExists" ? StatusCode::kAlreadyExists : StatusCode::kAborted;
      break;
    case 410:
      code = StatusCode::kOutOfRange;
      break;
    default:
      code = (code_ == 429 || code_ >= 500) ? StatusCode::kUnavailable : StatusCode::kUnknown;
  }
  return fairway::Status(code, message_);
}

ApiError NotFound(const ResourceRef& ref, const std::string& name) {
  return ApiError(404, "NotFound", ref.Qualified() + " \"" + name + "\" not found",
                  Details(ref, name));
}

ApiError AlreadyExists(const ResourceRef& ref, const std::string& name) {
  return ApiError(409, "AlreadyExists", ref.Qualified() + " \"" + name + "\" already exists",
                  Details(ref, name));
}

ApiError Conflict(const ResourceRef& ref, const std::string& name, const std::string& why) {
  return ApiError(
      409, "Conflict",
      "Operation cannot be fulfilled on " + ref.Qualified() + " \"" + name + "\": " + why,
      Details(ref, name));
}

ApiError StaleConflict(const ResourceRef& ref, const std::string& name) {
  return Conflict(ref, name,
                  "the object has been modified; please apply your changes to the latest version "
                  "and try again");
}

ApiError Invalid(const std::string& kind, const std::string& group, const std::string& name,
                 std::vector<FieldCause> causes) {
  std::string qualified = group.empty() ? kind : kind + "." + group;
  std::string msg = qualified + " \"" + name + "\" is invalid: ";
  if (causes.size() == 1) {
    msg += causes[0].ToString();
  } else {
    msg += "[";
    for (size_t i = 0; i < causes.size(); ++i) {
      if (i > 0) msg += ", ";
      msg += causes[i].ToString();
    }
    msg += "]";
  }
  nlohmann::json d = {{"name", name}, {"kind", kind}};
  if (!group.empty()) d["group"] = group;
  nlohmann::json arr = nlohmann::json::array();
  for (const FieldCause& c : causes) {
    arr.push_back({{"reason", c.reason}, {"message", c.message}, {"field", c.field}});
  }
  d["causes"] = arr;
  return ApiError(422, "Invalid", msg, d);
}

ApiError BadRequest(const std::string& message) { return ApiError(400, "BadRequest", message); }
ApiError Forbidden(const std::string& message, nlohmann::json details) {
  return ApiError(403, "Forbidden", message, std::move(details));
}
ApiError Expired(const std::string& message) { return ApiError(410, "Expired", message); }
ApiError MethodNotAllowed(const std::string& message) {
  return ApiError(405, "MethodNotAllowed", message);
}
ApiError UnsupportedMediaType(const std::string& message) {
  return ApiError(415, "UnsupportedMediaType", message);
}
ApiError RequestEntityTooLarge(size_t limit_bytes) {
  return ApiError(413, "RequestEntityTooLarge",
                  "Request entity too large: limit is " + std::to_string(limit_bytes));
}
ApiError InternalError(const std::string& message) {
  return ApiError(500, "InternalError", message, {{"causes", {{{"message", message}}}}});
}
ApiError PathNotFound() {
  return ApiError(
      404, "NotFound", "the server could not find the requested resource",
      {{"causes", {{{"reason", "UnexpectedServerResponse"}, {"message", "404 page not found"}}}}});
}
ApiError TooManyRequests(const std::string& message, int retry_after_s) {
  ApiError e(429, "TooManyRequests", message, {{"retryAfterSeconds", retry_after_s}});
  e.headers().emplace_back("Retry-After", std::to_string(retry_after_s));
  return e;
}
ApiError Unauthorized() { return ApiError(401, "Unauthorized", "Unauthorized"); }
ApiError ServiceUnavailable(const std::string& message) {
  return ApiError(503, "ServiceUnavailable", message);
}

}  // namespace fairway::sandbox
