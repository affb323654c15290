// Golden decisions of the backfill planner on randomized clusters: every start (job, partition,
// nodes, main pass or backfill), every pending reason and every expected start, hashed per
// scenario. The golden file was written by the planner before its node classes and failure
// memo (backfill.h); any change to a decision changes a hash. Regenerate only for an intended
// change of behaviour: FAIRWAY_UPDATE_GOLDEN=1 build/tests/core_unit_tests
// --gtest_filter='BackfillDecisions*'.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/cycle.h"

namespace fairway::core {
namespace {

constexpr char kGolden[] = FAIRWAY_TESTDATA_DIR "/core/backfill_decisions.golden";
constexpr int kScenarios = 24;

// A deterministic generator: the same scenarios on every platform.
struct Lcg {
  uint64_t state;
  uint64_t Next(uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  }
};

struct Scenario {
  ClusterState cluster;
  std::vector<Job> pending;
  SchedulerConfig config;
};

std::vector<Node> RandomNodes(Lcg& rng, int count) {
  constexpr int64_t kGiB = 1024LL * 1024 * 1024;
  std::vector<Node> nodes;
  for (int i = 0; i < count; ++i) {
    Node n;
    char name[16];
    std::snprintf(name, sizeof(name), "n%04d", i);
    n.name = NodeName(name);
    // Two node shapes, so best fit and GPU-type filters have choices to make.
    n.allocatable =
        rng.Next(3) == 0 ? Resources{32000, 256 * kGiB, 4} : Resources{96000, 1024 * kGiB, 8};
    n.gpu_type = rng.Next(2) == 0 ? "h100" : "a100";
    n.labels["pool"] = rng.Next(2) == 0 ? "even" : "odd";
    if (rng.Next(10) == 0) n.taints.push_back({"maint", "yes", TaintEffect::kNoSchedule});
    n.unschedulable = rng.Next(25) == 0;
    nodes.push_back(std::move(n));
  }
  return nodes;
}

Job RandomJob(Lcg& rng, uint64_t id, bool running) {
  constexpr int64_t kGiB = 1024LL * 1024 * 1024;
  Job j;
  j.id.value = id;
  j.key = "ns/j" + std::to_string(id);
  j.account = AccountName("a" + std::to_string(rng.Next(3)));
  j.user = UserName("u" + std::to_string(rng.Next(4)));
  int64_t gpus = static_cast<int64_t>(rng.Next(9));
  j.per_node = {1000 + gpus * 4000, (1 + gpus) * 16 * kGiB, gpus};
  j.node_count = rng.Next(5) == 0 ? 1 + static_cast<int32_t>(rng.Next(4)) : 1;
  j.exclusive = rng.Next(12) == 0;
  if (rng.Next(6) == 0) j.gpu_type = "h100";
  if (rng.Next(8) == 0) j.constraint["pool"] = "odd";
  if (rng.Next(5) == 0) j.tolerations.push_back({"maint", Toleration::Operator::kExists, "", {}});
  if (rng.Next(3) == 0) j.partitions = {PartitionName("even")};
  // Odd limits: reservation ends fall between resolution steps.
  j.time_limit = Seconds(60 + static_cast<int64_t>(rng.Next(30 * 3600)));
  j.submit_time = Timestamp(Seconds(static_cast<int64_t>(rng.Next(50000))));
  if (running) {
    j.state = JobState::kRunning;
    j.node_count = 1;
    j.start_time = Timestamp(Seconds(static_cast<int64_t>(rng.Next(100000))));
  }
  return j;
}

Scenario Build(uint64_t seed) {
  Scenario s;
  Lcg rng{seed * 7919 + 1};
  s.cluster.nodes = RandomNodes(rng, 40 + static_cast<int>(rng.Next(120)));
  Partition all;
  all.name = PartitionName("gpu");
  all.is_default = true;
  Partition even;
  even.name = PartitionName("even");
  even.node_selector.match_labels["pool"] = "even";
  s.cluster.partitions = {all, even};
  for (int a = 0; a < 3; ++a) {
    Account acct;
    acct.name = AccountName("a" + std::to_string(a));
    for (int u = 0; u < 4; ++u) acct.users.push_back({UserName("u" + std::to_string(u)), 1, false});
    s.cluster.accounts.push_back(std::move(acct));
  }
  uint64_t id = 1;
  // Running jobs on random nodes where they fit (their ends make the time map's steps).
  for (Node& n : s.cluster.nodes) {
    int jobs = static_cast<int>(rng.Next(3));
    Resources free = n.allocatable;
    for (int k = 0; k < jobs; ++k) {
      Job r = RandomJob(rng, id++, true);
      if (r.exclusive || !free.Fits(r.per_node)) continue;
      free -= r.per_node;
      r.allocated_nodes = {n.name};
      r.running_partition = PartitionName("gpu");
      s.cluster.running.push_back(std::move(r));
    }
  }
  int pending = 100 + static_cast<int>(rng.Next(600));
  for (int k = 0; k < pending; ++k) s.pending.push_back(RandomJob(rng, id++, false));
  s.config.priority.weights.age = 1000;
  s.config.priority.weights.job_size = 500;
  s.config.backfill.max_job_test = 1000000;
  s.config.backfill.reserve_whole_nodes = rng.Next(2) == 0;
  s.config.backfill.job_part_count_reserve = rng.Next(3) == 0 ? 1 : 0;
  s.config.backfill.resolution = Seconds(rng.Next(2) == 0 ? 60 : 1);
  s.config.backfill.window = Seconds(3600 * (4 + static_cast<int64_t>(rng.Next(44))));
  return s;
}

// FNV-1a over the decision dump: a one-line fingerprint per scenario.
uint64_t Fnv1a(const std::string& text) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string Fingerprint(uint64_t seed) {
  Scenario s = Build(seed);
  CycleInput in;
  in.now = Timestamp(Seconds(100000));
  in.cluster = &s.cluster;
  in.pending = &s.pending;
  in.config = &s.config;
  CycleResult r = RunCycle(in);
  std::ostringstream dump;
  for (const StartDecision& d : r.started) {
    dump << "start " << d.id.value << " " << d.partition.str() << " " << d.backfilled;
    for (const NodeName& n : d.nodes) dump << " " << n.str();
    dump << "\n";
  }
  for (const PendingDecision& d : r.pending) {
    dump << "pending " << d.id.value << " " << PendingReasonName(d.reason) << " "
         << (d.expected_start ? d.expected_start->time_since_epoch().count() : -1) << "\n";
  }
  std::ostringstream line;
  line << seed << " started=" << r.started.size() << " reservations=" << r.stats.reservations
       << " hash=" << std::hex << Fnv1a(dump.str());
  return line.str();
}

TEST(BackfillDecisionsTest, RandomizedClustersMatchTheGoldenDecisions) {
  std::string actual;
  for (int seed = 1; seed <= kScenarios; ++seed) actual += Fingerprint(seed) + "\n";
  const char* update = std::getenv("FAIRWAY_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(kGolden) << actual;
    GTEST_SKIP() << "golden decisions rewritten: " << kGolden;
  }
  std::ifstream in(kGolden);
  ASSERT_TRUE(in) << "missing " << kGolden;
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(actual, golden.str());
}

}  // namespace
}  // namespace fairway::core
