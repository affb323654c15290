// Discrete-event replay of a workload through the scheduling core on a virtual clock: the same
// RunCycle the operator runs. Events are job arrivals and completions; after the events of each
// instant the simulator advances the fair-share ledger (usage of the jobs that ran since the last
// instant, decayed), runs one cycle and starts what it decided.
//
// Deterministic: no wall clock, no randomness, ordered containers; the same workload and options
// give the same outcome.
//
// Thread-safety: RunSimulation is a pure function of its arguments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/account_context.h"
#include "core/config.h"
#include "core/fair_share.h"
#include "core/model.h"
#include "sim/workload.h"

namespace fairway::sim {

struct SimOptions {
  core::SchedulerConfig config;
  // Partitions of the simulated cluster; empty: one default partition "batch" over all nodes.
  std::vector<core::Partition> partitions;
  // Shares per account name (default 1 for accounts not listed).
  std::vector<std::pair<std::string, uint32_t>> account_shares;
  // Stop after this many jobs have arrived (0 = all).
  size_t max_jobs = 0;
};

struct JobOutcome {
  uint64_t id = 0;
  std::string account;
  std::string user;
  int64_t submit_s = 0;
  int64_t start_s = 0;
  int64_t end_s = 0;
  int64_t run_s = 0;
  int32_t nodes = 0;
  core::Resources per_node;
};

// The state after the events of one instant: for the queue/utilization chart.
struct TimeSample {
  int64_t time_s = 0;
  int64_t pending_jobs = 0;
  double busy = 0;  // GPUs in use (CPUs when the cluster has no GPUs)
};

struct SimResult {
  std::vector<JobOutcome> jobs;     // in completion order
  std::vector<TimeSample> samples;  // one per instant with events
  std::vector<core::Node> nodes;
  int64_t cycles = 0;
  int64_t never_started = 0;  // jobs still pending when no event was left (should be 0)
  std::shared_ptr<const core::AccountContext> final_accounts;    // tree and fair share at the end
  std::vector<std::pair<std::string, uint32_t>> account_shares;  // as configured
};

StatusOr<SimResult> RunSimulation(const Workload& workload, const SimOptions& options);

}  // namespace fairway::sim
