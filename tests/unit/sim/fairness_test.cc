#include "sim/fairness.h"

#include <gtest/gtest.h>

namespace fairway::sim {
namespace {

JobOutcome Ran(const std::string& account, const std::string& user, int64_t submit, int64_t start,
               int64_t end, int64_t cpus) {
  JobOutcome j;
  j.account = account;
  j.user = user;
  j.submit_s = submit;
  j.start_s = start;
  j.end_s = end;
  j.run_s = end - start;
  j.nodes = 1;
  j.per_node = {cpus * 1000, 0, 0};
  return j;
}

TEST(FairnessTest, DeliveredShareAgainstTargetOverOneDayWindows) {
  SimResult result;
  // Equal shares, but over the day account a gets 3 CPUs and b 1: each is 0.25 off its 0.5.
  result.jobs = {Ran("a", "x", 0, 0, 86400, 3), Ran("b", "y", 0, 0, 86400, 1)};
  FairnessReport r = ComputeFairness(result, {{"a", 1}, {"b", 1}}, /*gpus=*/false);
  EXPECT_EQ(r.share_windows, 2);  // 25 hourly buckets: windows from bucket 0 and 1
  EXPECT_DOUBLE_EQ(r.share_mean_abs_deviation, 0.25);
  EXPECT_DOUBLE_EQ(r.share_worst_window_deviation, 0.25);
  EXPECT_EQ(r.share_worst_window_start_s, 0);
  // With shares 3:1 the same usage is exactly on target.
  FairnessReport on_target = ComputeFairness(result, {{"a", 3}, {"b", 1}}, false);
  EXPECT_NEAR(on_target.share_mean_abs_deviation, 0, 1e-12);
}

TEST(FairnessTest, AnAccountAloneIsNotMeasured) {
  SimResult result;
  // b's job is submitted two days after a's ended: no window has both competing.
  result.jobs = {Ran("a", "x", 0, 0, 3600, 1), Ran("b", "y", 3 * 86400, 3 * 86400, 4 * 86400, 1)};
  FairnessReport r = ComputeFairness(result, {}, false);
  EXPECT_EQ(r.share_windows, 0);
  EXPECT_EQ(r.share_mean_abs_deviation, 0);
}

TEST(FairnessTest, PerUserSlowdownSpreadAndJain) {
  SimResult result;
  // User x: bounded slowdowns 1 and 3 (mean 2); user y: 4.
  result.jobs = {Ran("a", "x", 0, 0, 100, 1), Ran("a", "x", 0, 200, 300, 1),
                 Ran("a", "y", 0, 300, 400, 1)};
  FairnessReport r = ComputeFairness(result, {}, false);
  EXPECT_EQ(r.users, 2);
  EXPECT_DOUBLE_EQ(r.user_slowdown_max_over_min, 2.0);
  EXPECT_DOUBLE_EQ(r.user_slowdown_jain, 36.0 / 40.0);  // (2 + 4)^2 / (2 * (4 + 16))
}

TEST(FairnessTest, WaitPercentilesPerAccountByNearestRank) {
  SimResult result;
  for (int64_t wait = 0; wait < 100; ++wait) {
    result.jobs.push_back(Ran("a", "x", 0, wait, wait + 10, 1));
  }
  result.jobs.push_back(Ran("b", "y", 0, 7, 17, 1));
  FairnessReport r = ComputeFairness(result, {}, false);
  ASSERT_EQ(r.account_waits.size(), 2u);
  EXPECT_EQ(r.account_waits[0].account, "a");
  EXPECT_EQ(r.account_waits[0].p50_s, 49);
  EXPECT_EQ(r.account_waits[0].p90_s, 89);
  EXPECT_EQ(r.account_waits[0].p99_s, 98);
  EXPECT_EQ(r.account_waits[1].p99_s, 7);
}

}  // namespace
}  // namespace fairway::sim
