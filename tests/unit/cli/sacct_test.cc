// sacct against what Slurm 22.05 printed for the same jobs (tests/testdata/slurm/sacct.txt):
// --format widths, alignment and truncation, -p/-P, the -S/-E window and --state, errors.
#include "cli/sacct.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>

#include "api/common_types.h"
#include "tests/unit/cli/slurm_recording.h"

namespace fairway::cli {
namespace {

using testing::RecordedOutput;

core::Timestamp T(const std::string& rfc3339) { return *api::ParseRfc3339(rfc3339); }

// Jobs 20 (running) and 21 (completed) of the recording, as Fairway rows at `now`.
std::vector<JobRow> Recorded(core::Timestamp now) {
  JobRow run;
  run.id = "20";
  run.job_id = 20;
  run.name = "run1";
  run.partition = "gpu";
  run.account = "root";
  run.user = "root";
  run.qos = "normal";
  run.state = core::JobState::kRunning;
  run.reason = "None";
  run.submit_time = T("2026-12-07T01:11:17Z");
  run.start_time = T("2026-12-07T01:11:18Z");
  run.elapsed_s = (now - *run.start_time).count();
  run.time_limit = core::Seconds(600);
  run.nodes = 2;
  run.node_list = "gpu[01-02]";
  run.gpus_per_node = 4;
  JobRow done = run;
  done.id = "21";
  done.job_id = 21;
  done.name = "short1";
  done.state = core::JobState::kCompleted;
  done.end_time = T("2026-12-07T01:11:38Z");
  done.elapsed_s = 20;
  done.time_limit = core::Seconds(180);
  done.nodes = 1;
  done.node_list = "gpu03";
  done.exit_code = 0;
  return {run, done};
}

class SacctTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC", 1);  // the lab recorded in UTC
    tzset();
  }
  static std::string Render(const std::vector<JobRow>& rows, const std::string& format,
                            PrintOptions print = {}) {
    auto columns = ParseSacctFormat(format);
    EXPECT_TRUE(columns.ok()) << columns.status();
    return columns.ok() ? RenderSacct(rows, *columns, print) : "";
  }
};

TEST_F(SacctTest, FormatMatchesSlurm) {
  const core::Timestamp now = T("2026-12-07T01:12:40Z");  // run1 had run 1:22
  const std::string format =
      "JobID,JobName%20,State,ExitCode,Start,End,Elapsed,NNodes,NodeList,User,Timelimit";
  EXPECT_EQ(Render(Recorded(now), format),
            RecordedOutput("sacct.txt", "sacct -a -X -j 20,21 --format=" + format));
}

TEST_F(SacctTest, WidthsCutWithPlusExceptDates) {
  const core::Timestamp now = T("2026-12-07T01:12:40Z");
  PrintOptions print;
  print.header = false;
  std::string recorded = RecordedOutput(
      "sacct.txt", "sacct -a -X -S now-10minutes -o JobID%5,JobName%3,State%4,Start%8,End -n");
  std::string ours;  // the recording's lines of jobs 20 and 21
  for (const std::string& line : {std::string("   20 "), std::string("   21 ")}) {
    size_t at = recorded.find(line);
    ASSERT_NE(at, std::string::npos);
    ours += recorded.substr(at, recorded.find('\n', at) + 1 - at);
  }
  EXPECT_EQ(Render(Recorded(now), "JobID%5,JobName%3,State%4,Start%8,End", print), ours);
}

TEST_F(SacctTest, ParsableOutputs) {
  std::vector<JobRow> rows = {Recorded(T("2026-12-07T01:12:40Z"))[1]};
  PrintOptions p;
  p.mode = PrintMode::kParsable;
  EXPECT_EQ(Render(rows, "JobID,JobName,State,ExitCode", p),
            RecordedOutput("sacct.txt", "sacct -a -X -j 21 -p -o JobID,JobName,State,ExitCode"));
  p.mode = PrintMode::kParsable2;
  EXPECT_EQ(Render(rows, "JobID,JobName,State,ExitCode", p),
            RecordedOutput("sacct.txt", "sacct -a -X -j 21 -P -o JobID,JobName,State,ExitCode"));
}

