// fairway sim: replay a workload through the scheduling core (src/sim).
#include <cstdio>
#include <map>
#include <string>

#include "common/status_macros.h"
#include "config/scheduler_settings.h"
#include "operator/commands.h"
#include "operator/flags.h"
#include "sim/builtin_scenario.h"
#include "sim/rlsched_compat.h"
#include "sim/sim_report.h"
#include "sim/simulator.h"
#include "sim/windows.h"
#include "sim/workload.h"

namespace fairway::cli {
namespace {

constexpr const char* kUsage =
    "usage: fairway sim [flags]\n"
    "\n"
    "Replays a workload through Fairway's scheduling core on a virtual clock and prints a\n"
    "report. Without --trace it runs the built-in GPU scenario.\n"
    "\n"
    "  --trace PATH          SWF trace (.swf or .swf.gz) or Philly CSV (.csv)\n"
    "  --settings PATH       scheduler settings YAML (priority weights, fair share)\n"
    "  --nodes N             Philly: cluster of N nodes (default 64)\n"
    "  --gpus-per-node G     Philly: GPUs per node (default 8)\n"
    "  --node-list PATH      Philly: cluster from the Alibaba node list CSV instead\n"
    "  --max-jobs N          replay only the first N jobs\n"
    "  --compat POLICY       RLScheduler protocol instead: fcfs, sjf or f1 (SWF only)\n"
    "  --backfill            with --compat: the protocol's simplified EASY backfill\n"
    "  --windows             Fairway's policy on the RLScheduler protocol's 10 windows\n"
    "  --json                print the report as JSON\n"
    "  --svg PATH            also write a chart of queue length and utilization (SVG)\n";

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

StatusOr<sim::Workload> LoadWorkload(const Flags& flags) {
  std::optional<std::string> trace = flags.Get("trace");
  if (!trace.has_value()) return sim::BuiltinGpuScenario();
  if (EndsWith(*trace, ".csv")) {
    FAIRWAY_ASSIGN_OR_RETURN(sim::PhillyTrace philly, sim::ReadPhillyCsv(*trace));
    std::vector<core::Node> nodes;
    if (std::optional<std::string> list = flags.Get("node-list")) {
      FAIRWAY_ASSIGN_OR_RETURN(sim::NodeList node_list, sim::ReadNodeListCsv(*list));
      nodes = sim::NodesFromList(node_list);
    } else {
      FAIRWAY_ASSIGN_OR_RETURN(int64_t count, flags.GetInt("nodes", 64));
      FAIRWAY_ASSIGN_OR_RETURN(int64_t gpus, flags.GetInt("gpus-per-node", 8));
      if (count <= 0 || gpus <= 0) {
        return InvalidArgumentError("--nodes and --gpus-per-node must be positive");
      }
      nodes = sim::UniformNodes(count, {gpus * 8000, gpus * 64LL * 1024 * 1024 * 1024, gpus});
    }
    return sim::WorkloadFromPhilly(philly, std::move(nodes));
  }
  FAIRWAY_ASSIGN_OR_RETURN(sim::SwfTrace swf, sim::ReadSwfFile(*trace));
  return sim::WorkloadFromSwf(swf);
}

// Every input warning with its trace line on stderr, up to kShownWarnings of each kind; the
// report carries the full counts.
void PrintInputWarnings(const sim::Workload& workload) {
  constexpr int64_t kShownWarnings = 20;
  std::map<sim::InputWarningKind, int64_t> seen;
  for (const sim::InputWarning& w : workload.warnings) {
    if (++seen[w.kind] > kShownWarnings) continue;
    std::fprintf(stderr, "fairway sim: warning: %s:%lld: job %llu: %s\n", workload.name.c_str(),
                 static_cast<long long>(w.line), static_cast<unsigned long long>(w.id),
                 w.what.c_str());
  }
  for (const auto& [kind, count] : seen) {
    if (count > kShownWarnings) {
      std::fprintf(stderr, "fairway sim: warning: %lld more like the above (%lld in all)\n",
                   static_cast<long long>(count - kShownWarnings), static_cast<long long>(count));
    }
  }
}

int RunCompat(const Flags& flags) {
  std::optional<std::string> trace = flags.Get("trace");
  if (!trace.has_value()) {
    std::fprintf(stderr, "fairway sim: --compat needs --trace with an SWF file\n");
    return 2;
  }
  StatusOr<sim::CompatPolicy> policy = sim::ParseCompatPolicy(*flags.Get("compat"));
  if (!policy.ok()) {
    std::fprintf(stderr, "fairway sim: %s\n", policy.status().ToString().c_str());
    return 2;
  }
  StatusOr<sim::SwfTrace> swf = sim::ReadSwfFile(*trace);
  if (!swf.ok()) {
    std::fprintf(stderr, "fairway sim: %s\n", swf.status().ToString().c_str());
    return 1;
  }
  bool backfill = flags.Has("backfill");
  StatusOr<sim::CompatResult> result = sim::RunCompatWindows(*swf, *policy, backfill);
  if (!result.ok()) {
    std::fprintf(stderr, "fairway sim: %s\n", result.status().ToString().c_str());
    return 1;
  }
  std::string name = std::string(sim::CompatPolicyName(*policy)) + (backfill ? "+backfill" : "");
  if (flags.Has("json")) {
    std::printf(
        "{\"trace\": \"%s\", \"policy\": \"%s\", \"meanBoundedSlowdown\": %.4f, "
        "\"utilization\": %.4f}\n",
        trace->c_str(), name.c_str(), result->avg_bounded_slowdown, result->avg_utilization);
  } else {
    std::printf(
        "RLScheduler protocol, %zu windows of %lld jobs\npolicy %s: mean bounded "
        "slowdown %.2f, utilization %.3f\n",
        result->windows.size(), static_cast<long long>(sim::kCompatWindowJobs), name.c_str(),
        result->avg_bounded_slowdown, result->avg_utilization);
  }
  return 0;
}

int RunWindows(const sim::Workload& workload, const sim::SimOptions& options,
               const std::string& policy, bool json) {
  StatusOr<sim::WindowsResult> result = sim::RunPolicyWindows(workload, options);
  if (!result.ok()) {
    std::fprintf(stderr, "fairway sim: %s\n", result.status().ToString().c_str());
    return 1;
  }
  for (const sim::WindowResult& w : result->windows) {
    if (w.left_out == 0) continue;
    std::fprintf(stderr,
                 "fairway sim: window at job %lld: %lld of its %lld jobs can never run on the "
                 "machine and are left out\n",
                 static_cast<long long>(w.first_job), static_cast<long long>(w.left_out),
                 static_cast<long long>(sim::kCompatWindowJobs));
  }
  if (json) {
    std::printf(
        "{\"trace\": \"%s\", \"policy\": \"%s\", \"meanBoundedSlowdown\": %.4f, "
        "\"utilization\": %.4f, \"windowJobsLeftOut\": %lld}\n",
        workload.name.c_str(), policy.c_str(), result->avg_bounded_slowdown,
        result->avg_utilization, static_cast<long long>(result->left_out));
  } else {
    std::printf(
        "RLScheduler protocol, %zu windows of %lld jobs\npolicy %s: mean bounded "
        "slowdown %.2f, utilization %.3f\n",
        result->windows.size(), static_cast<long long>(sim::kCompatWindowJobs), policy.c_str(),
        result->avg_bounded_slowdown, result->avg_utilization);
  }
  return 0;
}

}  // namespace

int RunSimCommand(const std::vector<std::string>& args) {
  StatusOr<Flags> flags = Flags::Parse(
      args,
      {"trace", "settings", "nodes", "gpus-per-node", "node-list", "max-jobs", "compat", "svg"},
      {"backfill", "json", "help", "windows"});
  if (!flags.ok()) {
    std::fprintf(stderr, "fairway sim: %s\n\n%s", flags.status().message().c_str(), kUsage);
    return 2;
  }
  if (flags->Has("help")) {
    std::printf("%s", kUsage);
    return 0;
  }
  if (flags->Has("compat")) return RunCompat(*flags);
  if (flags->Has("backfill")) {
    std::fprintf(stderr, "fairway sim: --backfill applies to --compat runs\n");
    return 2;
  }

  sim::SimOptions options;
  // The report's policy: the settings' `name:` (or file name); the built-in defaults otherwise.
  std::string policy = "defaults";
  if (std::optional<std::string> settings = flags->Get("settings")) {
    StatusOr<config::NamedSchedulerSettings> loaded =
        config::LoadNamedSchedulerSettingsFile(*settings);
    if (!loaded.ok()) {
      std::fprintf(stderr, "fairway sim: %s\n", loaded.status().ToString().c_str());
      return 1;
    }
    options.config = loaded->config;
    policy = loaded->name;
  }
  StatusOr<int64_t> max_jobs = flags->GetInt("max-jobs", 0);
  if (!max_jobs.ok() || *max_jobs < 0) {
    std::fprintf(stderr, "fairway sim: --max-jobs must be a non-negative integer\n");
    return 2;
  }
  options.max_jobs = static_cast<size_t>(*max_jobs);

  StatusOr<sim::Workload> workload = LoadWorkload(*flags);
  if (!workload.ok()) {
    std::fprintf(stderr, "fairway sim: %s\n", workload.status().ToString().c_str());
    return 1;
  }
  for (const sim::ImpossibleJob& j : workload->impossible) {
    std::fprintf(stderr, "fairway sim: job %llu (line %lld) can never run: %s\n",
                 static_cast<unsigned long long>(j.id), static_cast<long long>(j.line),
                 j.why.c_str());
  }
  PrintInputWarnings(*workload);
  if (flags->Has("windows")) return RunWindows(*workload, options, policy, flags->Has("json"));
  StatusOr<sim::SimResult> result = sim::RunSimulation(*workload, options);
  if (!result.ok()) {
    std::fprintf(stderr, "fairway sim: %s\n", result.status().ToString().c_str());
    return 1;
  }
  sim::SimReport report = sim::BuildReport(*workload, *result, policy);
  std::string text =
      flags->Has("json") ? sim::FormatReportJson(report) : sim::FormatReportText(report);
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::optional<std::string> svg_path = flags->Get("svg")) {
    std::string svg = sim::FormatReportSvg(report, *result);
    std::FILE* out = std::fopen(svg_path->c_str(), "w");
    if (out == nullptr || std::fwrite(svg.data(), 1, svg.size(), out) != svg.size()) {
      std::fprintf(stderr, "fairway sim: cannot write %s\n", svg_path->c_str());
      if (out != nullptr) std::fclose(out);
      return 1;
    }
    std::fclose(out);
  }
  return 0;
}

}  // namespace fairway::cli
