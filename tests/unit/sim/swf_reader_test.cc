#include "sim/swf_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/unit/sim/sim_test_util.h"

namespace fairway::sim {
namespace {

using testing::StatusIs;
using testing::TempPath;
using testing::TestdataPath;
using testing::TracePath;
using testing::WriteGzip;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(SwfReaderTest, ParsesHeaderAndRecords) {
  StatusOr<SwfTrace> trace = ReadSwfFile(TestdataPath("small.swf"));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->max_nodes, 8);
  EXPECT_EQ(trace->max_procs, 16);
  ASSERT_EQ(trace->header_comments.size(), 6u);
  EXPECT_EQ(trace->header_comments[2], "; Acknowledge: Fairway tests (keep this notice)");
  ASSERT_EQ(trace->records.size(), 4u);

  const SwfRecord& first = trace->records[0];
  EXPECT_EQ(first.job_number, 1);
  EXPECT_EQ(first.submit_time_s, 0);
  EXPECT_EQ(first.wait_time_s, 5);
  EXPECT_EQ(first.run_time_s, 100);
  EXPECT_EQ(first.allocated_procs, 4);
  EXPECT_DOUBLE_EQ(first.avg_cpu_time_s, 90.5);
  EXPECT_EQ(first.requested_procs, 4);
  EXPECT_EQ(first.requested_time_s, 200);
  EXPECT_EQ(first.status, 1);
  EXPECT_EQ(first.think_time_s, -1);
  EXPECT_EQ(first.line_number, 7);

