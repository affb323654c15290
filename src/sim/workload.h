// A workload for the simulator: jobs with submit time, actual run time and time limit, plus the
// cluster they run on. Built from SWF traces, the Philly GPU trace, or the built-in scenario.
//
// Jobs that can never run on the cluster (more nodes than it has, a per-node request no node can
// hold) are not dropped silently: they are listed in `impossible` with the trace line and why.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/model.h"
#include "sim/node_list_reader.h"
#include "sim/philly_reader.h"
#include "sim/swf_reader.h"

namespace fairway::sim {

struct SimJob {
  uint64_t id = 0;
  int64_t submit_s = 0;
  int64_t run_s = 0;    // actual run time
  int64_t limit_s = 0;  // time limit (user estimate); 0 = none
  int32_t nodes = 1;
  core::Resources per_node;
  std::string user;
  std::string account;
  int64_t line = 0;  // source line, for messages
};

struct ImpossibleJob {
  uint64_t id = 0;
  int64_t line = 0;
  std::string why;
};

// A record that loads but looks wrong; reported (stderr, report counts), never fatal.
enum class InputWarningKind {
  kNegativeRunTime,     // run time < 0 other than -1 (unknown): taken as 10 s, like -1
  kNegativeSubmitTime,  // submit time < 0: kept as is
  kRunBeyondLimit,      // run time > requested time (its limit): it still runs to its end
};

struct InputWarning {
  InputWarningKind kind;
  uint64_t id = 0;
  int64_t line = 0;
  std::string what;
};

struct InputWarningCounts {
  int64_t negative_run_time = 0;
  int64_t negative_submit_time = 0;
  int64_t run_beyond_limit = 0;
};
InputWarningCounts CountWarnings(const std::vector<InputWarning>& warnings);

struct Workload {
  std::string name;
  std::vector<SimJob> jobs;  // in submit order
  std::vector<core::Node> nodes;
  std::vector<core::Account> accounts;  // one per distinct account, users listed
  std::vector<ImpossibleJob> impossible;
  std::vector<InputWarning> warnings;  // in trace order
  std::vector<std::string> notices;    // trace header lines to keep (copyright, acknowledgement)
  // SWF: the trace lines of the jobs the RLScheduler protocol loads (rlsched_compat.h step 1),
  // in its order, impossible jobs included: its windows are positions in this list.
  std::vector<int64_t> protocol_lines;
};

// A cluster of `count` identical nodes named node0001...
std::vector<core::Node> UniformNodes(int64_t count, const core::Resources& per_node,
                                     const std::string& gpu_type = "");
// Nodes from the Alibaba GPU node list.
std::vector<core::Node> NodesFromList(const NodeList& list);

// SWF: MaxNodes nodes of MaxProcs/MaxNodes CPUs (MaxProcs defaults to MaxNodes). A job of P
// processors (max of requested and allocated) takes ceil(P / ppn) nodes with min(P, ppn) CPUs
// each; run time -1 becomes 10 s, run time 0 is dropped (nothing ran); the time limit is the
// requested time (field 9), else the actual run time (the RLScheduler protocol's rule). Users
// are "u<uid>", accounts "g<gid>" (or "default"). Suspicious records give `warnings`.
StatusOr<Workload> WorkloadFromSwf(const SwfTrace& trace);

// Philly: jobs of num_gpus GPUs on `nodes` (8-GPU nodes take jobs of more than 8 GPUs as
// ceil(g/8) whole nodes); the `cluster` column is the account; time limit = run time rounded up
// to whole minutes (the trace has no estimates).
StatusOr<Workload> WorkloadFromPhilly(const PhillyTrace& trace, std::vector<core::Node> nodes);

// Marks jobs that cannot fit `workload.nodes` as impossible and removes them from `jobs`.
void SeparateImpossibleJobs(Workload* workload);

}  // namespace fairway::sim
