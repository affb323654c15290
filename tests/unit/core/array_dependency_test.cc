#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/cycle.h"
#include "core/dependency.h"
#include "tests/testing/builders.h"

namespace fairway::core {
namespace {

using testing::AccountBuilder;
using testing::JobBuilder;
using testing::NodeBuilder;
using testing::PartitionBuilder;
using testing::T;

class CycleCase : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.nodes = {NodeBuilder("n0").Build(), NodeBuilder("n1").Build()};
    cluster_.partitions = {PartitionBuilder("gpu").Default().Build()};
    cluster_.accounts = {AccountBuilder("research").Build()};
  }
  CycleResult Run(int64_t now = 1000) {
    CycleInput in;
    in.now = T(now);
    in.cluster = &cluster_;
    in.pending = &pending_;
    in.config = &config_;
    return RunCycle(in);
  }
  std::string Reason(const CycleResult& r, size_t index) {
    for (const PendingDecision& d : r.pending) {
      if (d.pending_index == index) return std::string(PendingReasonName(d.reason));
    }
    return "<started>";
  }
  ClusterState cluster_;
  std::vector<Job> pending_;
  SchedulerConfig config_;
};

Job ArrayJob(const std::string& name, std::vector<IndexRange> ranges, uint32_t throttle = 0,
             uint32_t running = 0) {
  Job j = JobBuilder(name).Id(50).Gpus(2).TimeLimit(600).Build();
  ArrayTasks tasks;
  tasks.pending = std::move(ranges);
  tasks.max_running = throttle;
  tasks.running = running;
  j.array = tasks;
  return j;
}

TEST_F(CycleCase, ArrayStartsAsManyTasksAsFitInIndexOrder) {
  pending_ = {ArrayJob("arr", {{0, 99, 1}})};
  CycleResult r = Run();
  // Two nodes of 8 GPUs, 2 GPUs a task: 8 tasks, 0..7.
  ASSERT_EQ(r.started.size(), 8u);
  for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(r.started[i].array_task, i);
  ASSERT_EQ(r.pending.size(), 1u);
  EXPECT_EQ(Reason(r, 0), "Resources");
}

TEST_F(CycleCase, ArrayThrottleGivesJobArrayTaskLimitWithoutBlocking) {
  pending_ = {ArrayJob("arr", {{0, 15, 4}}, /*throttle=*/3, /*running=*/1),
              JobBuilder("other").Id(60).Submit(5).Gpus(1).Build()};
  pending_[0].submit_time = T(0);
  CycleResult r = Run();
  // 1 running + 2 started = the throttle of 3; indices 0 and 4.
  std::vector<uint32_t> tasks;
  for (const auto& s : r.started) {
    if (s.array_task) tasks.push_back(*s.array_task);
  }
  EXPECT_EQ(tasks, (std::vector<uint32_t>{0, 4}));
  EXPECT_EQ(Reason(r, 0), "JobArrayTaskLimit");
  EXPECT_EQ(Reason(r, 1), "<started>");  // the throttle does not block the partition
}

TEST_F(CycleCase, HugeArrayIsOneRecordAndCheapToSchedule) {
  pending_ = {ArrayJob("big-array", {{0, 99999, 1}})};
  CycleResult r = Run();
  EXPECT_EQ(r.started.size(), 8u);
  EXPECT_EQ(pending_[0].array->pending_count(), 100000u);
  EXPECT_EQ(pending_[0].array->pending.size(), 1u);  // still one range while pending
}

TEST_F(CycleCase, ArrayTasksCountAsJobsForLimits) {
  cluster_.accounts = {AccountBuilder("research").MaxJobsPerUser(3).Build()};
  pending_ = {ArrayJob("arr", {{0, 9, 1}})};
  CycleResult r = Run();
  EXPECT_EQ(r.started.size(), 3u);
  EXPECT_EQ(Reason(r, 0), "AssocMaxJobsLimit");
}

TEST_F(CycleCase, ArraySubmitLimitCountsPendingTasks) {
  cluster_.accounts = {AccountBuilder("research").MaxSubmitJobsPerUser(5).Build()};
  pending_ = {ArrayJob("arr", {{0, 9, 1}})};
  CycleResult r = Run();
  EXPECT_TRUE(r.started.empty());
  EXPECT_EQ(Reason(r, 0), "AssocMaxSubmitJobLimit");
}

