#include "core/backfill.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/cycle.h"
#include "core/node_timeline.h"
#include "tests/testing/builders.h"

namespace fairway::core {
namespace {

using testing::AccountBuilder;
using testing::JobBuilder;
using testing::NodeBuilder;
using testing::PartitionBuilder;
using testing::T;

using Intervals = std::vector<std::pair<int64_t, int64_t>>;

TEST(NodeTimelineTest, ReleaseTakeAndFreeAt) {
  NodeTimeline t(100, {0, 0, 2});
  t.Release(200, {0, 0, 6});
  EXPECT_EQ(t.FreeAt(100).gpus, 2);
  EXPECT_EQ(t.FreeAt(199).gpus, 2);
  EXPECT_EQ(t.FreeAt(200).gpus, 8);
  t.Take(150, 300, {0, 0, 1});
  EXPECT_EQ(t.FreeAt(150).gpus, 1);
  EXPECT_EQ(t.FreeAt(250).gpus, 7);
  EXPECT_EQ(t.FreeAt(300).gpus, 8);
  t.TakeAll(400, NodeTimeline::kForever);
  EXPECT_EQ(t.FreeAt(500).gpus, 0);
}

TEST(NodeTimelineTest, FeasibleStartsAreClosedIntervals) {
  NodeTimeline t(0, {0, 0, 4});
  t.Release(100, {0, 0, 4});    // 8 free from 100
  t.Take(500, 600, {0, 0, 8});  // a reservation takes everything over [500, 600)
  Intervals out;
  t.FeasibleStarts({0, 0, 8}, 200, false, {0, 0, 8}, NodeTimeline::kForever, &out);
  // 8 GPUs for 200 s: start in [100, 300] (must end by 500), or from 600 on.
  EXPECT_EQ(out, (Intervals{{100, 300}, {600, NodeTimeline::kForever}}));
  out.clear();
  t.FeasibleStarts({0, 0, 2}, 1000, false, {0, 0, 8}, NodeTimeline::kForever, &out);
  EXPECT_EQ(out, (Intervals{{600, NodeTimeline::kForever}}));
  out.clear();
  t.FeasibleStarts({0, 0, 2}, NodeTimeline::kForever, false, {0, 0, 8}, NodeTimeline::kForever,
                   &out);
  EXPECT_EQ(out, (Intervals{{600, NodeTimeline::kForever}}));
  // Runs starting after `latest_start` are left out.
  out.clear();
  t.FeasibleStarts({0, 0, 8}, 200, false, {0, 0, 8}, 599, &out);
  EXPECT_EQ(out, (Intervals{{100, 300}}));
}

TEST(NodeTimelineTest, MaxFreeUntilLooksOnlyAtStepsStartingByThen) {
  NodeTimeline t(0, {1000, 0, 2});
  t.Release(100, {0, 0, 6});
  t.Release(200, {3000, 0, 0});
  EXPECT_EQ(t.MaxFreeUntil(99), (Resources{1000, 0, 2}));
  EXPECT_EQ(t.MaxFreeUntil(100), (Resources{1000, 0, 8}));
  t.TakeAll(150, NodeTimeline::kForever);
  EXPECT_EQ(t.MaxFreeUntil(500), (Resources{1000, 0, 8}));
}

TEST(NodeTimelineTest, ExclusiveNeedsTheWholeNode) {
  NodeTimeline t(0, {0, 0, 7});
  t.Release(50, {0, 0, 1});
  Intervals out;
  t.FeasibleStarts({0, 0, 1}, 10, true, {0, 0, 8}, NodeTimeline::kForever, &out);
  EXPECT_EQ(out, (Intervals{{50, NodeTimeline::kForever}}));
}

// Backfill scenarios through RunCycle, on two 8-GPU nodes unless a test adds more.
class BackfillFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.nodes = {NodeBuilder("n0").Build(), NodeBuilder("n1").Build()};
    cluster_.partitions = {PartitionBuilder("gpu").Default().Build()};
    cluster_.accounts = {AccountBuilder("research").Build()};
    config_.priority.weights.age = 1000;
  }

  void Run(int64_t now = 1200) {
    CycleInput in;
    in.now = T(now);
    in.cluster = &cluster_;
    in.pending = &pending_;
    in.config = &config_;
    result_ = RunCycle(in);
    started_.clear();
    pending_by_name_.clear();
    for (const StartDecision& s : result_.started) started_[pending_[s.pending_index].name] = s;
    for (const PendingDecision& p : result_.pending)
      pending_by_name_[pending_[p.pending_index].name] = p;
  }

  bool Started(const std::string& name) const { return started_.count(name) > 0; }
  std::optional<int64_t> ExpectedStart(const std::string& name) const {
    const auto& p = pending_by_name_.at(name);
    if (!p.expected_start.has_value()) return std::nullopt;
    return p.expected_start->time_since_epoch().count();
  }

