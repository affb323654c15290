// The Prometheus binding of OperatorMetrics, read back through its text exposition.
#include "metrics/prometheus_metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace fairway::metrics {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(PrometheusMetricsTest, CompletedJobsAreCountedByFinalState) {
  PrometheusMetrics m;
  m.JobsCompleted("COMPLETED", 3);
  m.JobsCompleted("FAILED", 1);
  m.JobsCompleted("COMPLETED", 2);
  const std::string text = m.Render();
  EXPECT_TRUE(Has(text, "# TYPE fairway_jobs_completed_total counter")) << text;
  EXPECT_TRUE(Has(text, "fairway_jobs_completed_total{state=\"COMPLETED\"} 5")) << text;
  EXPECT_TRUE(Has(text, "fairway_jobs_completed_total{state=\"FAILED\"} 1")) << text;
}

TEST(PrometheusMetricsTest, QueueWaitIsAHistogramPerPartition) {
  PrometheusMetrics m;
  m.ObserveQueueWait("gpu", 12);
  m.ObserveQueueWait("gpu", 700);
  m.ObserveQueueWait("debug", 0.5);
  const std::string text = m.Render();
  EXPECT_TRUE(Has(text, "# TYPE fairway_job_queue_wait_seconds histogram")) << text;
  EXPECT_TRUE(Has(text, "fairway_job_queue_wait_seconds_count{partition=\"gpu\"} 2")) << text;
  EXPECT_TRUE(Has(text, "fairway_job_queue_wait_seconds_sum{partition=\"gpu\"} 712")) << text;
  EXPECT_TRUE(Has(text, "fairway_job_queue_wait_seconds_bucket{partition=\"gpu\",le=\"15\"} 1"))
      << text;
  EXPECT_TRUE(Has(text, "fairway_job_queue_wait_seconds_bucket{partition=\"debug\",le=\"1\"} 1"))
      << text;
}

// A label set that drops out of a gauge family reads 0 while its partition or account exists,
// and goes once the object is deleted; so do the queue waits of a deleted partition.
TEST(PrometheusMetricsTest, SeriesOfDeletedPartitionsAndAccountsAreRemoved) {
  PrometheusMetrics m;
  m.SetLiveObjects({"gpu", "old"}, {"physics", "gone"});
  m.SetJobs({{{"RUNNING", "gpu"}, 2}, {{"RUNNING", "old"}, 1}});
  m.SetGpus({{{"gpu", "a100"}, {8, 2, 6}}, {{"old", "v100"}, {4, 4, 0}}});
  m.SetAccounts({{"physics", {0.5, 100}}, {"gone", {0.1, 10}}});
  m.ObserveQueueWait("old", 3);
  std::string text = m.Render();
  EXPECT_TRUE(Has(text, "fairway_jobs{partition=\"old\",state=\"RUNNING\"} 1")) << text;
  EXPECT_TRUE(Has(text, "fairway_account_usage_gpu_seconds{account=\"gone\"} 10")) << text;

  // Next cycle: partition "old" and account "gone" were deleted; no job runs in "gpu".
  m.SetLiveObjects({"gpu"}, {"physics"});
  m.SetJobs({{{"PENDING", "gpu"}, 1}});
  m.SetGpus({{{"gpu", "a100"}, {8, 0, 8}}});
  m.SetAccounts({{"physics", {0.6, 90}}});
  text = m.Render();
  EXPECT_TRUE(Has(text, "fairway_jobs{partition=\"gpu\",state=\"RUNNING\"} 0")) << text;
  EXPECT_TRUE(Has(text, "fairway_jobs{partition=\"gpu\",state=\"PENDING\"} 1")) << text;
  EXPECT_TRUE(Has(text, "fairway_gpus{gpu_type=\"a100\",partition=\"gpu\",status=\"idle\"} 8"))
      << text;
  EXPECT_EQ(text.find("\"old\""), std::string::npos) << text;
  EXPECT_EQ(text.find("\"gone\""), std::string::npos) << text;
  EXPECT_TRUE(Has(text, "fairway_account_fair_share{account=\"physics\"} 0.6")) << text;
}

// Pending reasons name no object: a reason no job has any more reads 0.
TEST(PrometheusMetricsTest, PendingReasonsDropToZero) {
  PrometheusMetrics m;
  m.SetLiveObjects({}, {});
  m.SetPendingReasons({{"Resources", 3}});
  m.SetPendingReasons({{"Priority", 1}});
  const std::string text = m.Render();
  EXPECT_TRUE(Has(text, "fairway_pending_jobs{reason=\"Resources\"} 0")) << text;
  EXPECT_TRUE(Has(text, "fairway_pending_jobs{reason=\"Priority\"} 1")) << text;
}

TEST(PrometheusMetricsTest, HealthIsLiveButNotReadyUntilChecksAreInstalled) {
  PrometheusMetrics m;
  EXPECT_TRUE(m.Live().ok());
  EXPECT_EQ(m.Ready().code(), StatusCode::kUnavailable);
  m.SetHealthChecks({[] { return UnavailableError("wedged"); }, [] { return OkStatus(); }});
  EXPECT_EQ(m.Live().message(), "wedged");
  EXPECT_TRUE(m.Ready().ok());
  m.SetHealthChecks({});
  EXPECT_TRUE(m.Live().ok());
  EXPECT_EQ(m.Ready().message(), "starting");
}

}  // namespace
}  // namespace fairway::metrics
