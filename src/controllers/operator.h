// The operator process: leader election (a coordination.k8s.io Lease), then the controllers
// (controller.h) while leading. A standby replica campaigns until the leader's lease expires.
// When leadership is lost the controllers stop and Wait() returns with kAborted: the process
// exits and restarts (STYLE.md §7; the cache is rebuilt from lists).
//
// Fencing (fenced_api_client.h): with leader election on, the controllers and their event
// recorder write through a FencedApiClient whose fence is the elector's LeaseDeadline(), so the
// moment the lease goes unrenewed for renew_deadline every write is refused, before any other
// replica can acquire the lease. The first refusal (or the elector giving up, whichever comes
// first) ends leadership: a watcher thread stops the controllers at once and Wait() returns
// kAborted. The Lease itself is written through its own, unfenced client. Without leader
// election (a single replica) there is no fence.
//
//   campaigning --elected--> leading --(fence trips | elector loses)--> lost: controllers
//        |                      |                                       stopped, Wait() = kAborted
//        +------ Stop() --------+--> stopped: controllers stopped, lease released, Wait() = OK
//
// Health, for the kubelet's probes (served on the metrics listener as /healthz and /readyz):
//   Live()   fails only when this replica leads and its scheduler loop has not finished a cycle
//            for `stalled_after` (counted from the loop's start before its first cycle): the
//            loop is wedged (a hung call, a deadlock) and a restart is the cure. A standby, or a
//            leader whose informers are still syncing (bounded by informer_sync_timeout), is
//            alive.
//   Ready()  a standby is ready (it serves the admission webhook); a leader once its informers
//            synced and while its last cycle finished within `ready_within`.
//
// Thread-safety: Start/Stop/Wait from one (owner) thread; SetConfig, leading() and controller()
// from any. Lock order: Operator::mu_ before Controller's own mutex (SetConfig); mu_ is never
// held while a controller starts or stops.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "common/mutex.h"
#include "common/status.h"
#include "common/thread_annotations.h"
#include "controllers/controller.h"
#include "controllers/fenced_api_client.h"
#include "controllers/instrumented_client.h"
#include "controllers/metrics.h"
#include "kube/api_client.h"
#include "kube/event_recorder.h"
#include "kube/leader_election.h"

namespace fairway::controllers {

struct OperatorOptions {
  ControllerOptions controller;
  bool leader_elect = true;
  std::string lease_namespace = "default";
  std::string lease_name = "fairway-operator";
  std::string identity;  // empty: "<hostname>_<random>"
  // Must satisfy lease_duration > renew_deadline > 1.2 x retry_period (leader_election.h).
  Duration lease_duration = std::chrono::seconds(15);
  Duration renew_deadline = std::chrono::seconds(10);
  Duration retry_period = std::chrono::seconds(2);
  // Health bounds (header comment). A cycle normally ends every cycle_interval (5 s); one that
  // starts thousands of pods takes seconds, so minutes mean the loop is stuck. REQUIRES: both
  // longer than controller.cycle_interval.
  Duration stalled_after = std::chrono::minutes(2);
  Duration ready_within = std::chrono::minutes(1);
};

class Operator {
 public:
  // `client` carries the controllers' traffic; `election_client` only the Lease's (default:
  // `client`). Giving the Lease a client with its own rate limiter, as kube-scheduler does, keeps
  // renewals from queueing behind a burst of controller writes.
  // REQUIRES: client, election_client, clock and metrics outlive the operator.
  Operator(kube::ApiClient* client, Clock* clock, OperatorMetrics* metrics, OperatorOptions options,
           kube::ApiClient* election_client = nullptr);
  ~Operator();
  Operator(const Operator&) = delete;
  Operator& operator=(const Operator&) = delete;

  [[nodiscard]] Status Start();
  // Graceful shutdown: stops the controllers, releases the lease (if still valid).
  void Stop();
  // Blocks until Stop() or lost leadership. kAborted when leadership was lost.
  Status Wait();
  bool leading() const { return leading_.load(); }
  // Liveness and readiness (header comment): OK, or kUnavailable saying why not. Safe to call
  // from any thread.
  Status Live();
  Status Ready();
  const std::string& identity() const { return options_.identity; }
  // New scheduler settings: applied to the running controller, and to the one a later
  // leadership starts. Safe to call from any thread.
  void SetConfig(const core::SchedulerConfig& config);
  // The running controller, or null. REQUIRES: no concurrent leadership change (tests); prefer
  // SetConfig for settings.
  Controller* controller();

 private:
  Status StartElector();
  void StartLeading();
  // Leadership ended without Stop(): from the fence (first refused write) or the elector.
  void OnLost(const std::string& why);
  // The watcher thread: waits for the end and, when it was a loss, stops the controllers.
  void StopOnLoss();
  void StopControllers();

  InstrumentedApiClient client_;
  InstrumentedApiClient election_client_;
  Clock* const clock_;
  OperatorMetrics* const metrics_;
  const OperatorOptions options_;  // controller.config is only the initial value (config_)
  Logger log_{"operator"};
  std::unique_ptr<kube::LeaderElector> elector_;
  std::unique_ptr<LeaseFence> fence_;        // leader election only
  std::unique_ptr<FencedApiClient> fenced_;  // over client_; leader election only
  kube::ApiClient* writer_ = &client_;       // what the controllers and events use
  std::unique_ptr<kube::ApiEventRecorder> events_;
  std::atomic<bool> leading_{false};
  // When the running controller's loop started (its informers had synced); min() before.
  std::atomic<MonotonicTime> loop_started_{MonotonicTime::min()};
  std::thread watcher_;  // owner thread (Start/Stop)

  Mutex mu_;
  CondVar cv_;
  core::SchedulerConfig config_ FAIRWAY_GUARDED_BY(mu_);
  std::unique_ptr<Controller> controller_ FAIRWAY_GUARDED_BY(mu_);
  std::thread starter_ FAIRWAY_GUARDED_BY(mu_);  // runs StartLeading
  bool done_ FAIRWAY_GUARDED_BY(mu_) = false;
  bool lost_ FAIRWAY_GUARDED_BY(mu_) = false;
  Status start_error_ FAIRWAY_GUARDED_BY(mu_);
};

}  // namespace fairway::controllers
