#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/cycle.h"
#include "tests/testing/builders.h"

namespace fairway::core {
namespace {

using testing::AccountBuilder;
using testing::JobBuilder;
using testing::NodeBuilder;
using testing::PartitionBuilder;
using testing::QosBuilder;
using testing::T;

class PreemptionFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.nodes = {NodeBuilder("n0").Build()};
    cluster_.partitions = {PartitionBuilder("gpu").Default().Build()};
    cluster_.accounts = {AccountBuilder("research").Build()};
    Qos high = QosBuilder("high").Priority(100).Build();
    high.preempt = {QosName("low")};
    Qos low = QosBuilder("low").Priority(10).Build();
    low.preempt_mode = PreemptMode::kRequeue;
    low.grace_period = Seconds(30);
    cluster_.qos = {high, low, QosBuilder("normal").Priority(50).Build()};
    config_.backfill.enabled = false;
    config_.priority.weights.qos = 10000;
  }
  CycleResult Run() {
    CycleInput in;
    in.now = T(1000);
    in.cluster = &cluster_;
    in.pending = &pending_;
    in.config = &config_;
    return RunCycle(in);
  }
  ClusterState cluster_;
  std::vector<Job> pending_;
  SchedulerConfig config_;
};

TEST_F(PreemptionFixture, HigherQosPreemptsListedQosAndHoldsTheRoom) {
  cluster_.running = {
      JobBuilder("victim").Id(9).Qos("low").Gpus(8).Running(0, {"n0"}, "gpu").Build()};
  pending_ = {JobBuilder("urgent").Id(1).Qos("high").Gpus(8).Build(),
              JobBuilder("later").Id(2).Submit(5).Qos("normal").Gpus(1).Build()};
  CycleResult r = Run();
  EXPECT_TRUE(r.started.empty());  // it starts once the victim is gone
  ASSERT_EQ(r.preemptions.size(), 1u);
  EXPECT_EQ(r.preemptions[0].preemptor.value, 1u);
  ASSERT_EQ(r.preemptions[0].victims.size(), 1u);
  EXPECT_EQ(r.preemptions[0].victims[0].id.value, 9u);
  EXPECT_EQ(r.preemptions[0].victims[0].mode, PreemptMode::kRequeue);
  EXPECT_EQ(r.preemptions[0].victims[0].grace_period, Seconds(30));
  EXPECT_EQ(PendingReasonName(r.pending[1].reason), "Priority");
}

// Slurm judges both sides by the QoS they run under (slurm-semantics.md §11): a job that names
// none runs under its account's defaultQos, else `normal`, and a preemptor listing that QoS may
// preempt it.
TEST_F(PreemptionFixture, QosAJobGotByDefaultDecidesPreemption) {
  struct Case {
    std::string name;
    std::string victim_qos;          // "" = named none
    std::string victim_default_qos;  // the victim's account's defaultQos
    std::string preemptor_qos;
    std::string preemptor_default_qos;
    bool normal_exists;
    bool preempted;
    PreemptMode mode;
  };
  const std::vector<Case> cases = {
      {"victim defaults to normal", "", "", "urgent", "", true, true, PreemptMode::kCancel},
      {"victim defaults to its account's QoS", "", "low", "high", "", true, true,
       PreemptMode::kRequeue},
      {"preemptor defaults to its account's QoS", "low", "", "", "high", true, true,
       PreemptMode::kRequeue},
      {"both default", "", "low", "", "high", true, true, PreemptMode::kRequeue},
      {"no normal QoS: the victim runs under none", "", "", "urgent", "", false, false,
       PreemptMode::kCancel},
      {"the account default wins over normal", "", "low", "urgent", "", true, false,
       PreemptMode::kCancel},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Qos urgent = QosBuilder("urgent").Priority(100).Build();
    urgent.preempt = {QosName("normal")};
    cluster_.qos = {cluster_.qos[0], cluster_.qos[1], urgent};
    if (c.normal_exists) cluster_.qos.push_back(QosBuilder("normal").Priority(50).Build());
    cluster_.accounts = {AccountBuilder("research").DefaultQos(c.victim_default_qos).Build(),
                         AccountBuilder("ops").DefaultQos(c.preemptor_default_qos).Build()};
    cluster_.running = {
        JobBuilder("victim").Id(9).Qos(c.victim_qos).Gpus(8).Running(0, {"n0"}, "gpu").Build()};
    pending_ = {JobBuilder("urgent").Id(1).Account("ops").Qos(c.preemptor_qos).Gpus(8).Build()};
    CycleResult r = Run();
    ASSERT_EQ(r.preemptions.size(), c.preempted ? 1u : 0u);
    if (c.preempted) {
      ASSERT_EQ(r.preemptions[0].victims.size(), 1u);
      EXPECT_EQ(r.preemptions[0].victims[0].id.value, 9u);
      EXPECT_EQ(r.preemptions[0].victims[0].mode, c.mode);
    }
  }
}

