// Fairness metrics of a simulation run that tell policies apart (the totals per account over a
// whole trace do not: every job eventually runs, so total usage is the same under any policy).
//
//   Share over time: hourly buckets; every one-day window [t, t + 1 day) with t on a bucket
//   boundary, sliding by one bucket. In a window, an account competes when it has a job
//   submitted and not yet finished (waiting or running) in it; windows with two or more
//   competing accounts are measured. Delivered share = the account's resource-seconds in the
//   window / all accounts' resource-seconds in it; target share = its shares / the shares of the
//   competing accounts. Per window: the mean absolute deviation |delivered - target| over the
//   competing accounts; reported: its mean over windows and the worst window (where it starts).
//   An account that wants less than its target counts as a deviation too: the target is the
//   configured entitlement, not a demand-capped one.
//
//   Per user: mean bounded slowdown (max(1, (wait + run) / max(run, 10 s))) of each user's jobs;
//   spread = max / min over users, and Jain's index (sum x)^2 / (n sum x^2) over users' means
//   (1 = every user slowed down alike).
//
//   Per account: wait-time percentiles p50, p90, p99 (nearest rank).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/simulator.h"

namespace fairway::sim {

struct AccountWaits {
  std::string account;
  double p50_s = 0;
  double p90_s = 0;
  double p99_s = 0;
};

struct FairnessReport {
  // Share over sliding one-day windows.
  int64_t share_windows = 0;            // windows with two or more competing accounts
  double share_mean_abs_deviation = 0;  // mean over those windows
  double share_worst_window_deviation = 0;
  int64_t share_worst_window_start_s = 0;
  // Per-user bounded slowdown.
  int64_t users = 0;
  double user_slowdown_max_over_min = 0;
  double user_slowdown_jain = 0;
  std::vector<AccountWaits> account_waits;  // by account name
};

inline constexpr int64_t kShareBucketSeconds = 3600;
inline constexpr int64_t kShareWindowSeconds = 86400;

// `shares`: configured shares per account name (1 for accounts not listed); `gpus`: measure
// resource-seconds in GPUs (else CPUs).
FairnessReport ComputeFairness(const SimResult& result,
                               const std::vector<std::pair<std::string, uint32_t>>& shares,
                               bool gpus);

}  // namespace fairway::sim
