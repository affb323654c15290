// Job history over real HTTP: a Job that ends gets one JobRecord, which outlives the Job and a
// controller restart (no second record), and records past the retention are pruned.
#include "controllers/job_history.h"

#include <gtest/gtest.h>

#include "api/common_types.h"
#include "tests/integration/controllers/harness.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;
using testing::Harness;

std::vector<json> Records(kube::ApiClient& client) {
  auto list = client.List(kube::ResourceRef::FairwayJobRecords(), "");
  EXPECT_TRUE(list.ok()) << list.status();
  return list.ok() ? list->items : std::vector<json>{};
}

TEST(JobHistoryTest, EndedJobLeavesOneRecordThatOutlivesIt) {
  Harness h;
  h.Start();
  h.Submit(testing::JobJson("short", 1, 2, 0.2));
  auto done = h.WaitState("short", core::JobState::kCompleted);
  ASSERT_TRUE(done.has_value()) << Harness::StateOf(h.Get("short"));
  ASSERT_TRUE(h.WaitUntil([&] { return Records(*h.client_).size() == 1; }));
  json record = Records(*h.client_)[0];
  EXPECT_EQ(record["metadata"]["name"], done->meta.uid);
  EXPECT_EQ(record["metadata"]["namespace"], "default");
  EXPECT_EQ(record["metadata"]["labels"]["fairway.dev/end-date"],
            api::FormatRfc3339(*done->status.end_time).substr(0, 10));
  const json& job = record["spec"]["job"];
  EXPECT_EQ(job["metadata"]["name"], "short");
  EXPECT_EQ(job["status"]["state"], "COMPLETED");
  EXPECT_EQ(job["status"]["jobID"], done->status.job_id);
  EXPECT_EQ(job["spec"]["user"], "alice");
  EXPECT_FALSE(job["spec"].contains("template"));

  // A new controller (its memory lost) finds the record there and writes no other.
  h.StopController();
  h.StartController();
  h.Submit(testing::JobJson("second", 1, 2, 0.2));
  ASSERT_TRUE(h.WaitState("second", core::JobState::kCompleted).has_value());
  ASSERT_TRUE(h.WaitUntil([&] { return Records(*h.client_).size() == 2; }));
  ASSERT_TRUE(h.client_->Delete(kube::ResourceRef::FairwayJobs(), "default", "short").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a few cycles
  EXPECT_EQ(Records(*h.client_).size(), 2u);
}

TEST(JobHistoryTest, PrunesRecordsPastTheRetention) {
  testing::HarnessOptions o;
  o.start_controller = false;
  Harness h(o);
  h.Start();
  const core::Timestamp now = *api::ParseRfc3339("2026-12-07T10:00:00Z");
  auto add = [&](const std::string& uid, const std::string& ended) {
    json job = testing::JobJson("j-" + uid, 1, 1, 1);
    job["metadata"]["uid"] = uid;
    job["status"] = {{"state", "COMPLETED"}, {"endTime", ended}};
    auto r =
        h.client_->Create(kube::ResourceRef::FairwayJobRecords(), "default", JobRecordFor(job));
    ASSERT_TRUE(r.ok()) << r.status();
  };
  add("old-1", "2026-11-06T23:59:59Z");  // 31 days before today
  add("old-2", "2026-10-01T12:00:00Z");
  add("kept-1", "2026-11-07T00:00:00Z");  // 30 days before today: kept
  add("kept-2", "2026-12-07T09:00:00Z");
  JobHistoryOptions ho;
  ho.retention_days = 30;
  ho.writes_per_cycle = 1;  // one delete per cycle: the pass goes on over cycles
  JobHistory history(h.client_.get(), ho);
  Logger log("test");
  const MonotonicTime t0{};
  history.Update({}, now, t0, log);
  EXPECT_EQ(Records(*h.client_).size(), 3u);
  history.Update({}, now, t0, log);
  std::set<std::string> left;
  for (const json& r : Records(*h.client_)) left.insert(r["metadata"]["name"]);
  EXPECT_EQ(left, (std::set<std::string>{"kept-1", "kept-2"}));
}

}  // namespace
}  // namespace fairway::controllers