TEST_F(CycleCase, DependencyStatesGiveReasons) {
  Job waiting = JobBuilder("waiting").Id(1).Build();
  waiting.dependency = DependencyState::kWaiting;
  Job never = JobBuilder("never").Id(2).Build();
  never.dependency = DependencyState::kNeverSatisfied;
  Job ready = JobBuilder("ready").Id(3).Build();
  ready.dependency = DependencyState::kSatisfied;
  pending_ = {waiting, never, ready};
  CycleResult r = Run();
  EXPECT_EQ(Reason(r, 0), "Dependency");
  EXPECT_EQ(Reason(r, 1), "DependencyNeverSatisfied");
  EXPECT_EQ(Reason(r, 2), "<started>");
}

TEST_F(CycleCase, SingletonWaitsForTheRunningJobOfTheSameNameAndUser) {
  cluster_.running = {JobBuilder("train").Id(9).Gpus(1).Running(0, {"n0"}, "gpu").Build()};
  Job same = JobBuilder("train").Id(1).Build();
  same.singleton = true;
  Job other_user = JobBuilder("train").Id(2).User("bob").Build();
  other_user.singleton = true;
  Job twin_a = JobBuilder("eval").Id(3).Submit(1).Build();
  twin_a.singleton = true;
  Job twin_b = JobBuilder("eval").Id(4).Submit(2).Build();
  twin_b.singleton = true;
  pending_ = {same, other_user, twin_a, twin_b};
  CycleResult r = Run();
  EXPECT_EQ(Reason(r, 0), "Dependency");
  EXPECT_EQ(Reason(r, 1), "<started>");
  EXPECT_EQ(Reason(r, 2), "<started>");
  EXPECT_EQ(Reason(r, 3), "Dependency");  // its twin started this cycle
}

TEST_F(CycleCase, ReportsRunningJobsPastTheirLimit) {
  cluster_.running = {JobBuilder("late").Id(9).TimeLimit(600).Running(0, {"n0"}, "gpu").Build(),
                      JobBuilder("fine").Id(8).TimeLimit(6000).Running(0, {"n1"}, "gpu").Build(),
                      JobBuilder("nolimit").Id(7).Running(0, {"n1"}, "gpu").Build()};
  CycleResult r = Run(600);
  ASSERT_EQ(r.timed_out.size(), 1u);
  EXPECT_EQ(r.timed_out[0].id.value, 9u);
  EXPECT_EQ(r.timed_out[0].limit_reached, T(600));
}

// --- EvaluateDependency ---

struct Facts {
  std::map<std::string, TargetFacts> by_ref;
  TargetLookup Lookup() const {
    return [this](const std::string& ref) -> std::optional<TargetFacts> {
      auto it = by_ref.find(ref);
      if (it == by_ref.end()) return std::nullopt;
      return it->second;
    };
  }
};

DependencySpec Spec(DependencyKind kind, std::vector<std::string> refs, bool any = false) {
  DependencySpec spec;
  spec.any = any;
  DependencyCondition c;
  c.kind = kind;
  for (auto& r : refs) c.targets.push_back({r, 0});
  spec.conditions.push_back(c);
  return spec;
}

