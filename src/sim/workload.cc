#include "sim/workload.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "common/status_macros.h"
#include "sim/rlsched_compat.h"

namespace fairway::sim {
namespace {

constexpr int64_t kMiB = 1024LL * 1024;

std::vector<core::Account> AccountsFromJobs(const std::vector<SimJob>& jobs) {
  std::map<std::string, std::set<std::string>> users;
  for (const SimJob& j : jobs) users[j.account].insert(j.user);
  std::vector<core::Account> accounts;
  for (const auto& [name, members] : users) {
    core::Account a;
    a.name = core::AccountName(name);
    for (const std::string& u : members) a.users.push_back({core::UserName(u), 1, false, {}});
    accounts.push_back(std::move(a));
  }
  return accounts;
}

std::string Seconds(int64_t s) { return std::to_string(s) + " s"; }

// Warnings for one SWF record that loads as `job`.
void CheckSwfRecord(const SwfRecord& r, const SimJob& job, std::vector<InputWarning>* out) {
  if (r.run_time_s < -1) {
    out->push_back({InputWarningKind::kNegativeRunTime, job.id, job.line,
                    "run time " + Seconds(r.run_time_s) +
                        " is negative and not -1 (unknown); taken as 10 s, like -1"});
  }
  if (r.submit_time_s < 0) {
    out->push_back({InputWarningKind::kNegativeSubmitTime, job.id, job.line,
                    "submit time " + Seconds(r.submit_time_s) + " is negative"});
  }
  if (r.requested_time_s > 0 && job.run_s > r.requested_time_s) {
    out->push_back({InputWarningKind::kRunBeyondLimit, job.id, job.line,
                    "run time " + Seconds(job.run_s) + " exceeds its requested time " +
                        Seconds(r.requested_time_s) + "; it runs to its end"});
  }
}

void SortBySubmit(std::vector<SimJob>* jobs) {
  std::stable_sort(jobs->begin(), jobs->end(), [](const SimJob& a, const SimJob& b) {
    if (a.submit_s != b.submit_s) return a.submit_s < b.submit_s;
    return a.id < b.id;
  });
}

}  // namespace

std::vector<core::Node> UniformNodes(int64_t count, const core::Resources& per_node,
                                     const std::string& gpu_type) {
  std::vector<core::Node> nodes;
  nodes.reserve(static_cast<size_t>(std::max<int64_t>(count, 0)));
  for (int64_t i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "node%04lld", static_cast<long long>(i + 1));
    core::Node n;
    n.name = core::NodeName(name);
    n.allocatable = per_node;
    n.gpu_type = gpu_type;
    nodes.push_back(std::move(n));
  }
  return nodes;
}

std::vector<core::Node> NodesFromList(const NodeList& list) {
  std::vector<core::Node> nodes;
  for (const NodeRecord& r : list.nodes) {
    core::Node n;
    n.name = core::NodeName(r.name);
    n.allocatable = {r.cpu_milli, r.memory_mib * kMiB, r.gpus};
    n.gpu_type = r.gpu_model;
    nodes.push_back(std::move(n));
  }
  return nodes;
}

StatusOr<Workload> WorkloadFromSwf(const SwfTrace& trace) {
  if (!trace.max_nodes.has_value() || *trace.max_nodes <= 0) {
    return InvalidArgumentError(trace.source +
                                ": the header has no positive \"; MaxNodes:\" line; the machine "
                                "size is needed to simulate the trace");
  }
  int64_t max_nodes = *trace.max_nodes;
  int64_t max_procs = trace.max_procs.value_or(max_nodes);
  int64_t ppn = std::max<int64_t>(1, max_procs / max_nodes);
  Workload w;
  w.name = trace.source;
  w.notices = trace.header_comments;
  w.nodes = UniformNodes(max_nodes, {ppn * 1000, 0, 0});
  for (const SwfRecord& r : trace.records) {
    if (r.run_time_s == 0) continue;  // nothing ran
    SimJob j;
    j.id = static_cast<uint64_t>(r.job_number > 0 ? r.job_number : r.line_number);
    j.line = r.line_number;
    j.submit_s = r.submit_time_s;
    j.run_s = r.run_time_s < 0 ? 10 : r.run_time_s;
    // The user's estimate is the limit; without one, the actual run time (the RLScheduler
    // protocol's loading rule), so backfill has something to plan with.
    j.limit_s = r.requested_time_s > 0 ? r.requested_time_s : j.run_s;
    CheckSwfRecord(r, j, &w.warnings);
    int64_t procs = std::max(r.requested_procs, r.allocated_procs);
    if (procs <= 0) {
      w.impossible.push_back({j.id, j.line, "no processor count (fields 5 and 8 are -1)"});
      continue;
    }
    j.nodes = static_cast<int32_t>((procs + ppn - 1) / ppn);
    j.per_node = {std::min(procs, ppn) * 1000, 0, 0};
    j.user = "u" + std::to_string(r.user_id);
    j.account = r.group_id >= 0 ? "g" + std::to_string(r.group_id) : "default";
    w.jobs.push_back(std::move(j));
  }
  SortBySubmit(&w.jobs);
  SeparateImpossibleJobs(&w);
  w.accounts = AccountsFromJobs(w.jobs);
  FAIRWAY_ASSIGN_OR_RETURN(CompatWorkload protocol, LoadCompatWorkload(trace));
  w.protocol_lines.reserve(protocol.jobs.size());
  for (const CompatJob& j : protocol.jobs) w.protocol_lines.push_back(j.line_number);
  return w;
}

