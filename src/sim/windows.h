// Fairway's own policy on the RLScheduler evaluation protocol (../shared/data/README.md): the
// same 10 windows of 1,024 jobs, each on an empty machine from its first job's submit time, the
// same metrics, so results compare directly with the compatibility-mode baselines
// (rlsched_compat.h). The jobs run through RunSimulation, i.e. the real scheduling core.
//
//   bounded slowdown = max(1, (wait + run) / max(run, 10)), averaged per window, then over windows
//   utilization      = sum(run * procs) / ((last start - first submit) * total procs), averaged
//
// Windows are cut as the protocol cuts them: positions in its loaded job list (SWF workloads
// carry it as Workload::protocol_lines), not in the simulator's job list, which lacks the jobs
// that can never run. Those jobs stay in their window's count but cannot run: each window
// reports how many it left out (the protocol itself is undefined for them). Workloads without
// a protocol list (Philly) are cut by position in their job list.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "sim/rlsched_compat.h"
#include "sim/simulator.h"

namespace fairway::sim {

struct WindowResult {
  int64_t first_job = 0;
  int64_t left_out = 0;  // window jobs that can never run on the machine
  double avg_bounded_slowdown = 0;
  double utilization = 0;
};

struct WindowsResult {
  std::vector<WindowResult> windows;
  double avg_bounded_slowdown = 0;
  double avg_utilization = 0;
  int64_t left_out = 0;  // over all windows
};

// Runs `options` on windows of `window_jobs` consecutive jobs of `workload` (in submit order).
StatusOr<WindowsResult> RunPolicyWindows(
    const Workload& workload, const SimOptions& options,
    std::span<const int64_t> window_starts = kCompatWindowStarts,
    int64_t window_jobs = kCompatWindowJobs);

}  // namespace fairway::sim
