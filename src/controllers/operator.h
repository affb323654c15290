// The operator process: leader election (a coordination.k8s.io Lease), then the controllers
// (controller.h) while leading. A standby replica campaigns until the leader's lease expires.
// When leadership is lost the controllers stop and Wait() returns with kAborted: the process
// exits and restarts (STYLE.md §7; the cache is rebuilt from lists).
//
// Thread-safety: Start/Stop/Wait from one thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "controllers/controller.h"
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
  Duration lease_duration = std::chrono::seconds(15);
  Duration renew_deadline = std::chrono::seconds(10);
  Duration retry_period = std::chrono::seconds(2);
};

class Operator {
 public:
  // REQUIRES: client, clock, metrics outlive the operator.
  Operator(kube::ApiClient* client, Clock* clock, OperatorMetrics* metrics, OperatorOptions options);
  ~Operator();

  [[nodiscard]] Status Start();
  // Graceful shutdown: stops the controllers, releases the lease.
  void Stop();
  // Blocks until Stop() or lost leadership. kAborted when leadership was lost.
  Status Wait();
  bool leading() const { return leading_.load(); }
  // New scheduler settings: applied to the running controller, and to the one a later
  // leadership starts. Safe to call from any thread.
  void SetConfig(const core::SchedulerConfig& config);
  // REQUIRES: no concurrent leadership change (tests); prefer SetConfig for settings.
  Controller* controller() { return controller_.get(); }

 private:
  void StartLeading();

  InstrumentedApiClient client_;
  Clock* const clock_;
  OperatorMetrics* const metrics_;
  OperatorOptions options_;
  Logger log_{"operator"};
  std::unique_ptr<kube::ApiEventRecorder> events_;
  std::unique_ptr<Controller> controller_;  // set under mu_ (SetConfig reads it)
  std::unique_ptr<kube::LeaderElector> elector_;
  std::atomic<bool> leading_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;       // GUARDED_BY(mu_)
  bool lost_ = false;       // GUARDED_BY(mu_)
  Status start_error_;      // GUARDED_BY(mu_)
  std::thread starter_;
};

}  // namespace fairway::controllers
