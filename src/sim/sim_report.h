// Quality metrics of a simulation run, as text and JSON.
//
//   wait              = start - submit
//   bounded slowdown  = max(1, (wait + run) / max(run, 10 s))
//   utilization       = sum(run * resources) / (capacity * (last end - first submit)), measured
//                       in GPUs when the cluster has GPUs, else in CPUs
//   per account:        jobs, mean wait, share of the used resource-seconds vs configured share
//   Jain's index      = (sum x)^2 / (n * sum x^2) over x = used share / configured share of the
//                       accounts that ran jobs (1 = perfectly proportional); over a whole trace
//                       this hardly depends on the policy, hence the metrics of fairness.h
//   fairness          = share over sliding one-day windows, per-user slowdown spread, wait
//                       percentiles per account (fairness.h)
//   input warnings    = counts of the workload's suspicious records (workload.h)
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "sim/fairness.h"
#include "sim/simulator.h"
#include "sim/workload.h"

namespace fairway::sim {

struct AccountReport {
  std::string account;
  int64_t jobs = 0;
  double mean_wait_s = 0;
  double used_share = 0;        // of all resource-seconds used
  double configured_share = 0;  // shares / total shares of accounts that ran jobs
};

struct SimReport {
  std::string workload;
  std::string policy;
  int64_t jobs = 0;
  int64_t impossible = 0;
  int64_t never_started = 0;
  int64_t cycles = 0;
  double mean_wait_s = 0;
  double mean_bounded_slowdown = 0;
  double utilization = 0;
  std::string utilization_unit;  // "GPU" or "CPU"
  int64_t makespan_s = 0;
  double jain_fairness = 0;
  std::vector<AccountReport> accounts;
  FairnessReport fairness;
  InputWarningCounts warnings;
};

SimReport BuildReport(const Workload& workload, const SimResult& result, const std::string& policy);
std::string FormatReportText(const SimReport& report);
std::string FormatReportJson(const SimReport& report);

// A self-contained SVG chart of the pending queue length (left axis) and the utilization
// (right axis, 0-1) over the replay, averaged into at most 600 time buckets.
std::string FormatReportSvg(const SimReport& report, const SimResult& result);

}  // namespace fairway::sim
