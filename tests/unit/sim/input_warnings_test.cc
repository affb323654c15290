// Input warnings of SWF workloads and the RLScheduler protocol's window cut (workload.h,
// windows.h).
#include <gtest/gtest.h>

#include "sim/windows.h"
#include "sim/workload.h"
#include "tests/unit/sim/sim_test_util.h"

namespace fairway::sim {
namespace {

using testing::SwfJobLine;
Workload Load(const std::string& text) {
  StatusOr<SwfTrace> trace = ParseSwfText(text, "t.swf");
  EXPECT_TRUE(trace.ok()) << trace.status();
  StatusOr<Workload> w = WorkloadFromSwf(*trace);
  EXPECT_TRUE(w.ok()) << w.status();
  return *w;
}

TEST(InputWarningsTest, SuspiciousRecordsAreWarnedWithTheirLines) {
  Workload w =
      Load("; MaxNodes: 4\n" + SwfJobLine(1, 0, -5, 1, 100) + SwfJobLine(2, -3, 10, 1, 100) +
           SwfJobLine(3, 5, 500, 1, 100) + SwfJobLine(4, 6, -1, 1, 100));
  ASSERT_EQ(w.warnings.size(), 3u);  // run time -1 (unknown) is no warning
  EXPECT_EQ(w.warnings[0].kind, InputWarningKind::kNegativeRunTime);
  EXPECT_EQ(w.warnings[0].line, 2);
  EXPECT_EQ(w.warnings[1].kind, InputWarningKind::kNegativeSubmitTime);
  EXPECT_EQ(w.warnings[1].line, 3);
  EXPECT_EQ(w.warnings[2].kind, InputWarningKind::kRunBeyondLimit);
  EXPECT_EQ(w.warnings[2].line, 4);
  EXPECT_NE(w.warnings[2].what.find("500 s"), std::string::npos) << w.warnings[2].what;
  InputWarningCounts counts = CountWarnings(w.warnings);
  EXPECT_EQ(counts.negative_run_time, 1);
  EXPECT_EQ(counts.negative_submit_time, 1);
  EXPECT_EQ(counts.run_beyond_limit, 1);
}

TEST(InputWarningsTest, WindowsAreCutAtTheProtocolsPositions) {
  // Job 3 needs 8 processors on a 4-node machine: it can never run, yet it holds a position
  // of the protocol's list, so the window [0, 4) has jobs 1, 2 and 4, not 1, 2, 4 and 5.
  Workload w = Load("; MaxNodes: 4\n" + SwfJobLine(1, 0, 10, 1, 10) + SwfJobLine(2, 1, 10, 1, 10) +
                    SwfJobLine(3, 2, 10, 8, 10) + SwfJobLine(4, 3, 10, 1, 10) +
                    SwfJobLine(5, 4, 1000, 4, 1000));
  ASSERT_EQ(w.impossible.size(), 1u);
  const int64_t starts[] = {0};
  StatusOr<WindowsResult> r = RunPolicyWindows(w, SimOptions{}, starts, 4);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->windows.size(), 1u);
  EXPECT_EQ(r->windows[0].left_out, 1);
  EXPECT_EQ(r->left_out, 1);
  // Jobs 1, 2, 4 never wait: slowdown 1. With job 5 (1000 s on all 4 nodes) it would not be 1.
  EXPECT_DOUBLE_EQ(r->windows[0].avg_bounded_slowdown, 1.0);
  EXPECT_TRUE(testing::StatusIs(RunPolicyWindows(w, SimOptions{}, starts, 6).status(),
                                StatusCode::kOutOfRange, "outside the 5 jobs"));
}

}  // namespace
}  // namespace fairway::sim
