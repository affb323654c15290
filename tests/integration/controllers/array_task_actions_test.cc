// Per-task user actions on array Jobs (controllers/names.h: fairway.dev/cancel-tasks,
// hold-tasks, release-tasks, requeue-tasks) against the in-process sandbox.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api/array_task_list.h"
#include "controllers/names.h"
#include "harness.h"

namespace fairway::controllers::testing {
namespace {

using core::JobState;

std::map<uint32_t, JobState> TaskStates(const api::JobObject& j) {
  std::map<uint32_t, JobState> out;
  if (!j.status.array.has_value()) return out;
  for (const auto& [state, text] : j.status.array->indices) {
    auto v = api::ParseTaskIndexList(text);
    if (v.ok())
      for (uint32_t i : *v) out[i] = state;
  }
  for (const api::ArrayTaskRecord& r : j.status.array->tasks) out[r.index] = r.state;
  return out;
}

JobState TaskState(const api::JobObject& j, uint32_t i) {
  auto s = TaskStates(j);
  auto it = s.find(i);
  return it == s.end() ? JobState::kPending : it->second;
}

std::string Describe(const std::optional<api::JobObject>& j) {
  if (!j.has_value()) return "<missing>";
  std::string out = Harness::StateOf(j);
  for (const auto& [i, s] : TaskStates(*j))
    out += " " + std::to_string(i) + "=" + std::string(core::JobStateName(s));
  for (const auto& [k, v] : j->meta.annotations) out += " [" + k + "=" + v + "]";
  return out;
}

int LivePodsOfTask(Harness& h, const std::string& job, uint32_t index) {
  int n = 0;
  for (const json& p : h.PodsOf(job)) {
    if (PodLabel(p, kLabelArrayIndex) == std::to_string(index) && !PodIsTerminal(p) &&
        !PodIsDeleting(p)) {
      ++n;
    }
  }
  return n;
}

TEST(ArrayTaskActionsTest, CancelPendingAndRunningTasksHoldAndRelease) {
  Harness h;
  h.Start();
  json arr = JobJson("arr", 1, 1, 1.5);
  arr["spec"]["array"] = "0-5%2";
  h.Submit(arr);
  // Tasks 0 and 1 run (throttle 2); 2-5 wait.
  auto j = h.WaitJob("arr", [](const api::JobObject& j) {
    return TaskState(j, 0) == JobState::kRunning && TaskState(j, 1) == JobState::kRunning;
  });
  ASSERT_TRUE(j.has_value()) << Describe(h.Get("arr"));
  // Each index is listed in one state only: the running tasks are not PENDING.
  EXPECT_EQ(
      j->status.array->indices,
      (std::map<JobState, std::string>{{JobState::kPending, "2-5"}, {JobState::kRunning, "0-1"}}));
  EXPECT_EQ(j->status.array->counts,
            (std::map<JobState, int64_t>{{JobState::kPending, 4}, {JobState::kRunning, 2}}));
  // Cancel running task 1 and pending task 4; hold pending task 3.
  h.Patch("arr", {{"metadata",
                   {{"annotations",
                     {{std::string(kAnnotationCancelTasks), "1,4"},
                      {std::string(kAnnotationHoldTasks), "3"}}}}}});
  j = h.WaitJob("arr", [](const api::JobObject& j) {
    return TaskState(j, 1) == JobState::kCancelled && TaskState(j, 4) == JobState::kCancelled;
  });
  ASSERT_TRUE(j.has_value()) << Describe(h.Get("arr"));
  EXPECT_TRUE(h.WaitUntil([&] { return LivePodsOfTask(h, "arr", 1) == 0; }));
  // The others run to completion; the held task waits with JobHeldUser.
  j = h.WaitJob(
      "arr",
      [](const api::JobObject& j) {
        return TaskState(j, 0) == JobState::kCompleted && TaskState(j, 2) == JobState::kCompleted &&
               TaskState(j, 5) == JobState::kCompleted;
      },
      20);
  ASSERT_TRUE(j.has_value()) << Describe(h.Get("arr"));
  j = h.WaitJob("arr", [](const api::JobObject& j) { return j.status.reason == "JobHeldUser"; });
  ASSERT_TRUE(j.has_value()) << Describe(h.Get("arr"));
  EXPECT_EQ(j->status.state, JobState::kPending);
  EXPECT_EQ(TaskState(*j, 3), JobState::kPending);
  EXPECT_EQ(j->status.array->indices.at(JobState::kPending), "3");
  EXPECT_EQ(j->status.array->indices.at(JobState::kCancelled), "1,4");
  for (const json& p : h.PodsOf("arr")) {
    EXPECT_NE(PodLabel(p, kLabelArrayIndex), "3");
    EXPECT_NE(PodLabel(p, kLabelArrayIndex), "4");
  }
  // Release: task 3 runs; the operator folds the release into hold-tasks.
  h.Patch("arr", {{"metadata", {{"annotations", {{std::string(kAnnotationReleaseTasks), "3"}}}}}});
  j = h.WaitState("arr", JobState::kCancelled, 20);  // the array's outcome: tasks were cancelled
  ASSERT_TRUE(j.has_value()) << Describe(h.Get("arr"));
  EXPECT_EQ(TaskState(*j, 3), JobState::kCompleted);
  EXPECT_EQ(j->status.array->indices.at(JobState::kCompleted), "0,2-3,5");
  EXPECT_EQ(j->status.array->indices.at(JobState::kCancelled), "1,4");
  EXPECT_EQ(j->meta.annotations.count(std::string(kAnnotationReleaseTasks)), 0u);
  EXPECT_EQ(j->meta.annotations.count(std::string(kAnnotationHoldTasks)), 0u);
}

TEST(ArrayTaskActionsTest, RequeueRunningTaskRunsItAgainAndConsumesTheAnnotation) {
  Harness h;
  h.Start();
  json arr = JobJson("rq", 1, 1, 1.5);
  arr["spec"]["array"] = "0-1";
  h.Submit(arr);
  auto j = h.WaitJob("rq",
                     [](const api::JobObject& j) { return TaskState(j, 0) == JobState::kRunning; });
  ASSERT_TRUE(j.has_value()) << Describe(h.Get("rq"));
  h.Patch("rq", {{"metadata", {{"annotations", {{std::string(kAnnotationRequeueTasks), "0"}}}}}});
  j = h.WaitJob("rq", [](const api::JobObject& j) {
    return j.meta.annotations.count(std::string(kAnnotationRequeueTasks)) == 0;
  });
  ASSERT_TRUE(j.has_value()) << Describe(h.Get("rq"));
  j = h.WaitState("rq", JobState::kCompleted, 20);
  ASSERT_TRUE(j.has_value()) << Describe(h.Get("rq"));
  int requeued = 0;
  for (const auto& e : h.events_.events()) {
    if (e.reason == "Requeued" && e.message.find("tasks 0 ") == 0) ++requeued;
  }
  EXPECT_EQ(requeued, 1);
}

TEST(ArrayTaskActionsTest, BadListGivesWarningAndConditionOthersStillApply) {
  Harness h;
  h.Start();
  json arr = JobJson("bad", 1, 1, 0.3);
  arr["spec"]["array"] = "0-3";
  arr["spec"]["hold"] = true;  // nothing starts until the lists are in
  h.Submit(arr);
  ASSERT_TRUE(h.WaitJob("bad", [](const api::JobObject& j) { return j.status.job_id != 0; }));
  h.Patch("bad", {{"metadata",
                   {{"annotations",
                     {{std::string(kAnnotationHoldTasks), "x-y"},
                      {std::string(kAnnotationCancelTasks), "2"}}}}}});
  auto j = h.WaitJob("bad", [](const api::JobObject& j) {
    for (const api::Condition& c : j.status.conditions) {
      if (c.type == "InvalidTaskAction") return TaskState(j, 2) == JobState::kCancelled;
    }
    return false;
  });
  ASSERT_TRUE(j.has_value()) << Describe(h.Get("bad"));
  bool warned = false;
  for (const auto& e : h.events_.events()) warned = warned || e.reason == "InvalidTaskList";
  EXPECT_TRUE(warned);
  // Fixing the list clears the condition; the rest of the array completes.
  h.Patch("bad", {{"metadata", {{"annotations", {{std::string(kAnnotationHoldTasks), nullptr}}}}},
                  {"spec", {{"hold", false}}}});
  j = h.WaitState("bad", JobState::kCancelled, 20);
  ASSERT_TRUE(j.has_value()) << Describe(h.Get("bad"));
  for (const api::Condition& c : j->status.conditions) EXPECT_NE(c.type, "InvalidTaskAction");
  EXPECT_EQ(j->status.array->indices.at(JobState::kCompleted), "0-1,3");
}

}  // namespace
}  // namespace fairway::controllers::testing
