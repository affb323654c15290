#include "sim/windows.h"

#include <algorithm>
#include <string>

namespace fairway::sim {
namespace {

// The jobs of window [start, start + count) in submit order, and how many of its positions are
// jobs that can never run.
StatusOr<Workload> CutWindow(const Workload& workload, int64_t start, int64_t count,
                             int64_t* left_out) {
  const bool by_protocol = !workload.protocol_lines.empty();
  const int64_t size =
      static_cast<int64_t>(by_protocol ? workload.protocol_lines.size() : workload.jobs.size());
  if (start < 0 || count <= 0 || start + count > size) {
    return OutOfRangeError("window [" + std::to_string(start) + ", " +
                           std::to_string(start + count) + ") is outside the " +
                           std::to_string(size) + " jobs of " + workload.name);
  }
  Workload window;
  window.name = workload.name;
  window.nodes = workload.nodes;
  window.accounts = workload.accounts;
  if (!by_protocol) {
    window.jobs.assign(workload.jobs.begin() + start, workload.jobs.begin() + start + count);
    *left_out = 0;
    return window;
  }
  std::vector<int64_t> lines(workload.protocol_lines.begin() + start,
                             workload.protocol_lines.begin() + start + count);
  std::sort(lines.begin(), lines.end());
  // workload.jobs is in submit order already; keep that order.
  for (const SimJob& j : workload.jobs) {
    if (std::binary_search(lines.begin(), lines.end(), j.line)) window.jobs.push_back(j);
  }
  *left_out = count - static_cast<int64_t>(window.jobs.size());
  return window;
}

}  // namespace

StatusOr<WindowsResult> RunPolicyWindows(const Workload& workload, const SimOptions& options,
                                         std::span<const int64_t> window_starts,
                                         int64_t window_jobs) {
  double total_cpus = 0;
  double total_gpus = 0;
  for (const core::Node& n : workload.nodes) {
    total_cpus += static_cast<double>(n.allocatable.cpu_millis) / 1000.0;
    total_gpus += static_cast<double>(n.allocatable.gpus);
  }
  bool gpus = total_gpus > 0;
  double capacity = gpus ? total_gpus : total_cpus;
  WindowsResult result;
  for (int64_t start : window_starts) {
    int64_t left_out = 0;
    StatusOr<Workload> window = CutWindow(workload, start, window_jobs, &left_out);
    if (!window.ok()) return window.status();
    StatusOr<SimResult> sim = RunSimulation(*window, options);
    if (!sim.ok()) return sim.status();
    if (sim->never_started > 0) {
      return InternalError("window at " + std::to_string(start) + ": " +
                           std::to_string(sim->never_started) + " jobs never started");
    }
    if (sim->jobs.empty()) {
      return InvalidArgumentError("window at " + std::to_string(start) +
                                  ": none of its jobs can run on the machine");
    }
    double slowdown = 0;
    double used = 0;
    int64_t first_submit = window->jobs.front().submit_s;
    int64_t last_start = first_submit;
    for (const JobOutcome& j : sim->jobs) {
      double wait = static_cast<double>(j.start_s - j.submit_s);
      double run = static_cast<double>(j.end_s - j.start_s);
      slowdown += std::max(1.0, (wait + run) / std::max(run, 10.0));
      double per = gpus ? static_cast<double>(j.per_node.gpus)
                        : static_cast<double>(j.per_node.cpu_millis) / 1000.0;
      used += run * per * j.nodes;
      last_start = std::max(last_start, j.start_s);
    }
    WindowResult w;
    w.first_job = start;
    w.left_out = left_out;
    result.left_out += left_out;
    w.avg_bounded_slowdown = slowdown / static_cast<double>(sim->jobs.size());
    double span = static_cast<double>(last_start - first_submit);
    w.utilization = span > 0 && capacity > 0 ? used / (span * capacity) : 0;
    result.windows.push_back(w);
  }
  for (const WindowResult& w : result.windows) {
    result.avg_bounded_slowdown += w.avg_bounded_slowdown;
    result.avg_utilization += w.utilization;
  }
  if (!result.windows.empty()) {
    result.avg_bounded_slowdown /= static_cast<double>(result.windows.size());
    result.avg_utilization /= static_cast<double>(result.windows.size());
  }
  return result;
}

}  // namespace fairway::sim
