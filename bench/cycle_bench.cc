// One scheduling cycle at 5,000 pending x 1,000 nodes and 50,000 x 10,000 nodes of 8 GPUs,
// with and without the backfill planner. The cluster starts half full with jobs that end at
// staggered times (so reservations land across the window); pending jobs ask for 1-8 GPUs on
// 1-4 nodes, from 20 accounts x 10 users over two overlapping partitions.
//
// The backfill cases run capped (bf_max_job_test = 500, the default) and uncapped (every
// pending job tested), each warm (the same input cycle after cycle, as a running operator sees
// it) and cold (the first cycle over a freshly built input: caches and allocator cold). Run:
//   build/bench/cycle_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
// or one case: --benchmark_filter='BM_CycleWithBackfill/50000/10000/0'.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/cycle.h"

namespace fairway::core {
namespace {

struct Scenario {
  ClusterState cluster;
  std::vector<Job> pending;
  SchedulerConfig config;
  UsageLedger usage;
};

// A deterministic linear congruential generator: the same scenario every run.
struct Lcg {
  uint64_t state = 42;
  uint64_t Next(uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  }
};

Scenario Build(int pending_jobs, int nodes) {
  Scenario s;
  Lcg rng;
  constexpr int64_t kGiB = 1024LL * 1024 * 1024;
  for (int i = 0; i < nodes; ++i) {
    Node n;
    char name[32];
    std::snprintf(name, sizeof(name), "gpu%05d", i);
    n.name = NodeName(name);
    n.allocatable = {96000, 1024 * kGiB, 8};
    n.gpu_type = i % 4 == 0 ? "h100" : "a100";
    n.labels["pool"] = i % 2 == 0 ? "even" : "odd";
    s.cluster.nodes.push_back(std::move(n));
  }
  Partition all;
  all.name = PartitionName("gpu");
  all.is_default = true;
  Partition even;
  even.name = PartitionName("even");
  even.node_selector.match_labels["pool"] = "even";
  even.priority_job_factor = 2;
  s.cluster.partitions = {all, even};
  for (int a = 0; a < 20; ++a) {
    Account acct;
    acct.name = AccountName("acct" + std::to_string(a));
    acct.shares = 1 + static_cast<uint32_t>(a % 3);
    for (int u = 0; u < 10; ++u) {
      acct.users.push_back(
          {UserName("u" + std::to_string(a) + "-" + std::to_string(u)), 1, false, {}});
    }
    s.cluster.accounts.push_back(std::move(acct));
  }
  Qos normal;
  normal.name = QosName("normal");
  normal.priority = 10;
  s.cluster.qos = {normal};
  AccountTree tree = AccountTree::Build(s.cluster.accounts);
  // Half the nodes busy with one 8-GPU job each; usage skewed across accounts.
  uint64_t next_id = 1;
  for (int i = 0; i < nodes / 2; ++i) {
    Job r;
    r.id.value = next_id++;
    r.key = "ns/running-" + std::to_string(i);
    int a = static_cast<int>(rng.Next(20));
    r.account = AccountName("acct" + std::to_string(a));
    r.user = UserName("u" + std::to_string(a) + "-" + std::to_string(rng.Next(10)));
    r.per_node = {8000, 64 * kGiB, 8};
    r.state = JobState::kRunning;
    r.start_time = Timestamp(Seconds(static_cast<int64_t>(rng.Next(86400))));
    r.time_limit = Seconds(3600 * (2 + static_cast<int64_t>(rng.Next(48))));
    r.allocated_nodes = {s.cluster.nodes[static_cast<size_t>(2 * i)].name};
    r.running_partition = PartitionName("gpu");
    s.cluster.running.push_back(std::move(r));
    s.usage.Charge(tree, AccountName("acct" + std::to_string(a)), UserName("x"), 1000.0 * a);
  }
  for (int j = 0; j < pending_jobs; ++j) {
    Job p;
    p.id.value = next_id++;
    p.key = "ns/job-" + std::to_string(j);
    int a = static_cast<int>(rng.Next(20));
    p.account = AccountName("acct" + std::to_string(a));
    p.user = UserName("u" + std::to_string(a) + "-" + std::to_string(rng.Next(10)));
    p.qos = QosName("normal");
    int64_t gpus = 1 + static_cast<int64_t>(rng.Next(8));
    p.per_node = {gpus * 4000, gpus * 32 * kGiB, gpus};
    p.node_count = rng.Next(10) == 0 ? 1 + static_cast<int32_t>(rng.Next(4)) : 1;
    if (rng.Next(3) == 0) p.partitions = {PartitionName("even")};
    p.submit_time = Timestamp(Seconds(static_cast<int64_t>(rng.Next(86400))));
    p.time_limit = Seconds(3600 * (1 + static_cast<int64_t>(rng.Next(24))));
    s.pending.push_back(std::move(p));
  }
  s.config.priority.weights.age = 1000;
  s.config.priority.weights.fair_share = 10000;
  s.config.priority.weights.job_size = 500;
  s.config.priority.weights.partition = 1000;
  s.config.priority.weights.qos = 2000;
  return s;
}

// range(2): bf_max_job_test, 0 = every pending job.
Scenario BuildFor(const benchmark::State& state, bool backfill) {
  Scenario s = Build(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  s.config.backfill.enabled = backfill;
  if (state.range(2) == 0) {
    s.config.backfill.max_job_test = UINT32_MAX;
  } else {
    s.config.backfill.max_job_test = static_cast<uint32_t>(state.range(2));
  }
  return s;
}

CycleInput InputOf(const Scenario& s) {
  CycleInput in;
  in.now = Timestamp(Seconds(90000));
  in.cluster = &s.cluster;
  in.pending = &s.pending;
  in.config = &s.config;
  in.usage = &s.usage;
  return in;
}

void SetCounters(benchmark::State& state, const CycleStats& stats) {
  state.counters["started"] = static_cast<double>(stats.started);
  state.counters["backfilled"] = static_cast<double>(stats.backfill_started);
  state.counters["reservations"] = static_cast<double>(stats.reservations);
  state.counters["pending"] = static_cast<double>(state.range(0));
  state.counters["nodes"] = static_cast<double>(state.range(1));
  state.counters["tested"] = static_cast<double>(stats.backfill_tested);
}

// Warm: cycle after cycle over the same input.
void RunWarm(benchmark::State& state, bool backfill) {
  Scenario s = BuildFor(state, backfill);
  CycleInput in = InputOf(s);
  CycleStats stats;
  for (auto _ : state) {
    CycleResult r = RunCycle(in);
    stats = r.stats;
    benchmark::DoNotOptimize(r);
  }
  SetCounters(state, stats);
}

// Cold: each timed cycle is the first over an input built just before (not timed).
void RunCold(benchmark::State& state, bool backfill) {
  CycleStats stats;
  for (auto _ : state) {
    state.PauseTiming();
    Scenario s = BuildFor(state, backfill);
    CycleInput in = InputOf(s);
    state.ResumeTiming();
    CycleResult r = RunCycle(in);
    stats = r.stats;
    benchmark::DoNotOptimize(r);
  }
  SetCounters(state, stats);
}

void BM_MainPassOnly(benchmark::State& state) { RunWarm(state, false); }
void BM_CycleWithBackfill(benchmark::State& state) { RunWarm(state, true); }
void BM_ColdCycleWithBackfill(benchmark::State& state) { RunCold(state, true); }

// Args: pending jobs, nodes, bf_max_job_test (0 = uncapped).
BENCHMARK(BM_MainPassOnly)
    ->Args({5000, 1000, 500})
    ->Args({50000, 10000, 500})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CycleWithBackfill)
    ->Args({5000, 1000, 500})
    ->Args({50000, 10000, 500})
    ->Args({5000, 1000, 0})
    ->Args({50000, 10000, 0})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ColdCycleWithBackfill)
    ->Args({50000, 10000, 500})
    ->Args({50000, 10000, 0})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fairway::core

BENCHMARK_MAIN();
