// OperatorMetrics bound to prometheus-cpp, served with the process's health checks on one HTTP
// listener (DESIGN.md: prefix fairway_):
//   GET /metrics  the text exposition
//   GET /healthz  liveness: 200 "ok", or 503 with the reason (HealthChecks::live)
//   GET /readyz   readiness, the same (HealthChecks::ready)
// The listener is civetweb's (the server prometheus-cpp's own Exposer runs on), used directly so
// the health checks share it.
//
//   fairway_jobs{state,partition}                       gauge
//   fairway_pending_jobs{partition,reason}              gauge
//   fairway_oldest_pending_job_seconds{partition}       gauge (since submission; holds excluded)
//   fairway_gpus{partition,gpu_type,status=total|allocated|idle}  gauge
//   fairway_account_fair_share{account}                 gauge (0..1)
//   fairway_account_usage_gpu_seconds{account}          gauge (decayed)
//   fairway_scheduler_cycle_duration_seconds            histogram
//   fairway_scheduler_cycle_phase_duration_seconds{phase}  histogram (load, snapshot, schedule,
//                                                       apply, report)
//   fairway_scheduler_cycles_total                      counter
//   fairway_jobs_started_total                          counter
//   fairway_jobs_completed_total{state}                 counter (runs ended, by final state)
//   fairway_job_queue_wait_seconds{partition}           histogram (submission to start)
//   fairway_backfill_starts_total                       counter
//   fairway_pods_bound_total                            counter
//   fairway_job_create_to_bound_seconds                 histogram (creationTimestamp to bound)
//   fairway_bind_failures_total{reason}                 counter
//   fairway_api_request_duration_seconds{verb,resource} histogram
//   fairway_api_request_errors_total{verb,resource}     counter
//   fairway_watch_restarts_total{resource}              counter
//   fairway_leader                                      gauge (1 when this replica leads)
//   fairway_fenced_writes_total{verb}                   counter (writes refused: lease not
//                                                       renewed in time)
// Series labelled with a partition or account that no longer exists (SetLiveObjects) are
// removed; other label sets that drop out of a gauge family read 0.
// A labelled family without series yet (fairway_bind_failures_total before the first failure)
// is still announced with its # TYPE line.
//
// Thread-safety: thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "common/status.h"
#include "controllers/metrics.h"

namespace fairway::metrics {

// The process's health, as /healthz and /readyz report it: OK, or why not.
struct HealthChecks {
  std::function<Status()> live;
  std::function<Status()> ready;
};

class PrometheusMetrics : public controllers::OperatorMetrics {
 public:
  PrometheusMetrics();
  ~PrometheusMetrics() override;

  // Serves /metrics, /healthz and /readyz on `address` ("0.0.0.0:8080", "127.0.0.1:0").
  // kUnavailable when the address cannot be bound.
  [[nodiscard]] Status Serve(const std::string& address);
  // The port actually bound (after Serve), 0 before.
  uint16_t port() const;
  // The text exposition (tests, `fairway demo`).
  std::string Render() const;
  // Installs the health checks. Until then (the process is starting) /healthz answers OK and
  // /readyz 503. Returns once no request runs the old checks, so whatever they use may go away
  // afterwards; SetHealthChecks({}) goes back to the starting answers.
  void SetHealthChecks(HealthChecks checks);
  // What /healthz and /readyz answer: the installed check, or the starting answer.
  Status Live() const;
  Status Ready() const;

  void SetLiveObjects(const std::set<std::string>& partitions,
                      const std::set<std::string>& accounts) override;
  void SetJobs(const std::map<std::pair<std::string, std::string>, int64_t>& jobs) override;
  void SetInteractiveJobs(
      const std::map<std::pair<std::string, std::string>, int64_t>& jobs) override;
  void SetPendingReasons(
      const std::map<std::pair<std::string, std::string>, int64_t>& reasons) override;
  void SetOldestPending(const std::map<std::string, double>& seconds) override;
  void SetGpus(
      const std::map<std::pair<std::string, std::string>, controllers::GpuCounts>& gpus) override;
  void SetAccounts(const std::map<std::string, controllers::AccountShare>& accounts) override;
  void ObserveCycle(double seconds, int64_t started, int64_t backfill_started) override;
  void ObserveCyclePhase(const std::string& phase, double seconds) override;
  void JobsCompleted(const std::string& state, int64_t count) override;
  void ObserveQueueWait(const std::string& partition, double seconds) override;
  void PodsBound(int64_t count) override;
  void ObserveCreateToBound(double seconds) override;
  void BindFailed(const std::string& reason) override;
  void ObserveApiRequest(const std::string& verb, const std::string& resource, double seconds,
                         bool ok) override;
  void SetWatchRestarts(const std::string& resource, int64_t total) override;
  void SetLeader(bool leader) override;
  void WriteFenced(const std::string& verb) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fairway::metrics
