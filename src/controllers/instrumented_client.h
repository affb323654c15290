// An ApiClient decorator that reports each request's latency and failures to OperatorMetrics
// (fairway_api_request_duration_seconds / _errors_total). NotFound and AlreadyExists are answers,
// not errors, and are not counted as failures.
//
// Thread-safety: as thread-safe as the wrapped client.
#pragma once

#include <chrono>

#include "common/clock.h"
#include "controllers/metrics.h"
#include "kube/api_client.h"

namespace fairway::controllers {

class InstrumentedApiClient : public kube::ApiClient {
 public:
  // REQUIRES: inner, clock and metrics outlive this.
  InstrumentedApiClient(kube::ApiClient* inner, Clock* clock, OperatorMetrics* metrics)
      : inner_(inner), clock_(clock), metrics_(metrics) {}

  StatusOr<kube::json> Get(const kube::ResourceRef& r, const std::string& ns,
                           const std::string& name) override {
    return Timed("get", r, [&] { return inner_->Get(r, ns, name); });
  }
  StatusOr<kube::ObjectList> List(const kube::ResourceRef& r, const std::string& ns,
                                  const kube::ListOptions& o = {}) override {
    return Timed("list", r, [&] { return inner_->List(r, ns, o); });
  }
  StatusOr<kube::json> Create(const kube::ResourceRef& r, const std::string& ns,
                              const kube::json& obj) override {
    return Timed("create", r, [&] { return inner_->Create(r, ns, obj); });
  }
  StatusOr<kube::json> Update(const kube::ResourceRef& r, const std::string& ns,
                              const kube::json& obj) override {
    return Timed("update", r, [&] { return inner_->Update(r, ns, obj); });
  }
  StatusOr<kube::json> UpdateStatus(const kube::ResourceRef& r, const std::string& ns,
                                    const kube::json& obj) override {
    return Timed("update", r, [&] { return inner_->UpdateStatus(r, ns, obj); });
  }
  StatusOr<kube::json> Patch(const kube::ResourceRef& r, const std::string& ns,
                             const std::string& name, kube::PatchType t, const kube::json& p,
                             const std::string& sub = "") override {
    return Timed("patch", r, [&] { return inner_->Patch(r, ns, name, t, p, sub); });
  }
  Status Delete(const kube::ResourceRef& r, const std::string& ns, const std::string& name,
                const kube::DeleteOptions& o = {}) override {
    return Timed("delete", r, [&] { return inner_->Delete(r, ns, name, o); });
  }
  Status Bind(const std::string& ns, const std::string& pod, const std::string& node,
              const std::string& uid = "") override {
    return Timed("bind", kube::ResourceRef::Pods(),
                 [&] { return inner_->Bind(ns, pod, node, uid); });
  }
  Status Watch(const kube::ResourceRef& r, const std::string& ns, const kube::WatchOptions& o,
               const kube::WatchHandler& h, kube::CancelToken* cancel = nullptr) override {
    // Watches are long-lived: count failures only.
    Status s = inner_->Watch(r, ns, o, h, cancel);
    if (!s.ok() && s.code() != StatusCode::kCancelled) {
      metrics_->ObserveApiRequest("watch", r.GroupResource(), 0, false);
    }
    return s;
  }

 private:
  static bool Failed(const Status& s) {
    return !s.ok() && s.code() != StatusCode::kNotFound && s.code() != StatusCode::kAlreadyExists;
  }
  template <typename T>
  static Status StatusOf(const StatusOr<T>& v) {
    return v.status();
  }
  static Status StatusOf(const Status& s) { return s; }

  template <typename Fn>
  auto Timed(const char* verb, const kube::ResourceRef& r, Fn fn) -> decltype(fn()) {
    MonotonicTime t0 = clock_->Monotonic();
    auto result = fn();
    double seconds = std::chrono::duration<double>(clock_->Monotonic() - t0).count();
    metrics_->ObserveApiRequest(verb, r.GroupResource(), seconds, !Failed(StatusOf(result)));
    return result;
  }

  kube::ApiClient* const inner_;
  Clock* const clock_;
  OperatorMetrics* const metrics_;
};

}  // namespace fairway::controllers
