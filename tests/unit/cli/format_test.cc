// Slurm formatting: widths and alignment, durations, host lists, array index strings, squeue
// rows for jobs and arrays, sinfo node states.
#include "cli/format.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "cli/sinfo.h"
#include "cli/squeue.h"

namespace fairway::cli {
namespace {

core::Timestamp T(int64_t s) { return core::Timestamp(core::Seconds(s)); }

TEST(FormatTest, Cells) {
  auto f = ParseFormat("%.18i %-5P|%j%%");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 4u);
  EXPECT_TRUE((*f)[0].right);
  EXPECT_EQ((*f)[0].width, 18);
  EXPECT_EQ(FormatCell((*f)[0], "123"), std::string(15, ' ') + "123");
  EXPECT_EQ(FormatCell((*f)[1], "partition"), "parti");
  EXPECT_EQ(FormatCell((*f)[1], "gpu"), "gpu  ");
  EXPECT_EQ((*f)[3].literal, "%");
  EXPECT_FALSE(ParseFormat("%.18").ok());
  EXPECT_EQ(RenderTable(*f, {"JOBID", "PARTITION", "NAME"}, {{"1", "gpu", "x"}}, true),
            "             JOBID PARTI|NAME%\n                 1 gpu  |x%\n");
  auto autow = ParseFormat("%#P|");
  EXPECT_EQ(RenderTable(*autow, {"PARTITION"}, {{"a"}}, true), "PARTITION|\na        |\n");
}

TEST(FormatTest, Durations) {
  EXPECT_EQ(FormatDuration(0), "0:00");
  EXPECT_EQ(FormatDuration(307), "5:07");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(FormatDuration(86400), "1-00:00:00");
  EXPECT_EQ(FormatLimit(std::nullopt, "infinite"), "infinite");
  EXPECT_EQ(FormatLimit(core::Seconds(3600), "x"), "1:00:00");
}

TEST(FormatTest, HostLists) {
  EXPECT_EQ(CompressHostList({"gpu03", "gpu01", "gpu02", "gpu07"}), "gpu[01-03,07]");
  EXPECT_EQ(CompressHostList({"gpu-node-0"}), "gpu-node-0");
  EXPECT_EQ(CompressHostList(SplitList("n9,n10,login")), "login,n[9-10]");
}

TEST(FormatTest, ArrayIndices) {
  EXPECT_EQ(FormatArrayIndices({1, 3, 5, 6, 7, 8, 9}), "1,3,5-9");
  EXPECT_EQ(FormatArrayIndices({0, 4, 8, 12, 16, 20}), "0-20:4");
  EXPECT_EQ(FormatArrayIndices({0, 2, 4}), "0,2,4");
  std::vector<uint32_t> many;
  for (uint32_t i = 0; i < 100; i += 3) many.push_back(i), many.push_back(i + 1);
  std::string s = FormatArrayIndices(many);
  EXPECT_EQ(s.size(), 64u);
  EXPECT_EQ(s.substr(61), "...");
}

api::JobObject Job(const std::string& name, uint64_t id, core::JobState state) {
  api::JobObject j;
  j.meta.name = name;
  j.meta.namespace_name = "default";
  j.spec.partition = "gpu";
  j.spec.user = "alice";
  j.spec.account = "physics";
  j.spec.time_limit = "1:00:00";
  j.spec.resources.gpus = 2;
  j.status.job_id = id;
  j.status.state = state;
  return j;
}

TEST(SqueueTest, RowsArraysAndOrder) {
  setenv("TZ", "UTC", 1);
  core::Timestamp now = T(10'000);
  api::JobObject run = Job("run", 10, core::JobState::kRunning);
  run.status.start_time = T(10'000 - 3723);
  run.status.node_list = "gpu02,gpu01";
  run.status.priority = 5;
  api::JobObject pend = Job("a-very-long-name", 11, core::JobState::kPending);
  pend.status.reason = "Priority";
  pend.status.priority = 900;
  api::JobObject pend2 = Job("pend2", 12, core::JobState::kPending);
  pend2.status.reason = "Resources";
  pend2.status.priority = 1000;
  api::JobObject arr = Job("sweep", 20, core::JobState::kRunning);
  arr.spec.array = "0-9%2";
  arr.status.reason = "JobArrayTaskLimit";
  arr.status.priority = 10;
  api::ArrayStatus as;
  as.task_count = 10;
  as.indices[core::JobState::kPending] = "4-9";
  as.indices[core::JobState::kCompleted] = "0-1";
  as.indices[core::JobState::kRunning] = "2-3";
  api::ArrayTaskRecord t2;
  t2.index = 2;
  t2.job_id = 21;
  t2.node_list = "gpu03";
  t2.start_time = T(10'000 - 60);
  api::ArrayTaskRecord t3 = t2;
  t3.index = 3;
  t3.job_id = 22;
  as.tasks = {t2, t3};
  arr.status.array = as;
  api::JobObject done = Job("done", 9, core::JobState::kCompleted);

  std::vector<JobRow> rows = BuildJobRows({run, pend, pend2, arr, done}, now, false);
  SortSqueue(&rows);
  auto text = RenderSqueue(rows, kSqueueDefaultFormat, true, now);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text,
            "             JOBID PARTITION     NAME     USER ST       TIME  NODES NODELIST(REASON)\n"
            "                12       gpu    pend2    alice PD       0:00      1 (Resources)\n"
            "                11       gpu a-very-l    alice PD       0:00      1 (Priority)\n"
            "        20_[4-9%2]       gpu    sweep    alice PD       0:00      1 (JobArrayTaskLimit)\n"
            "              20_2       gpu    sweep    alice  R       1:00      1 gpu03\n"
            "              20_3       gpu    sweep    alice  R       1:00      1 gpu03\n"
            "                10       gpu      run    alice  R    1:02:03      1 gpu[01-02]\n");

  JobFilter f;
  f.job_ids = {"20_3"};
  int n = 0;
  for (const JobRow& r : rows) n += MatchesFilter(r, f);
  EXPECT_EQ(n, 1);
  f.job_ids = {"20"};
  n = 0;
  for (const JobRow& r : rows) n += MatchesFilter(r, f);
  EXPECT_EQ(n, 3);

  auto all = BuildJobRows({arr, done}, now, true);
  EXPECT_EQ(all.size(), 6u);  // 2 running + 2 completed tasks + meta + done

  auto custom = RenderSqueue(rows, "%i|%T|%l|%b|%a|%Q", false, now);
  ASSERT_TRUE(custom.ok());
  EXPECT_NE(custom->find("12|PENDING|1:00:00|gres/gpu:2|physics|1000\n"), std::string::npos);
  EXPECT_FALSE(RenderSqueue(rows, "%z", true, now).ok());
  EXPECT_TRUE(ParseStateList("pd,RUNNING").ok());
  EXPECT_EQ(ParseStateList("all")->size(), 10u);
  EXPECT_FALSE(ParseStateList("bogus").ok());
}

TEST(SinfoTest, NodeStates) {
  NodeInfo n;
  n.gpus_total = 8;
  EXPECT_EQ(n.State(), "idle");
  n.gpus_alloc = 4;
  EXPECT_EQ(n.State(), "mix");
  n.gpus_alloc = 8;
  EXPECT_EQ(n.State(), "alloc");
  n.cordoned = true;
  n.running_pods = 1;
  EXPECT_EQ(n.State(), "drng");
  n.running_pods = 0;
  EXPECT_EQ(n.State(), "drain");
  n.ready = false;
  EXPECT_EQ(n.State(), "down");
}

}  // namespace
}  // namespace fairway::cli
