// Per-task user actions on arrays: annotation parsing/merging and status bookkeeping.
#include <gtest/gtest.h>

#include "api/array_spec.h"
#include "api/array_task_list.h"
#include "api/job_types.h"
#include "controllers/job_status.h"
#include "controllers/names.h"
#include "controllers/snapshot.h"

namespace fairway::controllers {
namespace {

using core::JobState;

api::JobObject ArrayJob(const std::string& array) {
  api::JobObject j;
  j.meta.name = "arr";
  j.meta.namespace_name = "ns";
  j.spec.array = array;
  j.spec.user = "alice";
  j.status.job_id = 100;
  j.status.state = JobState::kPending;
  auto spec = api::ParseArraySpec(array);
  InitArrayStatus(&j.status, *spec);
  return j;
}

void Start(api::JobObject* j, uint32_t index) {
  auto spec = api::ParseArraySpec(j->spec.array);
  core::StartDecision d;
  d.partition = core::PartitionName("gpu");
  d.nodes = {core::NodeName("n1")};
  d.array_task = index;
  MarkStarted(&j->status, d, ArrayTaskJobId(*spec, 100, index), {});
}

// Checks that taskIndices lists every index of `spec` in exactly one state and that taskCounts
// agree with the lists.
void ExpectEachIndexInOneState(const api::ArrayStatus& a, const api::ArraySpec& spec) {
  std::map<uint32_t, int> seen;
  for (const auto& [state, text] : a.indices) {
    SCOPED_TRACE(std::string(core::JobStateName(state)) + ": " + text);
    auto list = api::ParseTaskIndexList(text);
    ASSERT_TRUE(list.ok()) << list.status();
    EXPECT_FALSE(list->empty());
    ASSERT_EQ(a.counts.count(state), 1u);
    EXPECT_EQ(a.counts.at(state), static_cast<int64_t>(list->size()));
    for (uint32_t i : *list) ++seen[i];
  }
  EXPECT_EQ(a.counts.size(), a.indices.size());
  EXPECT_EQ(seen.size(), spec.size());
  for (const auto& [index, times] : seen) {
    EXPECT_TRUE(spec.Contains(index)) << index;
    EXPECT_EQ(times, 1) << index;
  }
}

// Started tasks move from PENDING to RUNNING in taskIndices as in taskCounts; a failed binding,
// an outcome and a requeue move them on (the array 0-3%2).
TEST(ArrayStatusTest, TaskIndicesListEveryIndexInExactlyOneState) {
  api::JobObject j = ArrayJob("0-3%2");
  auto spec = *api::ParseArraySpec(j.spec.array);
  Start(&j, 0);
  api::JobStatus before = j.status;
  Start(&j, 1);
  const api::ArrayStatus& a = *j.status.array;
  EXPECT_EQ(a.indices, (std::map<JobState, std::string>{{JobState::kPending, "2-3"},
                                                        {JobState::kRunning, "0-1"}}));
  EXPECT_EQ(a.counts,
            (std::map<JobState, int64_t>{{JobState::kPending, 2}, {JobState::kRunning, 2}}));
  ExpectEachIndexInOneState(a, spec);

  UndoStart(&j.status, before, 1);  // the binding of task 1 failed
  EXPECT_EQ(a.indices.at(JobState::kPending), "1-3");
  EXPECT_EQ(a.indices.at(JobState::kRunning), "0");
  ExpectEachIndexInOneState(a, spec);
  Start(&j, 1);

  InstanceOutcome done;
  done.kind = InstanceOutcome::kCompleted;
  ApplyTaskOutcome(&j.status, spec, 0, done, true, core::Timestamp{core::Seconds(9)});
  EXPECT_EQ(a.indices, (std::map<JobState, std::string>{{JobState::kCompleted, "0"},
                                                        {JobState::kPending, "2-3"},
                                                        {JobState::kRunning, "1"}}));
  ExpectEachIndexInOneState(a, spec);

  // A requeued task is pending again, though RUNNING listed it.
  EXPECT_EQ(RequeueTasks(&j.status, spec, {1}), std::vector<uint32_t>{1});
  EXPECT_EQ(a.indices, (std::map<JobState, std::string>{{JobState::kCompleted, "0"},
                                                        {JobState::kPending, "1-3"}}));
  ExpectEachIndexInOneState(a, spec);
  EXPECT_EQ(PendingTasks(j.status, spec), (std::set<uint32_t>{1, 2, 3}));
  ClusterObjects o;
  o.jobs = {j};
  Snapshot s = BuildSnapshot(o, {}, {});
  ASSERT_EQ(s.pending.size(), 1u);
  EXPECT_EQ(s.pending[0].array->pending_count(), 3u);
  EXPECT_EQ(s.pending[0].array->running, 0u);
}

TEST(ArrayStatusTest, StartingATaskCutsThePendingRangeThatHoldsIt) {
  api::JobObject j = ArrayJob("0-999");
  auto spec = *api::ParseArraySpec(j.spec.array);
  Start(&j, 500);
  EXPECT_EQ(j.status.array->indices.at(JobState::kPending), "0-499,501-999");
  EXPECT_EQ(j.status.array->indices.at(JobState::kRunning), "500");
  ExpectEachIndexInOneState(*j.status.array, spec);
}

TEST(TaskIndexListTest, ParsesRangesAndCommasAndFormatsCompactly) {
  auto v = api::ParseTaskIndexList("4,7-9");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, (std::set<uint32_t>{4, 7, 8, 9}));
  EXPECT_EQ(api::FormatTaskIndexList(*v), "4,7-9");
  EXPECT_EQ(api::FormatTaskIndexList({}), "");
  EXPECT_TRUE(api::ParseTaskIndexList("  ")->empty());
  EXPECT_EQ(*api::ParseTaskIndexList("0-6:3"), (std::set<uint32_t>{0, 3, 6}));
  EXPECT_FALSE(api::ParseTaskIndexList("x").ok());
  EXPECT_FALSE(api::ParseTaskIndexList("1-3%2").ok());
  EXPECT_FALSE(api::ParseTaskIndexList("5-").ok());
}

TEST(TaskIndexListTest, MergesAndSubtracts) {
  std::set<uint32_t> a = *api::ParseTaskIndexList("1-3");
  std::set<uint32_t> b = *api::ParseTaskIndexList("3,5");
  EXPECT_EQ(api::FormatTaskIndexList(api::UnionIndices(a, b)), "1-3,5");
  EXPECT_EQ(api::FormatTaskIndexList(api::MinusIndices(a, b)), "1-2");
}

TEST(TaskActionsTest, ReadsAnnotationsAndReportsBadLists) {
  api::JobObject j = ArrayJob("0-9");
  j.meta.annotations[std::string(kAnnotationCancelTasks)] = "4,7-9";
  j.meta.annotations[std::string(kAnnotationHoldTasks)] = "1-3";
  j.meta.annotations[std::string(kAnnotationReleaseTasks)] = "2";
  j.meta.annotations[std::string(kAnnotationRequeueTasks)] = "bogus";
  TaskActions a = TaskActionsOf(j);
  EXPECT_EQ(a.cancel, (std::set<uint32_t>{4, 7, 8, 9}));
  EXPECT_TRUE(a.has_release);
  EXPECT_FALSE(a.has_requeue);
  EXPECT_TRUE(a.requeue.empty());
  ASSERT_EQ(a.errors.size(), 1u);
  EXPECT_EQ(a.errors[0].rfind("fairway.dev/requeue-tasks: ", 0), 0u);
  EXPECT_EQ(HeldTasks(j), (std::set<uint32_t>{1, 3}));
  j.spec.array.clear();
  EXPECT_TRUE(HeldTasks(j).empty());
}

TEST(TaskActionsTest, CancelTasksRecordsPendingAndStopsRunningOnly) {
  api::JobObject j = ArrayJob("0-5");
  auto spec = *api::ParseArraySpec(j.spec.array);
  Start(&j, 0);
  Start(&j, 1);
  core::Timestamp now{core::Seconds(1000)};
  std::vector<uint32_t> stopped = CancelTasks(&j.status, spec, {1, 4, 42}, now);
  EXPECT_EQ(stopped, std::vector<uint32_t>{1});
  const api::ArrayStatus& a = *j.status.array;
  EXPECT_EQ(a.indices.at(JobState::kCancelled), "1,4");
  EXPECT_EQ(a.indices.at(JobState::kPending), "2-3,5");
  EXPECT_EQ(a.counts.at(JobState::kCancelled), 2);
  EXPECT_EQ(a.counts.at(JobState::kRunning), 1);
  EXPECT_EQ(j.status.state, JobState::kRunning);
  // Idempotent: nothing left to do for the same list.
  api::JobStatus before = j.status;
  EXPECT_TRUE(CancelTasks(&j.status, spec, {1, 4}, now).empty());
  EXPECT_EQ(j.status, before);
  // The snapshot no longer offers the cancelled task.
  ClusterObjects o;
  o.jobs = {j};
  Snapshot s = BuildSnapshot(o, {}, {});
  ASSERT_EQ(s.pending.size(), 1u);
  EXPECT_EQ(s.pending[0].array->pending_count(), 3u);
}

TEST(TaskActionsTest, ArrayEndsCancelledWhenATaskWasCancelledWhilePending) {
  api::JobObject j = ArrayJob("0-1");
  auto spec = *api::ParseArraySpec(j.spec.array);
  Start(&j, 0);
  CancelTasks(&j.status, spec, {1}, core::Timestamp{core::Seconds(5)});
  InstanceOutcome done;
  done.kind = InstanceOutcome::kCompleted;
  ApplyTaskOutcome(&j.status, spec, 0, done, true, core::Timestamp{core::Seconds(9)});
  EXPECT_EQ(j.status.state, JobState::kCancelled);
  EXPECT_EQ(j.status.array->indices.at(JobState::kCompleted), "0");
}

TEST(TaskActionsTest, StridedArrayStaysOneRange) {
  api::JobObject j = ArrayJob("0-998:2");  // within the default MaxArraySize (1001)
  ClusterObjects o;
  o.jobs = {j};
  Snapshot s = BuildSnapshot(o, {}, {});
  ASSERT_EQ(s.pending.size(), 1u);
  ASSERT_EQ(s.pending[0].array->pending.size(), 1u);
  EXPECT_EQ(s.pending[0].array->pending[0].step, 2u);
  EXPECT_EQ(s.pending[0].array->pending_count(), 500u);
}

TEST(TaskActionsTest, HeldTasksLeaveThePendingRangesUntilReleased) {
  api::JobObject j = ArrayJob("0-5");
  j.meta.annotations[std::string(kAnnotationHoldTasks)] = "2-3";
  ClusterObjects o;
  o.jobs = {j};
  Snapshot s = BuildSnapshot(o, {}, {});
  ASSERT_EQ(s.pending.size(), 1u);
  // 0-1 and 4-5 wait, as two ranges; no throttle is added.
  ASSERT_EQ(s.pending[0].array->pending.size(), 2u);
  EXPECT_EQ(s.pending[0].array->pending_count(), 4u);
  EXPECT_EQ(s.pending[0].array->pending[1].first, 4u);
  EXPECT_EQ(s.pending[0].array->max_running, 0u);
  // Only held tasks left: no pending record at all.
  o.jobs[0].Mutable().meta.annotations[std::string(kAnnotationHoldTasks)] = "0-5";
  EXPECT_TRUE(BuildSnapshot(o, {}, {}).pending.empty());
  // Released.
  o.jobs[0].Mutable().meta.annotations[std::string(kAnnotationReleaseTasks)] = "0-5";
  s = BuildSnapshot(o, {}, {});
  ASSERT_EQ(s.pending.size(), 1u);
  EXPECT_EQ(s.pending[0].array->pending_count(), 6u);
  EXPECT_EQ(PendingTasks(o.jobs[0]->status, *api::ParseArraySpec("0-5")).size(), 6u);
}

TEST(TaskActionsTest, RequeueTasksReturnsRunningTasksToPending) {
  api::JobObject j = ArrayJob("0-3");
  auto spec = *api::ParseArraySpec(j.spec.array);
  Start(&j, 0);
  Start(&j, 1);
  EXPECT_EQ(RequeueTasks(&j.status, spec, {1, 2}), std::vector<uint32_t>{1});
  EXPECT_EQ(j.status.array->indices.at(JobState::kPending), "1-3");
  EXPECT_EQ(j.status.array->counts.at(JobState::kRunning), 1);
  EXPECT_TRUE(RequeueTasks(&j.status, spec, {1}).empty());
}

TEST(TaskActionsTest, ConditionIsSetOnceAndClearedWhenFixed) {
  api::JobStatus st;
  core::Timestamp now{core::Seconds(1)};
  EXPECT_TRUE(SetTaskActionCondition(&st, {"fairway.dev/hold-tasks: bad"}, now));
  EXPECT_FALSE(SetTaskActionCondition(&st, {"fairway.dev/hold-tasks: bad"}, now));
  ASSERT_EQ(st.conditions.size(), 1u);
  EXPECT_EQ(st.conditions[0].type, "InvalidTaskAction");
  EXPECT_FALSE(SetTaskActionCondition(&st, {}, now));
  EXPECT_TRUE(st.conditions.empty());
}

}  // namespace
}  // namespace fairway::controllers
