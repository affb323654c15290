// Trace-driven benchmarks of the simulator (results go in the closing notes, not in tests):
//   BM_SdscFullReplay       the full SDSC-SP2 trace (59,705 jobs) with the fairway policy
//   BM_Windows/<trace>/<p>  the RLScheduler protocol's 10 windows: fairway vs FCFS+backfill
// Run: build/bench/sim_bench --benchmark_filter=. (each runs once; the counters are the quality
// numbers, the time is the replay time).
#include <benchmark/benchmark.h>

#include <string>

#include "config/scheduler_settings.h"
#include "sim/rlsched_compat.h"
#include "sim/simulator.h"
#include "sim/swf_reader.h"
#include "sim/windows.h"
#include "sim/workload.h"

#ifndef FAIRWAY_SOURCE_DIR
#define FAIRWAY_SOURCE_DIR "."
#endif

namespace fairway::sim {
namespace {

std::string Trace(const char* name) { return std::string(FAIRWAY_DATA_DIR) + "/traces/" + name; }

SimOptions FairwayCpu() {
  SimOptions options;
  auto config = config::LoadSchedulerSettingsFile(std::string(FAIRWAY_SOURCE_DIR) +
                                                  "/sim/settings/fairway-cpu.yaml");
  if (config.ok()) options.config = *config;
  return options;
}

void BM_SdscFullReplay(benchmark::State& state) {
  auto trace = ReadSwfFile(Trace("SDSC-SP2-1998-4.2-cln.swf.gz"));
  if (!trace.ok()) {
    state.SkipWithError(trace.status().ToString().c_str());
    return;
  }
  auto workload = WorkloadFromSwf(*trace);
  SimOptions options = FairwayCpu();
  for (auto _ : state) {
    auto result = RunSimulation(*workload, options);
    benchmark::DoNotOptimize(result);
    state.counters["jobs"] = static_cast<double>(result->jobs.size());
    state.counters["cycles"] = static_cast<double>(result->cycles);
  }
}
BENCHMARK(BM_SdscFullReplay)->Iterations(1)->Unit(benchmark::kSecond);

void RunWindows(benchmark::State& state, const char* trace_name, bool fairway) {
  auto trace = ReadSwfFile(Trace(trace_name));
  if (!trace.ok()) {
    state.SkipWithError(trace.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    double slowdown = 0;
    double utilization = 0;
    if (fairway) {
      auto workload = WorkloadFromSwf(*trace);
      auto r = RunPolicyWindows(*workload, FairwayCpu());
      slowdown = r->avg_bounded_slowdown;
      utilization = r->avg_utilization;
    } else {
      auto r = RunCompatWindows(*trace, CompatPolicy::kFcfs, /*backfill=*/true);
      slowdown = r->avg_bounded_slowdown;
      utilization = r->avg_utilization;
    }
    state.counters["bounded_slowdown"] = slowdown;
    state.counters["utilization"] = utilization;
  }
}

void BM_LublinFairway(benchmark::State& s) { RunWindows(s, "lublin_256.swf", true); }
void BM_LublinFcfsBackfill(benchmark::State& s) { RunWindows(s, "lublin_256.swf", false); }
void BM_SdscFairway(benchmark::State& s) { RunWindows(s, "SDSC-SP2-1998-4.2-cln.swf.gz", true); }
void BM_SdscFcfsBackfill(benchmark::State& s) {
  RunWindows(s, "SDSC-SP2-1998-4.2-cln.swf.gz", false);
}
BENCHMARK(BM_LublinFairway)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_LublinFcfsBackfill)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_SdscFairway)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_SdscFcfsBackfill)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace fairway::sim

BENCHMARK_MAIN();