TEST_F(SacctTest, BadFieldAndTimeInSlurmsWords) {
  auto bad = ParseSacctFormat("JobID,Frobnicate");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ("sacct: error: " + bad.status().message() + "\n",
            RecordedOutput("sacct.txt", "sacct -a -X -o JobID,Frobnicate"));
  SacctWindowInput in;
  in.now = T("2026-12-07T01:12:40Z");
  in.start_text = "bogus";
  auto w = MakeSacctWindow(in);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().message() + "\n", RecordedOutput("sacct.txt", "sacct -a -X -S bogus"));
  EXPECT_EQ(ParseSacctFormat("jobid,JOBNAME%4")->at(1).field.width, 4);  // any case
}

// Job ids a window selects among 11 (ended 01:11:13), 20 (running), 21 (ended 01:11:38) and 23
// (never ran, cancelled 01:11:51).
std::vector<uint64_t> Selected(const SacctWindowInput& in) {
  std::vector<JobRow> rows = Recorded(in.now);
  JobRow early = rows[1];
  early.job_id = 11;
  early.state = core::JobState::kCancelled;
  early.start_time.reset();
  early.submit_time = T("2026-12-07T01:09:00Z");
  early.end_time = T("2026-12-07T01:11:13Z");
  JobRow never = early;
  never.job_id = 23;
  never.submit_time = T("2026-12-07T01:11:23Z");
  never.end_time = T("2026-12-07T01:11:51Z");
  rows.push_back(early);
  rows.push_back(never);
  auto w = MakeSacctWindow(in);
  EXPECT_TRUE(w.ok()) << w.status();
  std::vector<uint64_t> ids;
  for (const JobRow& r : rows) {
    if (w.ok() && SacctSelects(r, *w)) ids.push_back(r.job_id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST_F(SacctTest, WindowSelectsJobsThatExistedInIt) {
  SacctWindowInput in;
  in.now = T("2026-12-07T01:13:00Z");
  in.start_text = "2026-12-07T01:11:30";
  in.end_text = "2026-12-07T01:11:35";
  // Slurm listed 20, 21, 23 (and others not modelled here), not 11.
  EXPECT_EQ(Selected(in), (std::vector<uint64_t>{20, 21, 23}));
  in.start_text = "now-10minutes";
  in.end_text.reset();
  EXPECT_EQ(Selected(in), (std::vector<uint64_t>{11, 20, 21, 23}));
}

TEST_F(SacctTest, StateSelectsWhatWasInThatStateDuringTheWindow) {
  SacctWindowInput in;
  in.now = T("2026-12-07T01:13:00Z");
  in.start_text = "now-10minutes";
  in.end_text = "now";
  in.states = {core::JobState::kRunning};
  EXPECT_EQ(Selected(in), (std::vector<uint64_t>{20, 21}));  // 21 ran, then completed
  in.states = {core::JobState::kCompleted};
  EXPECT_EQ(Selected(in), (std::vector<uint64_t>{21}));
  in.states = {core::JobState::kPending};
  EXPECT_EQ(Selected(in), (std::vector<uint64_t>{11, 20, 21, 23}));
  // Without -E (or without both) the window is one instant, as Slurm's: nothing.
  in.end_text.reset();
  in.states = {core::JobState::kCompleted};
  EXPECT_TRUE(Selected(in).empty());
}

TEST_F(SacctTest, JobIdsWindowStartsAtTheEpochAndDefaultIsMidnight) {
  SacctWindowInput in;
  in.now = T("2026-12-07T10:00:00Z");
  EXPECT_EQ(MakeSacctWindow(in)->start, T("2026-12-07T00:00:00Z"));
  EXPECT_EQ(MakeSacctWindow(in)->end, in.now);
  in.job_ids = true;
  EXPECT_EQ(MakeSacctWindow(in)->start, core::Timestamp{});
  in.utc_offset_s = 3600;  // midnight local = 23:00 UTC the day before
  in.job_ids = false;
  EXPECT_EQ(MakeSacctWindow(in)->start, T("2026-12-06T23:00:00Z"));
}

TEST_F(SacctTest, TimesOfDayAreInThePast) {
  SacctWindowInput in;
  in.now = T("2026-12-07T10:00:00Z");
  in.start_text = "08:00";
  EXPECT_EQ(MakeSacctWindow(in)->start, T("2026-12-07T08:00:00Z"));
  in.now = T("2026-12-07T07:00:00Z");
  EXPECT_EQ(MakeSacctWindow(in)->start, T("2026-12-06T08:00:00Z"));
  in.start_text = "now-7days";
  EXPECT_EQ(MakeSacctWindow(in)->start, T("2026-11-30T07:00:00Z"));
}

}  // namespace
}  // namespace fairway::cli
