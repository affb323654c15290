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

TEST(LogTest, ParsesLevels) {
  LogLevel level;
  EXPECT_TRUE(ParseLogLevel("warn", &level));
  EXPECT_EQ(level, LogLevel::kWarn);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
}

}  // namespace
}  // namespace fairway