TEST(EvaluateDependencyTest, KindsFollowSlurm) {
  Facts f;
  f.by_ref["run"] = {JobState::kRunning, T(100)};
  f.by_ref["pend"] = {JobState::kPending, std::nullopt};
  f.by_ref["ok"] = {JobState::kCompleted, T(10)};
  f.by_ref["bad"] = {JobState::kFailed, T(10)};
  f.by_ref["cancelled"] = {JobState::kCancelled, std::nullopt};
  struct Case {
    DependencyKind kind;
    const char* ref;
    DependencyState want;
  } cases[] = {
      {DependencyKind::kAfter, "run", DependencyState::kSatisfied},
      {DependencyKind::kAfter, "pend", DependencyState::kWaiting},
      {DependencyKind::kAfter, "cancelled", DependencyState::kSatisfied},
      {DependencyKind::kAfterAny, "run", DependencyState::kWaiting},
      {DependencyKind::kAfterAny, "bad", DependencyState::kSatisfied},
      {DependencyKind::kAfterOk, "ok", DependencyState::kSatisfied},
      {DependencyKind::kAfterOk, "bad", DependencyState::kNeverSatisfied},
      {DependencyKind::kAfterOk, "run", DependencyState::kWaiting},
      {DependencyKind::kAfterNotOk, "bad", DependencyState::kSatisfied},
      {DependencyKind::kAfterNotOk, "ok", DependencyState::kNeverSatisfied},
      {DependencyKind::kAfterAny, "gone", DependencyState::kSatisfied},
      {DependencyKind::kAfterOk, "gone", DependencyState::kNeverSatisfied},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(EvaluateDependency(Spec(c.kind, {c.ref}), f.Lookup(), T(200)), c.want) << c.ref;
  }
}

TEST(EvaluateDependencyTest, AfterWithDelayAndCombinators) {
  Facts f;
  f.by_ref["a"] = {JobState::kRunning, T(100)};
  f.by_ref["ok"] = {JobState::kCompleted, T(10)};
  f.by_ref["bad"] = {JobState::kFailed, T(10)};
  DependencySpec delayed;
  delayed.conditions.push_back({DependencyKind::kAfter, {{"a", 5}}});
  EXPECT_EQ(EvaluateDependency(delayed, f.Lookup(), T(399)), DependencyState::kWaiting);
  EXPECT_EQ(EvaluateDependency(delayed, f.Lookup(), T(400)), DependencyState::kSatisfied);
  // afterok:ok:bad -> never; afterok:ok?afternotok:ok -> satisfied by the first.
  EXPECT_EQ(EvaluateDependency(Spec(DependencyKind::kAfterOk, {"ok", "bad"}), f.Lookup(), T(0)),
            DependencyState::kNeverSatisfied);
  DependencySpec any;
  any.any = true;
  any.conditions.push_back({DependencyKind::kAfterOk, {{"ok", 0}}});
  any.conditions.push_back({DependencyKind::kAfterNotOk, {{"ok", 0}}});
  EXPECT_EQ(EvaluateDependency(any, f.Lookup(), T(0)), DependencyState::kSatisfied);
  DependencySpec all = any;
  all.any = false;
  EXPECT_EQ(EvaluateDependency(all, f.Lookup(), T(0)), DependencyState::kNeverSatisfied);
}

}  // namespace
}  // namespace fairway::core

namespace fairway::core {
namespace {

using testing::AccountBuilder;
using testing::JobBuilder;
using testing::NodeBuilder;
using testing::PartitionBuilder;
using testing::T;

// Regression (found with per-task cancel/hold in the operator): with several pending ranges the
// cursor must move from range to range, not restart at the next range's first index.
TEST(ArrayCursorTest, StartsEveryTaskOfGappedRangesOnce) {
  ClusterState cluster;
  cluster.nodes = {NodeBuilder("n0").Build(), NodeBuilder("n1").Build()};
  cluster.partitions = {PartitionBuilder("gpu").Default().Build()};
  cluster.accounts = {AccountBuilder("research").Build()};
  Job j = JobBuilder("arr").Id(50).Gpus(2).TimeLimit(600).Build();
  ArrayTasks tasks;
  tasks.pending = {{0, 1, 1}, {3, 3, 1}, {5, 9, 2}};  // 0,1,3,5,7,9
  j.array = tasks;
  std::vector<Job> pending = {j};
  SchedulerConfig config;
  CycleInput in;
  in.now = T(1000);
  in.cluster = &cluster;
  in.pending = &pending;
  in.config = &config;
  CycleResult r = RunCycle(in);
  std::vector<uint32_t> started;
  for (const auto& s : r.started) started.push_back(*s.array_task);
  EXPECT_EQ(started, (std::vector<uint32_t>{0, 1, 3, 5, 7, 9}));
  EXPECT_TRUE(r.pending.empty());
}

}  // namespace
}  // namespace fairway::core
