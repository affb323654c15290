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

// Interactive sessions have their own gauge beside fairway_jobs; it follows the same rules (a
// state no session is in reads 0, a deleted partition's series go).
TEST(PrometheusMetricsTest, InteractiveSessionsAreCountedSeparately) {
  PrometheusMetrics m;
  m.SetLiveObjects({"gpu", "old"}, {});
  m.SetJobs({{{"RUNNING", "gpu"}, 3}});
  m.SetInteractiveJobs({{{"RUNNING", "gpu"}, 1}, {{"PENDING", "old"}, 2}});
  std::string text = m.Render();
  EXPECT_TRUE(Has(text, "# TYPE fairway_interactive_jobs gauge")) << text;
  EXPECT_TRUE(Has(text, "fairway_jobs{partition=\"gpu\",state=\"RUNNING\"} 3")) << text;
  EXPECT_TRUE(Has(text, "fairway_interactive_jobs{partition=\"gpu\",state=\"RUNNING\"} 1")) << text;
  m.SetLiveObjects({"gpu"}, {});
  m.SetInteractiveJobs({});
  text = m.Render();
  EXPECT_TRUE(Has(text, "fairway_interactive_jobs{partition=\"gpu\",state=\"RUNNING\"} 0")) << text;
  EXPECT_EQ(text.find("\"old\""), std::string::npos) << text;
}

// Pending jobs by partition and reason: a reason no job has any more reads 0; the series of a
// deleted partition go.
TEST(PrometheusMetricsTest, PendingByPartitionAndReason) {
  PrometheusMetrics m;
  m.SetLiveObjects({"gpu", "old"}, {});
  m.SetPendingReasons({{{"gpu", "Resources"}, 3}, {{"old", "Priority"}, 2}});
  m.SetPendingReasons({{{"gpu", "Priority"}, 1}});
  m.SetLiveObjects({"gpu"}, {});
  const std::string text = m.Render();
  EXPECT_TRUE(Has(text, "fairway_pending_jobs{partition=\"gpu\",reason=\"Resources\"} 0")) << text;
  EXPECT_TRUE(Has(text, "fairway_pending_jobs{partition=\"gpu\",reason=\"Priority\"} 1")) << text;
  EXPECT_EQ(text.find("\"old\""), std::string::npos) << text;
}

TEST(PrometheusMetricsTest, OldestPendingPerPartitionDropsToZero) {
  PrometheusMetrics m;
  m.SetLiveObjects({"gpu", "debug"}, {});
  m.SetOldestPending({{"gpu", 7200}, {"debug", 30}});
  m.SetOldestPending({{"gpu", 7260}});
  const std::string text = m.Render();
  EXPECT_TRUE(Has(text, "fairway_oldest_pending_job_seconds{partition=\"gpu\"} 7260")) << text;
  EXPECT_TRUE(Has(text, "fairway_oldest_pending_job_seconds{partition=\"debug\"} 0")) << text;
}

// Every phase has a series before its first cycle (dashboards show them at 0), and observations
// land in their phase only.
TEST(PrometheusMetricsTest, CyclePhasesAreHistogramsByPhase) {
  PrometheusMetrics m;
  std::string text = m.Render();
  for (const char* phase : controllers::kCyclePhases) {
    EXPECT_TRUE(
        Has(text, std::string("fairway_scheduler_cycle_phase_duration_seconds_count{phase=\"") +
                      phase + "\"} 0"))
        << phase << "\n"
        << text;
  }
  m.ObserveCyclePhase("schedule", 0.003);
  text = m.Render();
  EXPECT_TRUE(
      Has(text, "fairway_scheduler_cycle_phase_duration_seconds_count{phase=\"schedule\"} 1"))
      << text;
  EXPECT_TRUE(Has(
      text,
      "fairway_scheduler_cycle_phase_duration_seconds_bucket{phase=\"schedule\",le=\"0.005\"} 1"))
      << text;
  EXPECT_TRUE(Has(text, "fairway_scheduler_cycle_phase_duration_seconds_count{phase=\"load\"} 0"))
      << text;
}

// A family without series yet (bind failures happen only on errors) is still announced.
TEST(PrometheusMetricsTest, FamiliesWithoutSeriesAreAnnounced) {
  PrometheusMetrics m;
  std::string text = m.Render();
  EXPECT_TRUE(Has(text, "# TYPE fairway_bind_failures_total counter")) << text;
  EXPECT_TRUE(Has(text, "# TYPE fairway_job_queue_wait_seconds histogram")) << text;
  m.BindFailed("Aborted");
  text = m.Render();
  EXPECT_EQ(text.find("# TYPE fairway_bind_failures_total"),
            text.rfind("# TYPE fairway_bind_failures_total"))
      << "announced twice:\n"
      << text;
  EXPECT_TRUE(Has(text, "fairway_bind_failures_total{reason=\"Aborted\"} 1")) << text;
}

TEST(PrometheusMetricsTest, CreateToBoundIsAHistogram) {
  PrometheusMetrics m;
  m.ObserveCreateToBound(1);
  m.ObserveCreateToBound(90);
  const std::string text = m.Render();
  EXPECT_TRUE(Has(text, "fairway_job_create_to_bound_seconds_count 2")) << text;
  EXPECT_TRUE(Has(text, "fairway_job_create_to_bound_seconds_sum 91")) << text;
  EXPECT_TRUE(Has(text, "fairway_job_create_to_bound_seconds_bucket{le=\"1\"} 1")) << text;
  EXPECT_TRUE(Has(text, "fairway_job_create_to_bound_seconds_bucket{le=\"120\"} 2")) << text;
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
