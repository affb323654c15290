#include "common/log.h"

#include <gtest/gtest.h>

namespace fairway {
namespace {

class CaptureSink : public LogSink {
 public:
  void Write(const LogRecord& record) override { lines.push_back(FormatLogfmt(record)); }
  std::vector<std::string> lines;
};

TEST(LogTest, WritesLogfmtWithQuotingAndLevelFilter) {
  auto sink = std::make_shared<CaptureSink>();
  SetLogSink(sink);
  SetLogLevel(LogLevel::kInfo);
  Logger logger("scheduler");
  FAIRWAY_LOG(logger, kDebug, "hidden");
  FAIRWAY_LOG(logger, kInfo, "cycle done", {{"cycle", 12}, {"job", "ns/a b"}, {"ok", true}});
  SetLogSink(nullptr);
  ASSERT_EQ(sink->lines.size(), 1u);
  EXPECT_EQ(sink->lines[0],
            "level=info logger=scheduler msg=\"cycle done\" cycle=12 job=\"ns/a b\" ok=true");
}

TEST(LogTest, WithPutsContextFieldsFirstOnEveryRecord) {
  auto sink = std::make_shared<CaptureSink>();
  SetLogSink(sink);
  SetLogLevel(LogLevel::kInfo);
  Logger base("controllers");
  Logger cycle = base.With({{"cycle", 7}});
  FAIRWAY_LOG(cycle, kInfo, "job started", {{"job", "ns/a"}});
  FAIRWAY_LOG(base, kInfo, "idle");
  SetLogSink(nullptr);
  ASSERT_EQ(sink->lines.size(), 2u);
  EXPECT_EQ(sink->lines[0], "level=info logger=controllers msg=\"job started\" cycle=7 job=ns/a");
  EXPECT_EQ(sink->lines[1], "level=info logger=controllers msg=idle");
}

TEST(LogTest, ParsesLevels) {
  LogLevel level;
  EXPECT_TRUE(ParseLogLevel("warn", &level));
  EXPECT_EQ(level, LogLevel::kWarn);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
}

}  // namespace
}  // namespace fairway
