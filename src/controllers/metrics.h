// The operator's metrics as the controllers see them (STYLE.md §8): an interface declared next to
// the code it measures. src/metrics binds it to prometheus-cpp (names in metrics/prometheus.h);
// NullOperatorMetrics discards everything (tests).
//
// Units are base units (seconds). Job names and UIDs never appear as labels.
//
// Thread-safety: implementations must be thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>

namespace fairway::controllers {

// The phases of a scheduling cycle, in order (Controller::RunOnce): read and reconcile the
// objects; build the snapshot; run the core; apply timeouts, preemptions, starts and pending
// statuses; persist usage, write partition statuses and report metrics.
inline constexpr const char* kCyclePhases[] = {"load", "snapshot", "schedule", "apply", "report"};

struct GpuCounts {
  int64_t total = 0;
  int64_t allocated = 0;
  int64_t idle = 0;  // on usable (Ready, not cordoned) nodes
};

struct AccountShare {
  double fair_share = 0;  // the account's users' best factor (0..1)
  double raw_usage = 0;   // decayed GPU-seconds (billing-seconds)
};

// Gauges are set as whole families each cycle: a label set absent from the map is reset to 0,
// or removed when it names a Partition or Account that no longer exists (SetLiveObjects).
class OperatorMetrics {
 public:
  virtual ~OperatorMetrics() = default;
  // The Partitions and Accounts that exist, once per cycle before the gauges: every series
  // labelled with another partition or account is removed, so a deleted object's series are not
  // exported for ever.
  virtual void SetLiveObjects(const std::set<std::string>& partitions,
                              const std::set<std::string>& accounts) = 0;
  // (state, partition) -> jobs (array tasks count one each when running).
  virtual void SetJobs(const std::map<std::pair<std::string, std::string>, int64_t>& jobs) = 0;
  // The same for interactive sessions only (spec.interactive: salloc, srun, jupyter, code), a
  // subset of SetJobs' counts. No-op unless an implementation exports it.
  virtual void SetInteractiveJobs(
      const std::map<std::pair<std::string, std::string>, int64_t>& jobs) {}
  // (partition, reason) -> pending jobs.
  virtual void SetPendingReasons(
      const std::map<std::pair<std::string, std::string>, int64_t>& reasons) = 0;
  // partition -> seconds since the oldest job waiting there was submitted (held jobs and jobs
  // waiting for their begin time or a dependency do not count: they wait by choice).
  virtual void SetOldestPending(const std::map<std::string, double>& seconds) = 0;
  // (partition, gpu type) -> GPU counts.
  virtual void SetGpus(const std::map<std::pair<std::string, std::string>, GpuCounts>& gpus) = 0;
  virtual void SetAccounts(const std::map<std::string, AccountShare>& accounts) = 0;
  virtual void ObserveCycle(double seconds, int64_t started, int64_t backfill_started) = 0;
  // One phase of a cycle (kCyclePhases) took `seconds`.
  virtual void ObserveCyclePhase(const std::string& phase, double seconds) = 0;
  // `count` runs (jobs, or array tasks) ended in `state`, a final Slurm state ("COMPLETED",
  // "FAILED", "CANCELLED", ...).
  virtual void JobsCompleted(const std::string& state, int64_t count) = 0;
  // A run started in `partition` after waiting `seconds` in the queue (job_status.h,
  // StatusTransitions).
  virtual void ObserveQueueWait(const std::string& partition, double seconds) = 0;
  virtual void PodsBound(int64_t count) = 0;
  // A start's pods were all bound `seconds` after its Job's metadata.creationTimestamp (whole
  // seconds: the timestamp has no finer resolution).
  virtual void ObserveCreateToBound(double seconds) = 0;
  virtual void BindFailed(const std::string& reason) = 0;
  // verb: "get", "list", "create", "update", "patch", "delete", "bind", "watch".
  virtual void ObserveApiRequest(const std::string& verb, const std::string& resource,
                                 double seconds, bool ok) = 0;
  virtual void SetWatchRestarts(const std::string& resource, int64_t total) = 0;
  virtual void SetLeader(bool leader) = 0;
  // A write refused by the leader fence (fenced_api_client.h) because the lease was not renewed
  // in time. verb as in ObserveApiRequest. No-op unless an implementation counts it.
  virtual void WriteFenced(const std::string& verb) {}
};

class NullOperatorMetrics : public OperatorMetrics {
 public:
  void SetLiveObjects(const std::set<std::string>&, const std::set<std::string>&) override {}
  void SetJobs(const std::map<std::pair<std::string, std::string>, int64_t>&) override {}
  void SetPendingReasons(const std::map<std::pair<std::string, std::string>, int64_t>&) override {}
  void SetOldestPending(const std::map<std::string, double>&) override {}
  void SetGpus(const std::map<std::pair<std::string, std::string>, GpuCounts>&) override {}
  void SetAccounts(const std::map<std::string, AccountShare>&) override {}
  void ObserveCycle(double, int64_t, int64_t) override {}
  void ObserveCyclePhase(const std::string&, double) override {}
  void JobsCompleted(const std::string&, int64_t) override {}
  void ObserveQueueWait(const std::string&, double) override {}
  void PodsBound(int64_t) override {}
  void ObserveCreateToBound(double) override {}
  void BindFailed(const std::string&) override {}
  void ObserveApiRequest(const std::string&, const std::string&, double, bool) override {}
  void SetWatchRestarts(const std::string&, int64_t) override {}
  void SetLeader(bool) override {}
};

}  // namespace fairway::controllers
