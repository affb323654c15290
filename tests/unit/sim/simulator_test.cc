#include "sim/simulator.h"

#include <gtest/gtest.h>

#include <map>

#include "sim/builtin_scenario.h"
#include "sim/sim_report.h"
#include "sim/swf_reader.h"
#include "sim/workload.h"
#include "tests/unit/sim/sim_test_util.h"

namespace fairway::sim {
namespace {

SimOptions FairwayOptions() {
  SimOptions options;
  options.config.priority.weights.age = 2500;
  options.config.priority.weights.fair_share = 1000;
  options.config.priority.weights.job_size = 1000;
  options.config.priority.favor_small = true;
  return options;
}

TEST(SimulatorTest, SameInputGivesByteIdenticalReports) {
  Workload w = BuiltinGpuScenario();
  SimOptions options = FairwayOptions();
  StatusOr<SimResult> a = RunSimulation(w, options);
  StatusOr<SimResult> b = RunSimulation(w, options);
  ASSERT_TRUE(a.ok() && b.ok());
  SimReport ra = BuildReport(w, *a, "fairway");
  SimReport rb = BuildReport(w, *b, "fairway");
  EXPECT_EQ(FormatReportJson(ra), FormatReportJson(rb));
  EXPECT_EQ(FormatReportText(ra), FormatReportText(rb));
  EXPECT_EQ(FormatReportSvg(ra, *a), FormatReportSvg(rb, *b));
  ASSERT_EQ(a->jobs.size(), b->jobs.size());
  for (size_t i = 0; i < a->jobs.size(); ++i) {
    EXPECT_EQ(a->jobs[i].id, b->jobs[i].id);
    EXPECT_EQ(a->jobs[i].start_s, b->jobs[i].start_s);
  }
}

TEST(SimulatorTest, EveryJobRunsOnceAndNeverBeforeItArrives) {
  Workload w = BuiltinGpuScenario();
  StatusOr<SimResult> r = RunSimulation(w, FairwayOptions());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->jobs.size(), w.jobs.size());
  EXPECT_EQ(r->never_started, 0);
  for (const JobOutcome& j : r->jobs) {
    EXPECT_GE(j.start_s, j.submit_s);
    EXPECT_EQ(j.end_s - j.start_s, j.run_s);
  }
  // Never more GPUs busy than the cluster has.
  for (const TimeSample& s : r->samples) EXPECT_LE(s.busy, 16 * 8);
}

TEST(SimulatorTest, FairShareFavoursTheAccountBelowItsShare) {
  Workload w = BuiltinGpuScenario();
  SimOptions fifo;  // all weights 0
  SimOptions fair = FairwayOptions();
  fair.config.priority.weights.fair_share = 20000;
  StatusOr<SimResult> a = RunSimulation(w, fifo);
  StatusOr<SimResult> b = RunSimulation(w, fair);
  ASSERT_TRUE(a.ok() && b.ok());
  SimReport ra = BuildReport(w, *a, "fifo");
  SimReport rb = BuildReport(w, *b, "fair");
  // biology has 1 of 3 shares but submits 37 % of the GPU demand; physics (2 of 3) is below
  // its share, so fair share makes physics wait less relative to biology than FIFO does.
  auto wait_of = [](const SimReport& r, const std::string& account) {
    for (const AccountReport& x : r.accounts) {
      if (x.account == account) return x.mean_wait_s;
    }
    return -1.0;
  };
  EXPECT_GT(wait_of(rb, "biology") / wait_of(rb, "physics"),
            2 * (wait_of(ra, "biology") / wait_of(ra, "physics")));
}

TEST(WorkloadTest, JobsLargerThanTheClusterAreReportedNotDropped) {
  StatusOr<SwfTrace> trace = ParseSwfText(
      "; MaxNodes: 4\n"
      "1 0 -1 100 2 -1 -1 2 200 -1 1 7 3 -1 -1 -1 -1 -1\n"
      "2 5 -1 100 8 -1 -1 8 200 -1 1 7 3 -1 -1 -1 -1 -1\n"
      "3 9 -1 0 1 -1 -1 1 200 -1 1 7 3 -1 -1 -1 -1 -1\n",
      "inline.swf");
  ASSERT_TRUE(trace.ok()) << trace.status();
  StatusOr<Workload> w = WorkloadFromSwf(*trace);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_EQ(w->jobs.size(), 1u);  // job 3 ran 0 s: nothing to replay
  ASSERT_EQ(w->impossible.size(), 1u);
  EXPECT_EQ(w->impossible[0].id, 2u);
  EXPECT_EQ(w->impossible[0].line, 3);
  EXPECT_NE(w->impossible[0].why.find("needs 8 node(s)"), std::string::npos);
}

TEST(WorkloadTest, TraceWithoutMachineSizeIsAnError) {
  StatusOr<SwfTrace> trace =
      ParseSwfText("1 0 -1 100 2 -1 -1 2 200 -1 1 7 3 -1 -1 -1 -1 -1\n", "nosize.swf");
  ASSERT_TRUE(trace.ok());
  StatusOr<Workload> w = WorkloadFromSwf(*trace);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("MaxNodes"), std::string::npos);
}

// backfill.runtimePrediction in a replay: the simulator records each ended job's run time, so
// the planner plans with the user's history. Two processors; the user's first two jobs ran
// 100 s against limits of 10,000 s. Job 3 runs 200-1200; "wide" (both processors, from 210)
// and a 1-processor filler (from 220) follow. With limits the filler backfills at once (it ends
// long before job 3's limit) and pushes wide to the filler's end; with predictions job 3 is
// expected to end soon, so the filler would delay wide and waits, and wide starts at 1200.
TEST(SimulatorTest, RuntimePredictionPlansWithTheUsersHistory) {
  StatusOr<SwfTrace> trace = ParseSwfText(
      "; MaxNodes: 2\n; MaxProcs: 2\n" + testing::SwfJobLine(1, 0, 100, 1, 10000) +
          testing::SwfJobLine(2, 0, 100, 1, 10000) + testing::SwfJobLine(3, 200, 1000, 1, 10000) +
          testing::SwfJobLine(4, 210, 100, 2, 10000) + testing::SwfJobLine(5, 220, 5000, 1, 5000),
      "predict.swf");
  ASSERT_TRUE(trace.ok()) << trace.status();
  StatusOr<Workload> w = WorkloadFromSwf(*trace);
  ASSERT_TRUE(w.ok()) << w.status();
  auto starts = [&](core::RuntimePrediction prediction) {
    SimOptions options;
    options.config.backfill.interval = core::Seconds(1);
    options.config.backfill.runtime_prediction = prediction;
    StatusOr<SimResult> r = RunSimulation(*w, options);
    EXPECT_TRUE(r.ok());
    std::map<uint64_t, int64_t> by_id;
    for (const JobOutcome& j : r->jobs) {
      by_id[j.id] = j.start_s;
      EXPECT_EQ(j.end_s - j.start_s, j.run_s);  // nothing ends at its prediction
    }
    return by_id;
  };
  std::map<uint64_t, int64_t> off = starts(core::RuntimePrediction::kOff);
  EXPECT_EQ(off[5], 220);
  EXPECT_EQ(off[4], 5220);
  std::map<uint64_t, int64_t> on = starts(core::RuntimePrediction::kUserHistory);
  EXPECT_EQ(on[4], 1200);
  EXPECT_EQ(on[5], 1300);
}

}  // namespace
}  // namespace fairway::sim