  // Raw values: the reader neither defaults nor drops (line 8 is blank).
  EXPECT_EQ(trace->records[1].run_time_s, -1);
  EXPECT_EQ(trace->records[1].line_number, 9);
  EXPECT_EQ(trace->records[2].run_time_s, 0);
  EXPECT_EQ(trace->records[3].user_id, 3);
}

TEST(SwfReaderTest, GzipAndPlainGiveTheSameTrace) {
  const std::string text = ReadAll(TestdataPath("small.swf"));
  const std::string gz_path = TempPath(".swf.gz");
  ASSERT_TRUE(WriteGzip(gz_path, text));

  StatusOr<SwfTrace> plain = ReadSwfFile(TestdataPath("small.swf"));
  StatusOr<SwfTrace> gz = ReadSwfFile(gz_path);
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE(gz.ok()) << gz.status();
  EXPECT_EQ(gz->header_comments, plain->header_comments);
  ASSERT_EQ(gz->records.size(), plain->records.size());
  for (size_t i = 0; i < plain->records.size(); ++i) {
    EXPECT_EQ(gz->records[i].job_number, plain->records[i].job_number);
    EXPECT_EQ(gz->records[i].run_time_s, plain->records[i].run_time_s);
    EXPECT_EQ(gz->records[i].line_number, plain->records[i].line_number);
  }
  std::filesystem::remove(gz_path);
}

TEST(SwfReaderTest, TruncatedGzipIsAnErrorNotACrash) {
  std::string text = ReadAll(TestdataPath("small.swf"));
  for (int i = 0; i < 50; ++i) {
    text += std::to_string(100 + i) + " 40 -1 10 1 -1 -1 1 20 -1 1 1 1 1 1 -1 -1 -1\n";
  }
  const std::string gz_path = TempPath(".swf.gz");
  ASSERT_TRUE(WriteGzip(gz_path, text));
  const auto size = std::filesystem::file_size(gz_path);
  std::filesystem::resize_file(gz_path, size / 2);

  StatusOr<SwfTrace> trace = ReadSwfFile(gz_path);
  ASSERT_FALSE(trace.ok());
  EXPECT_TRUE(StatusIs(trace.status(), StatusCode::kInvalidArgument, gz_path + ":"));
  std::filesystem::remove(gz_path);
}

TEST(SwfReaderTest, TruncatedLineNamesFileAndLine) {
  StatusOr<SwfTrace> trace = ReadSwfFile(TestdataPath("truncated_line.swf"));
  ASSERT_FALSE(trace.ok());
  EXPECT_TRUE(StatusIs(trace.status(), StatusCode::kInvalidArgument, "truncated_line.swf:3:"));
  EXPECT_TRUE(StatusIs(trace.status(), StatusCode::kInvalidArgument, "got 13"));
}

TEST(SwfReaderTest, NonNumericFieldNamesLineAndField) {
  StatusOr<SwfTrace> trace = ReadSwfFile(TestdataPath("non_numeric_field.swf"));
  ASSERT_FALSE(trace.ok());
  EXPECT_TRUE(StatusIs(trace.status(), StatusCode::kInvalidArgument,
                       "non_numeric_field.swf:4: field 4 (run time) is not a number: 'abc'"));
}

TEST(SwfReaderTest, MissingFileIsNotFound) {
  StatusOr<SwfTrace> trace = ReadSwfFile(TestdataPath("no_such_trace.swf"));
  EXPECT_TRUE(StatusIs(trace.status(), StatusCode::kNotFound, "no_such_trace.swf"));
}

TEST(SwfReaderTest, RejectsMalformedLines) {
  struct Case {
    const char* name;
    std::string text;
    std::string error;
  };
  const std::string ok_line = "1 0 -1 10 1 -1 -1 1 20 -1 1 1 1 1 1 -1 -1 -1\n";
  const Case cases[] = {
      {"too many fields", ok_line + "2 0 -1 10 1 -1 -1 1 20 -1 1 1 1 1 1 -1 -1 -1 7\n",
       "t:2: expected 18 fields, got 19"},
      {"fractional integer field", ok_line + "2 0 -1 10.5 1 -1 -1 1 20 -1 1 1 1 1 1 -1 -1 -1\n",
       "t:2: field 4 (run time) is not an integer"},
      {"nan", "1 0 -1 nan 1 -1 -1 1 20 -1 1 1 1 1 1 -1 -1 -1\n", "t:1: field 4"},
      {"trailing garbage", "1 0 -1 10x 1 -1 -1 1 20 -1 1 1 1 1 1 -1 -1 -1\n", "t:1: field 4"},
      {"bad MaxNodes", "; MaxNodes: lots\n" + ok_line, "t:1: MaxNodes header"},
      {"zero MaxProcs", "; MaxProcs: 0\n" + ok_line, "t:1: MaxProcs header"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<SwfTrace> trace = ParseSwfText(c.text, "t");
    EXPECT_TRUE(StatusIs(trace.status(), StatusCode::kInvalidArgument, c.error));
  }
}

TEST(SwfReaderTest, AcceptsCrlfTabsIntegralDecimalsAndMissingFinalNewline) {
  StatusOr<SwfTrace> trace = ParseSwfText(
      "; MaxNodes: 4\r\n1\t0 -1 10.0 1 2.25 -1 1 20 -1 1 1 1 1 1 -1 -1 -1\r\n"
      "2 5 -1 10 1 -1 -1 1 20 -1 1 1 1 1 1 -1 -1 -1",
      "t");
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->header_comments[0], "; MaxNodes: 4");
  ASSERT_EQ(trace->records.size(), 2u);
  EXPECT_EQ(trace->records[0].run_time_s, 10);
  EXPECT_DOUBLE_EQ(trace->records[0].avg_cpu_time_s, 2.25);
  EXPECT_EQ(trace->records[1].line_number, 3);
  EXPECT_FALSE(trace->max_procs.has_value());
}

TEST(SwfReaderTest, ReadsSdscSp2WithItsJoblogNotice) {
  FAIRWAY_REQUIRE_TRACE("SDSC-SP2-1998-4.2-cln.swf.gz");
  StatusOr<SwfTrace> trace = ReadSwfFile(TracePath("SDSC-SP2-1998-4.2-cln.swf.gz"));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->records.size(), 59715u);
  EXPECT_EQ(trace->max_nodes, 128);
  EXPECT_EQ(trace->max_procs, 128);
  bool has_notice = false;
  for (const std::string& line : trace->header_comments) {
    has_notice =
        has_notice || line.find("JOBLOG Repository Data Usage Agreement") != std::string::npos;
  }
  EXPECT_TRUE(has_notice);
}

TEST(SwfReaderTest, MissingTraceSaysWhichFileAndWhereTracesComeFrom) {
  std::string message = testing::MissingTrace("no-such-trace.swf");
  EXPECT_NE(message.find(TracePath("no-such-trace.swf")), std::string::npos) << message;
  EXPECT_NE(message.find("README.md section \"Data\""), std::string::npos) << message;
  EXPECT_NE(message.find("FAIRWAY_REQUIRE_DATA"), std::string::npos) << message;
}

TEST(SwfReaderTest, ReadsLublin256) {
  FAIRWAY_REQUIRE_TRACE("lublin_256.swf");
  StatusOr<SwfTrace> trace = ReadSwfFile(TracePath("lublin_256.swf"));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->records.size(), 10000u);
  EXPECT_EQ(trace->max_nodes, 256);
  EXPECT_FALSE(trace->max_procs.has_value());
  EXPECT_EQ(trace->records.front().requested_time_s, -1);
}

}  // namespace
}  // namespace fairway::sim
