// backfill.order (core/config.h): with EASY's single reservation, the jobs behind it are
// backfilled in priority order (Slurm) or shortest planned duration first (kShortestFirst, the
// SJBF half of Tsafrir et al.'s EASY++). Reservations are made in priority order either way.
#include <gtest/gtest.h>

#include <optional>
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
using testing::T;

// Two nodes of 4 GPUs; a job holds n0 until 1000. At t=100, "wide" (both nodes) reserves from
// 1000; "long" (ends by 900) and "short" (ends by 400) each fit n1 before it, but not both.
class BackfillOrderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.partitions.push_back(PartitionBuilder("gpu").Default().Build());
    for (int i = 0; i < 2; ++i) {
      cluster_.nodes.push_back(NodeBuilder("n" + std::to_string(i)).Gpus(4).Build());
    }
    cluster_.accounts.push_back(AccountBuilder("research").User("alice").Build());
    cluster_.running.push_back(
        JobBuilder("running").Id(1).Gpus(4).TimeLimit(1000).Running(0, {"n0"}, "gpu").Build());
    pending_.push_back(
        JobBuilder("wide").Id(2).Submit(10).Nodes(2).Gpus(4).TimeLimit(3600).Build());
    pending_.push_back(JobBuilder("long").Id(3).Submit(20).Gpus(4).TimeLimit(800).Build());
    pending_.push_back(JobBuilder("short").Id(4).Submit(30).Gpus(4).TimeLimit(300).Build());
    config_.backfill.job_part_count_reserve = 1;  // EASY
  }

  std::vector<std::string> Started() {
    CycleInput in;
    in.now = T(100);
    in.cluster = &cluster_;
    in.pending = &pending_;
    in.config = &config_;
    in.usage = &usage_;
    result_ = RunCycle(in);
    std::vector<std::string> started;
    for (const StartDecision& s : result_.started)
      started.push_back(pending_[s.pending_index].name);
    return started;
  }

  std::optional<Timestamp> ExpectedStart(const std::string& name) const {
    for (const PendingDecision& d : result_.pending) {
      if (pending_[d.pending_index].name == name) return d.expected_start;
    }
    return std::nullopt;
  }

  ClusterState cluster_;
  std::vector<Job> pending_;
  SchedulerConfig config_;
  UsageLedger usage_;
  CycleResult result_;
};

TEST_F(BackfillOrderTest, PriorityOrderBackfillsTheFirstJobThatFits) {
  EXPECT_EQ(Started(), std::vector<std::string>{"long"});
  EXPECT_EQ(ExpectedStart("wide"), T(1000));
}

TEST_F(BackfillOrderTest, ShortestFirstBackfillsTheShortestJob) {
  config_.backfill.order = BackfillOrder::kShortestFirst;
  EXPECT_EQ(Started(), std::vector<std::string>{"short"});
  EXPECT_EQ(ExpectedStart("wide"), T(1000));  // the reservation is still made first
  EXPECT_EQ(result_.stats.reservations, 1);
}

TEST_F(BackfillOrderTest, ShortestFirstChangesNothingWhenEveryJobReserves) {
  config_.backfill.job_part_count_reserve = 0;  // conservative: every job keeps its place
  config_.backfill.order = BackfillOrder::kShortestFirst;
  EXPECT_EQ(Started(), std::vector<std::string>{"long"});
}

}  // namespace
}  // namespace fairway::core
