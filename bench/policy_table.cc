// The cross-trace policy table (issue #17): one settings file against a baseline on every trace
// of ../shared/data/traces, on the RLScheduler protocol's 10 windows and on whole traces.
//
//   build/bench/policy_table [--full] [--max-jobs N] [--traces a,b,...] POLICY.yaml BASELINE.yaml
//
// Windows: mean bounded slowdown and utilization as the protocol defines them (windows.h), the
// ratio policy / baseline, and the worst single window's ratio. --full also replays each trace
// from its start (the first N jobs with --max-jobs) and adds the report's bounded slowdown,
// utilization, fairness (per-user slowdown Jain index; share deviation over one-day windows
// where accounts compete) and the replay's wall time. Philly (GPU, 100 nodes x 8 GPUs, virtual
// clusters as accounts) is replayed whole for fairness only: it has no protocol windows.
//
// The first line printed is the command that produced the table. Deterministic apart from the
// wall times.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status_macros.h"
#include "config/scheduler_settings.h"
#include "sim/philly_reader.h"
#include "sim/sim_report.h"
#include "sim/simulator.h"
#include "sim/swf_reader.h"
#include "sim/windows.h"
#include "sim/workload.h"

namespace fairway::sim {
namespace {

struct Args {
  bool full = false;
  size_t max_jobs = 0;
  std::vector<std::string> traces = {
      "SDSC-SP2-1998-4.2-cln.swf.gz",     "lublin_256.swf",     "CEA-Curie-2011-2.1-cln.swf.gz",
      "LLNL-Thunder-2007-1.1-cln.swf.gz", "RICC-2010-2.swf.gz", "METACENTRUM-2009-2.swf.gz"};
  std::string policy_path;
  std::string baseline_path;
};

struct Policy {
  std::string name;
  SimOptions options;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

StatusOr<Args> ParseArgs(int argc, char** argv) {
  Args a;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--full") {
      a.full = true;
    } else if (arg == "--max-jobs" && i + 1 < argc) {
      std::string_view n = argv[++i];
      auto [end, error] = std::from_chars(n.data(), n.data() + n.size(), a.max_jobs);
      if (error != std::errc() || end != n.data() + n.size()) {
        return InvalidArgumentError("--max-jobs wants a count, not " + std::string(n));
      }
    } else if (arg == "--traces" && i + 1 < argc) {
      a.traces = Split(argv[++i]);
    } else if (!arg.empty() && arg[0] != '-') {
      files.push_back(arg);
    } else {
      return InvalidArgumentError("unknown argument " + arg);
    }
  }
  if (files.size() != 2) return InvalidArgumentError("want POLICY.yaml BASELINE.yaml");
  a.policy_path = files[0];
  a.baseline_path = files[1];
  return a;
}

StatusOr<Policy> LoadPolicy(const std::string& path, size_t max_jobs) {
  FAIRWAY_ASSIGN_OR_RETURN(config::NamedSchedulerSettings s,
                           config::LoadNamedSchedulerSettingsFile(path));
  Policy p{s.name, {}};
  p.options.config = s.config;
  p.options.max_jobs = max_jobs;
  return p;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// One whole-trace replay: "bsld util jain share-deviation wall".
StatusOr<std::string> FullRow(const Workload& w, const Policy& p) {
  auto t0 = std::chrono::steady_clock::now();
  FAIRWAY_ASSIGN_OR_RETURN(SimResult r, RunSimulation(w, p.options));
  double wall = Seconds(t0);
  SimReport rep = BuildReport(w, r, p.name);
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%.2f | %.3f | %.3f | %.3f | %.1f s", rep.mean_bounded_slowdown,
                rep.utilization, rep.fairness.user_slowdown_jain,
                rep.fairness.share_mean_abs_deviation, wall);
  return std::string(buf);
}

// RICC and METACENTRUM come without the `; MaxNodes:` header the simulator needs; their
// machines as the Parallel Workloads Archive describes them: RICC 1,024 nodes x 8 cores,
// MetaCentrum 806 processors in 14 clusters (jobs may span clusters: a pool of processors).
void SupplyMachineSize(const std::string& name, SwfTrace* trace) {
  if (trace->max_nodes.has_value()) return;
  if (name.rfind("RICC", 0) == 0) {
    trace->max_nodes = 1024;
    trace->max_procs = 8192;
  } else if (name.rfind("METACENTRUM", 0) == 0) {
    trace->max_nodes = 806;
    trace->max_procs = 806;
  }
}

Status SwfRows(const Args& args, const std::string& name, const Policy& policy,
               const Policy& baseline) {
  FAIRWAY_ASSIGN_OR_RETURN(SwfTrace trace,
                           ReadSwfFile(std::string(FAIRWAY_DATA_DIR) + "/traces/" + name));
  SupplyMachineSize(name, &trace);
  FAIRWAY_ASSIGN_OR_RETURN(Workload w, WorkloadFromSwf(trace));
  FAIRWAY_ASSIGN_OR_RETURN(WindowsResult pw, RunPolicyWindows(w, policy.options));
  FAIRWAY_ASSIGN_OR_RETURN(WindowsResult bw, RunPolicyWindows(w, baseline.options));
  double worst = 0;
  for (size_t i = 0; i < pw.windows.size(); ++i) {
    double b = bw.windows[i].avg_bounded_slowdown;
    worst = std::max(worst, b > 0 ? pw.windows[i].avg_bounded_slowdown / b : 0);
  }
  std::printf("| %s | windows | %.2f (%.3f) | %.2f (%.3f) | %.3f | %.2f |\n", name.c_str(),
              pw.avg_bounded_slowdown, pw.avg_utilization, bw.avg_bounded_slowdown,
              bw.avg_utilization, pw.avg_bounded_slowdown / bw.avg_bounded_slowdown, worst);
  std::fflush(stdout);
  if (!args.full) return OkStatus();
  FAIRWAY_ASSIGN_OR_RETURN(std::string prow, FullRow(w, policy));
  FAIRWAY_ASSIGN_OR_RETURN(std::string brow, FullRow(w, baseline));
  std::printf("| %s | full%s | %s | %s |\n", name.c_str(),
              args.max_jobs > 0 ? (" (" + std::to_string(args.max_jobs) + " jobs)").c_str() : "",
              prow.c_str(), brow.c_str());
  std::fflush(stdout);
  return OkStatus();
}

Status PhillyRow(const Policy& policy, const Policy& baseline) {
  FAIRWAY_ASSIGN_OR_RETURN(PhillyTrace trace,
                           ReadPhillyCsv(std::string(FAIRWAY_DATA_DIR) + "/traces/philly.csv"));
  FAIRWAY_ASSIGN_OR_RETURN(
      Workload w, WorkloadFromPhilly(trace, UniformNodes(100, {8 * 8000, 8 * 64LL << 30, 8})));
  FAIRWAY_ASSIGN_OR_RETURN(std::string prow, FullRow(w, policy));
  FAIRWAY_ASSIGN_OR_RETURN(std::string brow, FullRow(w, baseline));
  std::printf("| philly (100 x 8 GPUs) | full | %s | %s |\n", prow.c_str(), brow.c_str());
  return OkStatus();
}

int Main(int argc, char** argv) {
  StatusOr<Args> args = ParseArgs(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr,
                 "policy_table: %s\nusage: policy_table [--full] [--max-jobs N] "
                 "[--traces a,b] POLICY.yaml BASELINE.yaml\n",
                 args.status().ToString().c_str());
    return 2;
  }
  StatusOr<Policy> policy = LoadPolicy(args->policy_path, args->max_jobs);
  StatusOr<Policy> baseline = LoadPolicy(args->baseline_path, args->max_jobs);
  if (!policy.ok() || !baseline.ok()) {
    std::fprintf(stderr, "policy_table: %s\n",
                 (policy.ok() ? baseline.status() : policy.status()).ToString().c_str());
    return 1;
  }
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  std::printf("command: %s\npolicy %s vs baseline %s\n\n", command.c_str(), policy->name.c_str(),
              baseline->name.c_str());
  std::printf(
      "| trace | run | %s | %s | ratio | worst window |\n| --- | --- | ---: | ---: | ---: "
      "| ---: |\n",
      policy->name.c_str(), baseline->name.c_str());
  if (args->full) {
    std::printf(
        "(full rows: bsld | utilization | user-slowdown Jain | share deviation | wall, "
        "policy then baseline)\n");
  }
  for (const std::string& t : args->traces) {
    Status s =
        t == "philly.csv" ? PhillyRow(*policy, *baseline) : SwfRows(*args, t, *policy, *baseline);
    if (!s.ok()) std::fprintf(stderr, "policy_table: %s: %s\n", t.c_str(), s.ToString().c_str());
  }
  return 0;
}

}  // namespace
}  // namespace fairway::sim

int main(int argc, char** argv) { return fairway::sim::Main(argc, argv); }