  ClusterState cluster_;
  std::vector<Job> pending_;
  SchedulerConfig config_;
  CycleResult result_;
  std::map<std::string, StartDecision> started_;
  std::map<std::string, PendingDecision> pending_by_name_;
};

TEST_F(BackfillFixture, StartsShortJobWithoutDelayingReservation) {
  // n0 busy until 1200 + 3600; the 2-node job can start then.
  cluster_.running = {
      JobBuilder("r").Id(9).Gpus(8).TimeLimit(3600).Running(1200, {"n0"}, "gpu").Build()};
  pending_ = {JobBuilder("big").Id(1).Submit(0).Gpus(8).Nodes(2).TimeLimit(7200).Build(),
              JobBuilder("short").Id(2).Submit(10).Gpus(8).TimeLimit(1800).Build(),
              JobBuilder("long").Id(3).Submit(20).Gpus(8).TimeLimit(7200).Build()};
  Run();
  EXPECT_TRUE(Started("short"));
  EXPECT_TRUE(started_.at("short").backfilled);
  EXPECT_FALSE(Started("long"));
  EXPECT_EQ(ExpectedStart("big"), 4800);
  // long reserves after big: 4800 + 7200.
  EXPECT_EQ(ExpectedStart("long"), 12000);
  EXPECT_EQ(std::string(PendingReasonName(pending_by_name_.at("big").reason)), "Resources");
  EXPECT_EQ(std::string(PendingReasonName(pending_by_name_.at("long").reason)), "Priority");
}

TEST_F(BackfillFixture, ShortJobMayUseTheReservedNodesUntilTheReservationStarts) {
  cluster_.running = {
      JobBuilder("r").Id(9).Gpus(8).TimeLimit(3600).Running(1200, {"n0"}, "gpu").Build()};
  pending_ = {JobBuilder("big").Id(1).Submit(0).Gpus(8).Nodes(2).TimeLimit(7200).Build(),
              JobBuilder("fits").Id(2).Submit(10).Gpus(8).TimeLimit(3600).Build(),
              JobBuilder("too-long").Id(3).Submit(20).Gpus(8).TimeLimit(3601).Build()};
  Run();
  EXPECT_TRUE(Started("fits"));  // ends exactly when the reservation starts
  EXPECT_FALSE(Started("too-long"));
}

TEST_F(BackfillFixture, RunningJobsWithoutLimitLeaveNoReservationPossible) {
  cluster_.running = {JobBuilder("forever").Id(9).Gpus(8).Running(1200, {"n0"}, "gpu").Build()};
  pending_ = {JobBuilder("big").Id(1).Submit(0).Gpus(8).Nodes(2).TimeLimit(600).Build(),
              JobBuilder("small").Id(2).Submit(10).Gpus(8).TimeLimit(99999).Build()};
  Run();
  EXPECT_EQ(ExpectedStart("big"), std::nullopt);
  EXPECT_TRUE(Started("small"));
}

TEST_F(BackfillFixture, EasyModeReservesOnlyTheFirstBlockedJobPerPartition) {
  cluster_.nodes.push_back(NodeBuilder("n2").Build());
  cluster_.running = {
      JobBuilder("r0").Id(8).Gpus(8).TimeLimit(960).Running(1200, {"n0"}, "gpu").Build(),
      JobBuilder("r1").Id(9).Gpus(8).TimeLimit(4800).Running(1200, {"n1"}, "gpu").Build()};
  // first (3 nodes) can start when r1 ends at 6000. Conservatively, second (2 nodes, 3840 s)
  // reserves n0 and n2 when r0 ends at 2160 (ending as first starts), so third may not take n2
  // now.
  pending_ = {JobBuilder("first").Id(1).Submit(0).Gpus(8).Nodes(3).TimeLimit(1000).Build(),
              JobBuilder("second").Id(2).Submit(1).Gpus(8).Nodes(2).TimeLimit(3840).Build(),
              JobBuilder("third").Id(3).Submit(2).Gpus(8).TimeLimit(4800).Build()};
  Run();
  EXPECT_EQ(ExpectedStart("first"), 6000);
  EXPECT_EQ(ExpectedStart("second"), 2160);
  EXPECT_FALSE(Started("third"));

  // EASY: only first reserves; third fits on n2 before 6000 and starts.
  config_.backfill.job_part_count_reserve = 1;
  Run();
  EXPECT_EQ(ExpectedStart("first"), 6000);
  EXPECT_EQ(ExpectedStart("second"), std::nullopt);
  EXPECT_TRUE(Started("third"));
}