TEST_F(PreemptionFixture, PicksTheFewestMostRecentlyStartedVictims) {
  cluster_.running = {
      JobBuilder("v100").Id(11).Qos("low").Gpus(2).Running(100, {"n0"}, "gpu").Build(),
      JobBuilder("v200").Id(12).Qos("low").Gpus(2).Running(200, {"n0"}, "gpu").Build(),
      JobBuilder("v300").Id(13).Qos("low").Gpus(2).Running(300, {"n0"}, "gpu").Build(),
      JobBuilder("v400").Id(14).Qos("low").Gpus(2).Running(400, {"n0"}, "gpu").Build()};
  pending_ = {JobBuilder("urgent").Id(1).Qos("high").Gpus(4).Build()};
  CycleResult r = Run();
  ASSERT_EQ(r.preemptions.size(), 1u);
  std::vector<uint64_t> ids;
  for (const auto& v : r.preemptions[0].victims) ids.push_back(v.id.value);
  EXPECT_EQ(ids, (std::vector<uint64_t>{14, 13}));
}

TEST_F(PreemptionFixture, NeverPreemptsForAJobThatStillWouldNotStart) {
  cluster_.nodes.push_back(NodeBuilder("n1").Build());
  cluster_.running = {
      JobBuilder("low").Id(11).Qos("low").Gpus(8).Running(100, {"n0"}, "gpu").Build(),
      JobBuilder("normal").Id(12).Qos("normal").Gpus(8).Running(100, {"n1"}, "gpu").Build()};
  pending_ = {JobBuilder("wide").Id(1).Qos("high").Gpus(8).Nodes(2).Build()};
  CycleResult r = Run();
  EXPECT_TRUE(r.preemptions.empty());
  EXPECT_EQ(PendingReasonName(r.pending[0].reason), "Resources");
}

TEST_F(PreemptionFixture, HigherPartitionTierPreemptsLowerTierWithItsMode) {
  cluster_.partitions = {PartitionBuilder("scavenger").Default().Tier(1).Build(),
                         PartitionBuilder("prio").Tier(2).Build()};
  cluster_.partitions[0].preempt_mode = PreemptMode::kRequeue;
  Job victim = JobBuilder("scav").Id(9).Gpus(8).Running(0, {"n0"}, "scavenger").Build();
  victim.requeue = false;  // REQUEUE falls back to CANCEL
  cluster_.running = {victim};
  pending_ = {JobBuilder("p").Id(1).Partition("prio").Gpus(8).Build()};
  CycleResult r = Run();
  ASSERT_EQ(r.preemptions.size(), 1u);
  EXPECT_EQ(r.preemptions[0].victims[0].mode, PreemptMode::kCancel);
}

TEST_F(PreemptionFixture, PartitionsWithPreemptModeOffAreExempt) {
  cluster_.partitions = {PartitionBuilder("scavenger").Default().Tier(1).Build(),
                         PartitionBuilder("prio").Tier(2).Build()};
  cluster_.running = {JobBuilder("scav").Id(9).Gpus(8).Running(0, {"n0"}, "scavenger").Build()};
  pending_ = {JobBuilder("p").Id(1).Partition("prio").Gpus(8).Build()};
  EXPECT_TRUE(Run().preemptions.empty());
}

TEST_F(PreemptionFixture, StoppingVictimsKeepTheirRoomForThePreemptorWithoutNewVictims) {
  Job stopping = JobBuilder("victim").Id(9).Qos("low").Gpus(8).Running(0, {"n0"}, "gpu").Build();
  stopping.preempted_by = JobId{1};
  cluster_.nodes.push_back(NodeBuilder("n1").Build());
  cluster_.running = {
      stopping, JobBuilder("other").Id(10).Qos("low").Gpus(8).Running(0, {"n1"}, "gpu").Build()};
  pending_ = {JobBuilder("urgent").Id(1).Qos("high").Gpus(8).Build()};
  CycleResult r = Run();
  EXPECT_TRUE(r.preemptions.empty());  // n0 is already being freed for it
  EXPECT_TRUE(r.started.empty());
}

}  // namespace
}  // namespace fairway::core
