// The operator's run-time history (controllers/runtime_history.h): ended Jobs and ended array
// task records, in end order, per user; pending, running and never-started Jobs do not count.
#include "controllers/runtime_history.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "api/job_types.h"

namespace fairway::controllers {
namespace {

core::Timestamp T(int64_t s) { return core::Timestamp(core::Seconds(s)); }

api::JobObject Job(const std::string& name, const std::string& user, core::JobState state,
                   std::optional<int64_t> start, std::optional<int64_t> end) {
  api::JobObject j;
  j.meta.name = name;
  j.meta.namespace_name = "default";
  j.spec.user = user;
  j.status.state = state;
  if (start) j.status.start_time = T(*start);
  if (end) j.status.end_time = T(*end);
  return j;
}

TEST(RuntimeHistoryOfTest, LastTwoEndedRunsPerUserInEndOrder) {
  std::vector<CycleJob> jobs;
  // Listed out of end order: the history must follow end times, not the list.
  jobs.emplace_back(Job("c", "alice", core::JobState::kCompleted, 1000, 1900));  // ran 900
  jobs.emplace_back(Job("a", "alice", core::JobState::kCompleted, 0, 100));      // ran 100, oldest
  jobs.emplace_back(Job("b", "alice", core::JobState::kTimeout, 200, 500));      // ran 300
  jobs.emplace_back(Job("r", "alice", core::JobState::kRunning, 2000, std::nullopt));
  jobs.emplace_back(Job("x", "bob", core::JobState::kCancelled, std::nullopt, 50));  // never ran
  core::RuntimeHistory h = RuntimeHistoryOf(jobs);
  EXPECT_EQ(h.Predict(core::UserName("alice")), core::Seconds(600));  // (300 + 900) / 2
  EXPECT_EQ(h.Predict(core::UserName("bob")), std::nullopt);
}

TEST(RuntimeHistoryOfTest, EndedArrayTasksCount) {
  api::JobObject array = Job("arr", "carol", core::JobState::kRunning, 0, std::nullopt);
  array.status.array.emplace();
  api::ArrayTaskRecord done;
  done.index = 1;
  done.state = core::JobState::kFailed;
  done.start_time = T(10);
  done.end_time = T(70);
  api::ArrayTaskRecord running;
  running.index = 2;
  running.start_time = T(10);
  array.status.array->tasks = {done, running};
  std::vector<CycleJob> jobs;
  jobs.emplace_back(array);
  core::RuntimeHistory h = RuntimeHistoryOf(jobs);
  EXPECT_EQ(h.Predict(core::UserName("carol")), core::Seconds(60));
}

}  // namespace
}  // namespace fairway::controllers