TEST_F(BackfillFixture, WholeNodeReservationsBlockSharingUnlessConfiguredOtherwise) {
  cluster_.nodes = {NodeBuilder("n0").Build()};
  cluster_.running = {
      JobBuilder("r").Id(9).Gpus(4).TimeLimit(3600).Running(1200, {"n0"}, "gpu").Build()};
  pending_ = {JobBuilder("six").Id(1).Submit(0).Gpus(6).TimeLimit(3600).Build(),
              JobBuilder("two").Id(2).Submit(1).Gpus(2).TimeLimit(99999).Build()};
  Run();
  EXPECT_EQ(ExpectedStart("six"), 4800);
  EXPECT_FALSE(Started("two"));  // Slurm reserves the whole node from 4600

  config_.backfill.reserve_whole_nodes = false;
  Run();
  EXPECT_TRUE(Started("two"));  // 8 - 6 = 2 GPUs stay free beside the reservation
}

TEST_F(BackfillFixture, ReservationsBeyondTheWindowAreNotMade) {
  config_.backfill.window = Seconds(3600);
  cluster_.running = {
      JobBuilder("r").Id(9).Gpus(8).TimeLimit(7200).Running(1200, {"n0"}, "gpu").Build()};
  pending_ = {JobBuilder("big").Id(1).Submit(0).Gpus(8).Nodes(2).TimeLimit(60).Build(),
              JobBuilder("long").Id(2).Submit(1).Gpus(8).TimeLimit(99999).Build()};
  Run();
  EXPECT_EQ(ExpectedStart("big"), std::nullopt);
  EXPECT_TRUE(Started("long"));  // nothing reserved, so nothing to delay
}

// Real Slurm 22.05 (tools/slurm-lab scenario a): BIG is planned at the exact end of the running
// job (start + limit, not rounded); its reservation end is rounded down to bf_resolution, so
// the next job is planned at 23:03:00 for a reservation ending 23:03:59.
TEST_F(BackfillFixture, PlansAtExactEndsAndRoundsReservationEndsDown) {
  cluster_.running = {
      JobBuilder("r").Id(9).Gpus(8).TimeLimit(3599).Running(1200, {"n0"}, "gpu").Build()};
  pending_ = {JobBuilder("big").Id(1).Submit(0).Gpus(8).Nodes(2).TimeLimit(300).Build(),
              JobBuilder("next").Id(2).Submit(1).Gpus(8).Nodes(2).TimeLimit(60).Build()};
  Run();
  EXPECT_EQ(ExpectedStart("big"), 4799);  // 1200 + 3599
  // big's reservation: [4799, 5099) in the map as [4740, 5040).
  EXPECT_EQ(ExpectedStart("next"), 5040);
}

TEST_F(BackfillFixture, MaxJobTestBoundsThePlanner) {
  config_.backfill.max_job_test = 1;
  cluster_.running = {
      JobBuilder("r").Id(9).Gpus(8).TimeLimit(1000).Running(1200, {"n0"}, "gpu").Build()};
  pending_ = {JobBuilder("big").Id(1).Submit(0).Gpus(8).Nodes(2).TimeLimit(60).Build(),
              JobBuilder("small").Id(2).Submit(1).Gpus(8).TimeLimit(60).Build()};
  Run();
  EXPECT_EQ(result_.stats.backfill_tested, 1);
  EXPECT_FALSE(Started("small"));
}

TEST_F(BackfillFixture, JobsOverTheirLimitsNeitherStartNorReserve) {
  cluster_.accounts = {AccountBuilder("research").GrpGpus(8).Build()};
  cluster_.running = {
      JobBuilder("r").Id(9).Gpus(8).TimeLimit(1000).Running(1200, {"n0"}, "gpu").Build()};
  pending_ = {JobBuilder("capped").Id(1).Submit(0).Gpus(8).TimeLimit(60).Build()};
  Run();
  EXPECT_EQ(std::string(PendingReasonName(pending_by_name_.at("capped").reason)), "AssocGrpGRES");
  EXPECT_EQ(result_.stats.reservations, 0);
  // No reservation; its expected start is when the limit lets it run (issue #16): the end of
  // the account's running job, 1200 + 1000.
  EXPECT_EQ(ExpectedStart("capped"), 2200);
}

TEST_F(BackfillFixture, MultiNodeJobPicksNodesFreeAtTheSameTime) {
  cluster_.nodes.push_back(NodeBuilder("n2").Build());
  cluster_.running = {
      JobBuilder("a").Id(7).Gpus(8).TimeLimit(480).Running(1200, {"n0"}, "gpu").Build(),
      JobBuilder("b").Id(8).Gpus(8).TimeLimit(1800).Running(1200, {"n1"}, "gpu").Build(),
      JobBuilder("c").Id(9).Gpus(8).TimeLimit(3600).Running(1200, {"n2"}, "gpu").Build()};
  pending_ = {JobBuilder("pair").Id(1).Submit(0).Gpus(8).Nodes(2).TimeLimit(60).Build()};
  Run();
  EXPECT_EQ(ExpectedStart("pair"), 3000);
}

}  // namespace
}  // namespace fairway::core