StatusOr<Workload> WorkloadFromPhilly(const PhillyTrace& trace, std::vector<core::Node> nodes) {
  if (nodes.empty()) return InvalidArgumentError("the cluster has no nodes");
  int64_t gpus_per_node = 0;
  for (const core::Node& n : nodes) gpus_per_node = std::max(gpus_per_node, n.allocatable.gpus);
  if (gpus_per_node <= 0) return InvalidArgumentError("the cluster has no GPUs");
  Workload w;
  w.name = trace.source;
  w.nodes = std::move(nodes);
  uint64_t id = 0;
  for (const PhillyJob& p : trace.jobs) {
    SimJob j;
    j.id = ++id;
    j.line = p.line_number;
    j.submit_s = p.submit_unix_s();
    j.run_s = std::max<int64_t>(1, static_cast<int64_t>(p.duration_s + 0.5));
    j.limit_s = (j.run_s + 59) / 60 * 60;
    int64_t gpus = std::max<int64_t>(0, p.num_gpus);
    if (gpus <= gpus_per_node) {
      j.nodes = 1;
      j.per_node = {0, 0, gpus};
    } else {
      j.nodes = static_cast<int32_t>((gpus + gpus_per_node - 1) / gpus_per_node);
      j.per_node = {0, 0, gpus_per_node};
    }
    j.account = p.cluster.empty() ? "default" : p.cluster;
    j.user = j.account + "-user";
    w.jobs.push_back(std::move(j));
  }
  SortBySubmit(&w.jobs);
  SeparateImpossibleJobs(&w);
  w.accounts = AccountsFromJobs(w.jobs);
  return w;
}

InputWarningCounts CountWarnings(const std::vector<InputWarning>& warnings) {
  InputWarningCounts counts;
  for (const InputWarning& w : warnings) {
    switch (w.kind) {
      case InputWarningKind::kNegativeRunTime:
        ++counts.negative_run_time;
        break;
      case InputWarningKind::kNegativeSubmitTime:
        ++counts.negative_submit_time;
        break;
      case InputWarningKind::kRunBeyondLimit:
        ++counts.run_beyond_limit;
        break;
    }
  }
  return counts;
}

void SeparateImpossibleJobs(Workload* workload) {
  std::vector<SimJob> possible;
  possible.reserve(workload->jobs.size());
  for (SimJob& j : workload->jobs) {
    int64_t fitting =
        std::count_if(workload->nodes.begin(), workload->nodes.end(),
                      [&](const core::Node& n) { return n.allocatable.Fits(j.per_node); });
    if (fitting < j.nodes) {
      char why[160];
      std::snprintf(why, sizeof(why),
                    "needs %d node(s) of %lld mCPU / %lld GPUs; only %lld of %zu nodes are that "
                    "large",
                    j.nodes, static_cast<long long>(j.per_node.cpu_millis),
                    static_cast<long long>(j.per_node.gpus), static_cast<long long>(fitting),
                    workload->nodes.size());
      workload->impossible.push_back({j.id, j.line, why});
      continue;
    }
    possible.push_back(std::move(j));
  }
  workload->jobs = std::move(possible);
}

}  // namespace fairway::sim
