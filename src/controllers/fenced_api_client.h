// Leader fencing for the controllers' writes (DESIGN.md "One active scheduler", STYLE.md §7):
// a leader that cannot renew its Lease stops writing before anyone else can acquire it.
//
// FencedApiClient decorates the controllers' ApiClient. Every write (Create, Update,
// UpdateStatus, Patch, Delete, Bind) first asks the LeaseFence, at the moment of the call; when
// the lease is not valid the write never reaches the server and returns kAborted
//   "not the leader: lease default/fairway-operator not renewed since 2026-...Z (renew deadline
//   10s)"
// Reads and watches always pass: a deposed leader may still look, and informers keep running
// until the controller is stopped. The first refusal calls `on_tripped` (the Operator then stops
// the controllers and exits) and each refusal is counted (OperatorMetrics::WriteFenced).
//
// What a client-side fence cannot do: recall a write admitted before the deadline that is still
// on its way (queued in the HTTP client, or the process was paused between the check and the
// socket). The gap lease_duration - renew_deadline covers ordinary delays; a pause longer than
// that can let such a write land after another replica took over, and Kubernetes offers no
// precondition across objects to stop it. Each write that completes after its deadline is
// therefore logged ("write was in flight when the lease deadline passed") with its target, so
// an operator (and tests/e2e/leader_fencing_test.sh) can tell it from a fencing failure.
//
// kAborted follows STYLE.md §4 ("re-read and redo"): callers treat it like a lost
// read-modify-write race, and a redo is refused again, so no caller loops on it for long.
//
// LeaseFence is open while clock.Monotonic() < deadline(), the deadline coming from
// kube::LeaderElector::LeaseDeadline() (leader_election.h explains why that deadline ends writes
// before any other candidate may take over). The clock is read on every check, so after a
// SIGSTOP/SIGCONT the first write is refused.
//
// The lease's own client (leader election) must not be fenced: it is what renews the lease.
//
// Thread-safety: LeaseFence and FencedApiClient are thread-safe (as thread-safe as the wrapped
// client and the deadline function).
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "controllers/metrics.h"
#include "kube/api_client.h"

namespace fairway::controllers {

class LeaseFence {
 public:
  // `deadline` returns the monotonic time from which writes are refused (MonotonicTime::min():
  // no lease held). `lease` ("namespace/name") and `renew_deadline` only make the message.
  // REQUIRES: clock outlives the fence.
  LeaseFence(std::function<MonotonicTime()> deadline, std::string lease, Duration renew_deadline,
             Clock* clock);

  // OK while the lease is valid; otherwise kAborted saying since when it was not renewed.
  // `deadline`, when given, receives the deadline the decision used.
  Status Check(MonotonicTime* deadline = nullptr) const;
  // True once `deadline` (from Check) has passed.
  bool Passed(MonotonicTime deadline) const { return clock_->Monotonic() >= deadline; }

 private:
  const std::function<MonotonicTime()> deadline_;
  const std::string lease_;
  const Duration renew_deadline_;
  Clock* const clock_;
};

class FencedApiClient : public kube::ApiClient {
 public:
  // `on_tripped` runs once, on the thread of the first refused write; it must not block on that
  // thread's work (e.g. must not join the controller loop).
  // REQUIRES: inner, fence and metrics outlive this.
  FencedApiClient(kube::ApiClient* inner, const LeaseFence* fence, OperatorMetrics* metrics,
                  std::function<void(const Status&)> on_tripped = {});

  StatusOr<kube::json> Get(const kube::ResourceRef& r, const std::string& ns,
                           const std::string& name) override;
  StatusOr<kube::ObjectList> List(const kube::ResourceRef& r, const std::string& ns,
                                  const kube::ListOptions& o = {}) override;
  StatusOr<kube::json> Create(const kube::ResourceRef& r, const std::string& ns,
                              const kube::json& obj) override;
  StatusOr<kube::json> Update(const kube::ResourceRef& r, const std::string& ns,
                              const kube::json& obj) override;
  StatusOr<kube::json> UpdateStatus(const kube::ResourceRef& r, const std::string& ns,
                                    const kube::json& obj) override;
  StatusOr<kube::json> Patch(const kube::ResourceRef& r, const std::string& ns,
                             const std::string& name, kube::PatchType t, const kube::json& p,
                             const std::string& sub = "") override;
  Status Delete(const kube::ResourceRef& r, const std::string& ns, const std::string& name,
                const kube::DeleteOptions& o = {}) override;
  Status Bind(const std::string& ns, const std::string& pod, const std::string& node,
              const std::string& uid = "") override;
  Status Watch(const kube::ResourceRef& r, const std::string& ns, const kube::WatchOptions& o,
               const kube::WatchHandler& h, kube::CancelToken* cancel = nullptr) override;

  // Writes refused so far.
  int64_t refused() const { return refused_.load(); }
  // Admitted writes whose reply came after the deadline they were admitted under.
  int64_t straddled() const { return straddled_.load(); }

 private:
  // OK to send the write (and the deadline it was admitted under); otherwise the refusal,
  // counted and reported.
  Status Admit(const char* verb, const std::string& target, MonotonicTime* deadline);
  // Admit, then `send` (the inner call) unless refused; logs a reply that came after the
  // deadline.
  template <typename Send>
  auto Write(const char* verb, const kube::ResourceRef& r, const std::string& ns,
             const std::string& name, Send send) -> decltype(send());

  kube::ApiClient* const inner_;
  const LeaseFence* const fence_;
  OperatorMetrics* const metrics_;
  const std::function<void(const Status&)> on_tripped_;
  Logger log_{"controllers.fence"};
  std::atomic<bool> tripped_{false};
  std::atomic<int64_t> refused_{0};
  std::atomic<int64_t> straddled_{0};
};

}  // namespace fairway::controllers
