// Run-time prediction for backfill (core/runtime_prediction.h): the user's last two run times
// predict the next, a violated prediction is extended, and with
// backfill.runtime_prediction = kUserHistory the planner plans with predictions instead of
// limits (reservations move earlier; a job may backfill only if its own prediction fits).
#include "core/runtime_prediction.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "core/cycle.h"
#include "tests/testing/builders.h"

namespace fairway::core {
namespace {

using testing::AccountBuilder;
using testing::JobBuilder;
using testing::NodeBuilder;
using testing::PartitionBuilder;
using testing::T;

TEST(RuntimeHistoryTest, PredictsTheMeanOfTheLastTwoRuns) {
  RuntimeHistory h;
  const UserName alice("alice");
  EXPECT_EQ(h.Predict(alice), std::nullopt);
  h.Record(alice, Seconds(100));
  EXPECT_EQ(h.Predict(alice), Seconds(100));
  h.Record(alice, Seconds(301));
  EXPECT_EQ(h.Predict(alice), Seconds(201));  // (100 + 301) / 2 rounded up
  h.Record(alice, Seconds(500));
  EXPECT_EQ(h.Predict(alice), Seconds(401));  // the oldest run no longer counts
  EXPECT_EQ(h.Predict(UserName("bob")), std::nullopt);
  h.Record(UserName("bob"), Seconds(-5));
  EXPECT_EQ(h.Predict(UserName("bob")), Seconds(0));
  EXPECT_EQ(h.users(), 2u);
}

TEST(PlannedDurationTest, PredictionCappedAtTheLimit) {
  EXPECT_EQ(PlannedDuration(std::nullopt, Seconds(3600), Seconds(0)), Seconds(3600));
  EXPECT_EQ(PlannedDuration(std::nullopt, std::nullopt, Seconds(0)), std::nullopt);
  EXPECT_EQ(PlannedDuration(Seconds(600), Seconds(3600), Seconds(0)), Seconds(600));
  EXPECT_EQ(PlannedDuration(Seconds(7200), Seconds(3600), Seconds(0)), Seconds(3600));
  EXPECT_EQ(PlannedDuration(Seconds(0), Seconds(3600), Seconds(0)), Seconds(1));
  EXPECT_EQ(PlannedDuration(Seconds(600), std::nullopt, Seconds(0)), Seconds(600));
}

TEST(PlannedDurationTest, ViolatedPredictionDoublesUntilPastTheElapsedTime) {
  EXPECT_EQ(PlannedDuration(Seconds(100), Seconds(3600), Seconds(250)), Seconds(400));
  EXPECT_EQ(PlannedDuration(Seconds(100), Seconds(3600), Seconds(100)), Seconds(200));
  EXPECT_EQ(PlannedDuration(Seconds(1000), Seconds(3600), Seconds(2500)), Seconds(3600));
  EXPECT_EQ(PlannedDuration(Seconds(100), std::nullopt, Seconds(1000)), Seconds(1600));
}

// Two nodes of 4 GPUs. Alice runs on n0 (limit 1 h, started at 0; her last jobs ran 10 min).
// "wide" needs both nodes and reserves; "filler" (bob, 30-minute limit) fits on n1 now.
class PredictedBackfillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.partitions.push_back(PartitionBuilder("gpu").Default().Build());
    for (int i = 0; i < 2; ++i) {
      cluster_.nodes.push_back(NodeBuilder("n" + std::to_string(i)).Gpus(4).Build());
    }
    cluster_.accounts.push_back(AccountBuilder("research").User("alice").User("bob").Build());
    cluster_.running.push_back(
        JobBuilder("running").Id(1).Gpus(4).TimeLimit(3600).Running(0, {"n0"}, "gpu").Build());
    pending_.push_back(
        JobBuilder("wide").Id(2).Submit(50).Nodes(2).Gpus(4).TimeLimit(3600).Build());
    pending_.push_back(
        JobBuilder("filler").Id(3).User("bob").Submit(60).Gpus(4).TimeLimit(1800).Build());
    history_.Record(UserName("alice"), Seconds(600));
    history_.Record(UserName("alice"), Seconds(600));
  }

  // One cycle at t=100: the names started, and wide's expected start.
  std::pair<std::vector<std::string>, std::optional<Timestamp>> Run() {
    CycleInput in;
    in.now = T(100);
    in.cluster = &cluster_;
    in.pending = &pending_;
    in.config = &config_;
    in.usage = &usage_;
    in.history = &history_;
    CycleResult result = RunCycle(in);
    std::vector<std::string> started;
    for (const StartDecision& s : result.started) started.push_back(pending_[s.pending_index].name);
    std::optional<Timestamp> wide;
    for (const PendingDecision& d : result.pending) {
      if (pending_[d.pending_index].name == "wide") wide = d.expected_start;
    }
    return {started, wide};
  }

  ClusterState cluster_;
  std::vector<Job> pending_;
  SchedulerConfig config_;
  UsageLedger usage_;
  RuntimeHistory history_;
};

TEST_F(PredictedBackfillTest, OffPlansWithLimitsAsSlurm) {
  auto [started, wide] = Run();
  EXPECT_EQ(started, std::vector<std::string>{"filler"});  // ends by 1900, before 3600
  EXPECT_EQ(wide, T(3600));
}

TEST_F(PredictedBackfillTest, PredictionMovesTheReservationEarlier) {
  config_.backfill.runtime_prediction = RuntimePrediction::kUserHistory;
  auto [started, wide] = Run();
  // Alice's job is predicted to end at 600; bob has no history, so his 30-minute limit would
  // delay the reservation and he waits.
  EXPECT_TRUE(started.empty());
  EXPECT_EQ(wide, T(600));
}

TEST_F(PredictedBackfillTest, ShortPredictedJobBackfillsBeforeTheReservation) {
  config_.backfill.runtime_prediction = RuntimePrediction::kUserHistory;
  history_.Record(UserName("bob"), Seconds(300));
  auto [started, wide] = Run();
  EXPECT_EQ(started, std::vector<std::string>{"filler"});  // predicted to end at 400 < 600
  EXPECT_EQ(wide, T(600));
}

TEST_F(PredictedBackfillTest, OverrunningJobIsReplannedPastItsPrediction) {
  config_.backfill.runtime_prediction = RuntimePrediction::kUserHistory;
  history_.Record(UserName("alice"), Seconds(40));
  history_.Record(UserName("alice"), Seconds(40));  // predicted 40 s, already ran 100 s
  auto [started, wide] = Run();
  EXPECT_EQ(wide, T(160));  // 40 doubled to 80, then 160: the first past 100 s
  EXPECT_TRUE(started.empty());
}

}  // namespace
}  // namespace fairway::core
