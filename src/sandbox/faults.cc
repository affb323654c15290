#include "sandbox/faults.h"

namespace fairway::sandbox {

Result<FaultRule> FaultRule::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return BadRequest("fault rule must be an object");
  FaultRule r;
  try {
    r.verb = j.value("verb", "*");
    r.resource = j.value("resource", "*");
    r.code = j.value("code", 500);
    r.count = j.value("count", 1);
    r.retry_after_s = j.value("retryAfterSeconds", 1);
    r.message = j.value("message", "");
  } catch (const std::exception& e) {
    return BadRequest(std::string("bad fault rule: ") + e.what());
  }
  if (r.code < 400 || r.code > 599) return BadRequest("fault code must be 4xx or 5xx");
  return r;
}

nlohmann::json FaultRule::ToJson() const {
  return {{"verb", verb},   {"resource", resource}, {"code", code},
          {"count", count}, {"retryAfterSeconds", retry_after_s}, {"message", message}};
}

void FaultInjector::AddRule(FaultRule rule) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back(std::move(rule));
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
  latency_ = std::chrono::milliseconds(0);
  auth_failures_ = 0;
}

std::vector<FaultRule> FaultInjector::rules() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rules_;
}

std::optional<ApiError> FaultInjector::Check(const std::string& verb, const std::string& resource,
                                             const std::string& subresource) {
  std::string full = subresource.empty() ? resource : resource + "/" + subresource;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (it->verb != "*" && it->verb != verb) continue;
    if (it->resource != "*" && it->resource != resource && it->resource != full) continue;
    FaultRule r = *it;
    if (it->count > 0 && --it->count == 0) rules_.erase(it);
    std::string msg = r.message;
    switch (r.code) {
      case 429:
        return TooManyRequests(msg.empty() ? "the server has received too many requests and has "
                                             "asked us to try again later (injected)"
                                           : msg,
                               r.retry_after_s);
      case 503: {
        ApiError e = ServiceUnavailable(msg.empty() ? "the server is currently unable to handle "
                                                      "the request (injected)"
                                                    : msg);
        e.headers().emplace_back("Retry-After", std::to_string(r.retry_after_s));
        return e;
      }
      case 409:
        return ApiError(409, "Conflict",
                        msg.empty() ? "Operation cannot be fulfilled on " + full +
                                          ": the object has been modified; please apply your "
                                          "changes to the latest version and try again (injected)"
                                    : msg,
                        {{"kind", resource}});
      case 401:
        return Unauthorized();
      case 500:
        return InternalError(msg.empty() ? "injected internal error" : msg);
      default:
        return ApiError(r.code, r.code == 504 ? "Timeout" : "InternalError",
                        msg.empty() ? "injected error" : msg);
    }
  }
  return std::nullopt;
}

void FaultInjector::SetLatency(std::chrono::milliseconds latency) {
  std::lock_guard<std::mutex> lock(mu_);
  latency_ = latency;
}

std::chrono::milliseconds FaultInjector::latency() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latency_;
}

void FaultInjector::FailAuth(int count) {
  std::lock_guard<std::mutex> lock(mu_);
  auth_failures_ += count;
}

bool FaultInjector::ConsumeAuthFailure() {
  std::lock_guard<std::mutex> lock(mu_);
  if (auth_failures_ <= 0) return false;
  --auth_failures_;
  return true;
}

nlohmann::json FaultInjector::ToJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json rules = nlohmann::json::array();
  for (const FaultRule& r : rules_) rules.push_back(r.ToJson());
  return {{"rules", rules}, {"latencyMilliseconds", latency_.count()},
          {"pendingUnauthorized", auth_failures_}};
}

}  // namespace fairway::sandbox
