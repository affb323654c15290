// RLScheduler compatibility mode: the evaluation protocol of Zhang et al., "RLScheduler: An
// Automated HPC Batch Job Scheduler Using Reinforcement Learning" (SC'20), as specified in
// ../shared/data/README.md ("A published table to reproduce exactly"). It exists to check the
// simulator against published numbers and to give Fairway's own policy a like-for-like baseline.
//
// API:
//   StatusOr<CompatWorkload> LoadCompatWorkload(const SwfTrace&)          protocol step 1
//   StatusOr<CompatResult> RunCompatWindows(const SwfTrace&, policy, backfill)
//       the whole protocol: the 10 published windows of 1,024 jobs, metrics averaged
//   StatusOr<CompatResult> RunCompatWindows(const CompatWorkload&, policy, backfill,
//                                           window_starts, window_jobs)   custom windows
//   StatusOr<CompatWindowResult> RunCompatWindow(workload, policy, backfill, first, count)
//   CompatPolicyName / ParseCompatPolicy                                  "fcfs", "sjf", "f1"
//
// Protocol (README steps; names below are this file's):
//  1. Load. procs = max(field 5, field 8); estimate = field 9, or the raw field 4 when field 9 is
//     -1 (taken BEFORE the run-time default, so a job with both unknown keeps estimate -1, as the
//     original loader does; 31 SDSC-SP2 jobs, and either order gives the published numbers);
//     run time < 0 becomes 10 s; run time 0 is dropped. Jobs are then ordered by job number
//     (stable). Machine: MaxNodes nodes of MaxProcs / MaxNodes processors (MaxProcs defaults to
//     MaxNodes; MaxNodes defaults to MaxProcs when only that is given). A job occupies
//     ceil(procs / procs_per_node) whole nodes. For both published traces procs_per_node = 1
//     (SDSC-SP2: 128/128; Lublin-1: 256 nodes, no MaxProcs), so this is a plain processor pool.
//  2. Windows: jobs [s, s + 1024) of the loaded list, s in kCompatWindowStarts.
//  3. Each window starts empty at its first job's submit time; only its own jobs arrive.
//  4. Dispatch loop:
//       sort the queue stably by the policy key; head = queue[0]
//       if head does not fit:
//         no backfill: advance one event at a time until it fits
//         backfill:    R = reservation (below), computed once; repeat {
//                        sort the queue stably by submit time; scan it in that order and start
//                        every job j that fits now with now + estimate(j) < R (strict);
//                        advance one event } until the head fits
//       start the head now; if the queue is empty, advance events until a job arrives (or stop
//       when every window job has arrived and the queue is empty)
//     One event: sort running jobs stably by actual end; if a job is still to arrive and its
//     submit time <= the earliest end, the arrival is taken (queue append), else that earliest
//     running job completes and frees its nodes; now = max(now, event time).
//     Reservation R: sort running jobs stably by estimated end (start + estimate); walking them,
//     add their processors to the free ones; R = the estimated end of the first at which the
//     head's processors are free.
//     Ties: queue keys tie-break on arrival order (window index). The running list is kept as
//     an ordered list re-sorted stably in place, as the original simulator does, so jobs ending
//     at the same second complete in the list's previous order (start order, or estimated-end
//     order after a reservation was computed). The original sorts its queue list in place too;
//     its ties then follow the previous sort rather than arrival, but on both published traces
//     that gives bit-identical results to the arrival tie-break used here.
//  5. Keys: FCFS = submit; SJF = (estimate, submit); F1 = log10(e) * procs + 870 * log10(s) with
//     e = estimate if > 0 else 0.1 and s = submit if > 0 else 0.1.
//  6. Metrics per window: bounded slowdown = max(1, (wait + run) / max(run, 10)) averaged over
//     the window's jobs; utilization = sum(run * procs) / ((last start - first submit) *
//     MaxProcs) (0 when that span is 0). Averages over windows are plain means.
//
// Jobs that cannot run on the machine (more nodes than it has, or an unknown processor count) make
// the protocol undefined (the original simulator never finishes). A window containing one is
// rejected with InvalidArgument naming the job and its trace line; neither published trace has
// one.
//
// Thread-safety: free functions over values; safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sim/swf_reader.h"

namespace fairway::sim {

enum class CompatPolicy { kFcfs, kSjf, kF1 };

// "fcfs", "sjf", "f1".
std::string_view CompatPolicyName(CompatPolicy policy);
// Case-insensitive inverse of CompatPolicyName; InvalidArgument otherwise.
[[nodiscard]] StatusOr<CompatPolicy> ParseCompatPolicy(std::string_view name);

// The published windows (0-based positions in the loaded job list) and their length.
inline constexpr std::array<int64_t, 10> kCompatWindowStarts = {1981, 2756, 4299, 8850, 3316,
                                                                2714, 5228, 7762, 4022, 7085};
inline constexpr int64_t kCompatWindowJobs = 1024;

// A job after protocol step 1.
struct CompatJob {
  int64_t job_number = 0;
  int64_t submit_time_s = 0;
  int64_t run_time_s = 0;   // > 0
  int64_t procs = 0;        // max(allocated, requested)
  int64_t estimate_s = 0;   // may be -1 (see step 1)
  int64_t line_number = 0;  // in the SWF source
};

struct CompatWorkload {
  std::string source;
  int64_t max_nodes = 0;
  int64_t max_procs = 0;
  std::vector<CompatJob> jobs;        // ordered by job number
  int64_t dropped_zero_run_time = 0;  // jobs removed by step 1
  int64_t defaulted_run_time = 0;     // jobs whose run time -1 became 10 s
};

struct CompatWindowResult {
  int64_t first_job = 0;  // 0-based position in CompatWorkload::jobs
  int64_t job_count = 0;
  double avg_bounded_slowdown = 0;
  double utilization = 0;
  int64_t first_submit_s = 0;          // submit time of the window's first job
  int64_t last_start_s = 0;            // start time of the last job started
  std::vector<int64_t> start_times_s;  // per window job, in window order
};

struct CompatResult {
  CompatPolicy policy = CompatPolicy::kFcfs;
  bool backfill = false;
  std::vector<CompatWindowResult> windows;
  double avg_bounded_slowdown = 0;  // mean of the windows' averages
  double avg_utilization = 0;       // mean of the windows' utilizations
};

// Protocol step 1. InvalidArgument when the trace has neither MaxNodes nor MaxProcs.
[[nodiscard]] StatusOr<CompatWorkload> LoadCompatWorkload(const SwfTrace& trace);

// Simulates one window of `job_count` jobs starting at `first_job`.
// OutOfRange when the window does not fit in the workload; InvalidArgument for a job that can
// never run (see above).
[[nodiscard]] StatusOr<CompatWindowResult> RunCompatWindow(const CompatWorkload& workload,
                                                           CompatPolicy policy, bool backfill,
                                                           int64_t first_job, int64_t job_count);

// Runs the given windows and averages them.
[[nodiscard]] StatusOr<CompatResult> RunCompatWindows(
    const CompatWorkload& workload, CompatPolicy policy, bool backfill,
    std::span<const int64_t> window_starts = kCompatWindowStarts,
    int64_t window_jobs = kCompatWindowJobs);

// The full published protocol on a trace: LoadCompatWorkload, then the 10 standard windows.
[[nodiscard]] StatusOr<CompatResult> RunCompatWindows(const SwfTrace& trace, CompatPolicy policy,
                                                      bool backfill);

}  // namespace fairway::sim
