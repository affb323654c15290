#include "sim/philly_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include "tests/unit/sim/sim_test_util.h"

namespace fairway::sim {
namespace {

using testing::StatusIs;
using testing::TempPath;
using testing::TestdataPath;
using testing::TracePath;
using testing::WriteGzip;

TEST(PhillyReaderTest, ConvertsTimestampsToUnixSecondsUtc) {
  struct Case {
    const char* text;
    int64_t unix_s;
  };
  const Case cases[] = {
      {"1970-01-01 00:00:00", 0},          {"1969-12-31 23:59:59", -1},
      {"2000-02-29 23:59:59", 951868799},  // leap day
      {"2017-10-09 07:01:55", 1507532515}, {"2017-10-09T07:01:55", 1507532515},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    StatusOr<std::chrono::sys_seconds> t = ParseUtcTimestamp(c.text);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->time_since_epoch().count(), c.unix_s);
  }
}

TEST(PhillyReaderTest, RejectsMalformedTimestamps) {
  for (const char* text :
       {"2017-02-29 00:00:00", "2017-13-01 00:00:00", "2017-10-09 24:00:00", "2017-10-09 07:60:00",
        "2017-10-9 07:01:55", "2017-10-09 07:01:5x", "", "2017-10-09 07:01:55Z"}) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(StatusIs(ParseUtcTimestamp(text).status(), StatusCode::kInvalidArgument));
  }
}

TEST(PhillyReaderTest, ParsesFixture) {
  StatusOr<PhillyTrace> trace = ReadPhillyCsv(TestdataPath("philly_small.csv"));
  ASSERT_TRUE(trace.ok()) << trace.status();
  ASSERT_EQ(trace->jobs.size(), 2u);
  const PhillyJob& first = trace->jobs[0];
  EXPECT_EQ(first.submit_unix_s(), 1507532515);
  EXPECT_DOUBLE_EQ(first.duration_s, 66.0);
  EXPECT_EQ(first.num_gpus, 1);
  EXPECT_DOUBLE_EQ(first.gpu_time_s, 66.0);
  EXPECT_EQ(first.cluster, "11cb48");
  EXPECT_EQ(first.line_number, 2);
  EXPECT_EQ(trace->jobs[1].num_gpus, 4);
  EXPECT_EQ(trace->jobs[1].cluster, "6214e9");
}

TEST(PhillyReaderTest, ReadsGzipCompressedCsv) {
  const std::string path = TempPath(".csv.gz");
  ASSERT_TRUE(WriteGzip(path,
                        "timestamp,duration,num_gpus,gpu_time,cluster\n"
                        "2017-10-09 07:01:55,66.0,1,66.0,11cb48\n"));
  StatusOr<PhillyTrace> trace = ReadPhillyCsv(path);
  ASSERT_TRUE(trace.ok()) << trace.status();
  ASSERT_EQ(trace->jobs.size(), 1u);
  EXPECT_EQ(trace->jobs[0].cluster, "11cb48");
  std::filesystem::remove(path);
}

TEST(PhillyReaderTest, AcceptsColumnsInAnyOrder) {
  StatusOr<PhillyTrace> trace = ParsePhillyCsvText(
      "cluster,num_gpus,timestamp,gpu_time,duration\n6214e9,2,2017-10-09 07:01:55,20,10\n", "t");
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->jobs[0].num_gpus, 2);
  EXPECT_DOUBLE_EQ(trace->jobs[0].duration_s, 10.0);
  EXPECT_EQ(trace->jobs[0].cluster, "6214e9");
}

TEST(PhillyReaderTest, BadTimestampNamesTheLine) {
  StatusOr<PhillyTrace> trace = ReadPhillyCsv(TestdataPath("philly_bad_timestamp.csv"));
  EXPECT_TRUE(StatusIs(trace.status(), StatusCode::kInvalidArgument,
                       "philly_bad_timestamp.csv:3: timestamp out of range"));
}

TEST(PhillyReaderTest, MissingFieldNamesTheLine) {
  StatusOr<PhillyTrace> trace = ReadPhillyCsv(TestdataPath("philly_missing_field.csv"));
  EXPECT_TRUE(StatusIs(trace.status(), StatusCode::kInvalidArgument,
                       "philly_missing_field.csv:4: expected 5 fields, got 4"));
}

TEST(PhillyReaderTest, RejectsBadValues) {
  const std::string header = "timestamp,duration,num_gpus,gpu_time,cluster\n";
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {header + "2017-10-09 07:01:55,abc,1,66.0,c\n", "t:2: duration is not"},
      {header + "2017-10-09 07:01:55,-5,1,66.0,c\n", "t:2: duration is not"},
      {header + "2017-10-09 07:01:55,66,1.5,66.0,c\n", "t:2: num_gpus is not"},
      {header + "2017-10-09 07:01:55,66,1,,c\n", "t:2: gpu_time is not"},
      {header + "2017-10-09 07:01:55,66,1,66,\n", "t:2: cluster is empty"},
      {"timestamp,duration,gpus,gpu_time,cluster\n", "t:1: header lacks column 'num_gpus'"},
      {"", "t: empty file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_TRUE(
        StatusIs(ParsePhillyCsvText(c.text, "t").status(), StatusCode::kInvalidArgument, c.error));
  }
}

TEST(PhillyReaderTest, MissingFileIsNotFound) {
  EXPECT_TRUE(StatusIs(ReadPhillyCsv(TestdataPath("nope.csv")).status(), StatusCode::kNotFound));
}

TEST(PhillyReaderTest, ReadsTheShippedTrace) {
  FAIRWAY_REQUIRE_TRACE("philly.csv");
  StatusOr<PhillyTrace> trace = ReadPhillyCsv(TracePath("philly.csv"));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->jobs.size(), 82247u);
  std::set<std::string> clusters;
  for (const PhillyJob& job : trace->jobs) {
    clusters.insert(job.cluster);
  }
  EXPECT_EQ(clusters.size(), 15u);
  EXPECT_EQ(trace->jobs[0].submit_unix_s(), 1507532515);
}

}  // namespace
}  // namespace fairway::sim
