// Fault injection for client tests: fail chosen requests, add latency, answer 401 once.
//
// A rule matches requests by verb (get, list, watch, create, update, patch, delete,
// deletecollection or "*") and resource ("pods", "pods/status", "jobs", or "*"), and fails the
// next `count` of them (-1: all) with `code`: 429 and 503 carry Retry-After, 409 is a Conflict,
// 500 an InternalError. Rules are consumed in insertion order. Watch drops and history
// compaction act on the store directly (ObjectStore::CloseAllWatchers / Compact).
//
// Configured from C++ or over HTTP (see ApiServer: /sandbox/faults).
//
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/api_error.h"

namespace fairway::sandbox {

struct FaultRule {
  std::string verb = "*";
  std::string resource = "*";
  int code = 500;
  int count = 1;          // remaining matches to fail; -1 = unlimited
  int retry_after_s = 1;  // for 429 and 503
  std::string message;    // default: a generic message per code

  static Result<FaultRule> FromJson(const nlohmann::json& j);
  nlohmann::json ToJson() const;
};

class FaultInjector {
 public:
  void AddRule(FaultRule rule);
  void Clear();  // rules, latency and pending 401s
  std::vector<FaultRule> rules() const;

  // Consumes and returns the error for a request, if a rule matches.
  std::optional<ApiError> Check(const std::string& verb, const std::string& resource,
                                const std::string& subresource);

  void SetLatency(std::chrono::milliseconds latency);
  std::chrono::milliseconds latency() const;

  // The next `count` requests get 401 Unauthorized.
  void FailAuth(int count = 1);
  bool ConsumeAuthFailure();

  nlohmann::json ToJson() const;

 private:
  mutable std::mutex mu_;
  std::vector<FaultRule> rules_;           // GUARDED_BY(mu_)
  std::chrono::milliseconds latency_{0};   // GUARDED_BY(mu_)
  int auth_failures_ = 0;                  // GUARDED_BY(mu_)
};

}  // namespace fairway::sandbox
