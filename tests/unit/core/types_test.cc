#include "core/types.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace fairway::core {
namespace {

TEST(SlurmDurationTest, ParseReadsWhatFormatWrites) {
  for (int64_t s : {0, 5, 59, 60, 61, 3599, 3600, 3723, 86399, 86400, 90061, 100 * 86400 + 7}) {
    SCOPED_TRACE(s);
    const std::string text = FormatSlurmDuration(Seconds(s));
    EXPECT_EQ(ParseSlurmDuration(text), Seconds(s)) << text;
    EXPECT_EQ(ParseSlurmDuration("-" + text), Seconds(-s));
  }
  EXPECT_EQ(FormatSlurmDuration(Seconds(90061)), "1-01:01:01");
}

TEST(SlurmDurationTest, ParseRejectsOtherText) {
  const std::vector<std::string> bad = {"",      "5",    ":05",    "1:",      "1::05",
                                        "a:05",  "1-05", "1-1:05", "1:2:3:4", "1234567890:00",
                                        "--1:00"};
  for (const std::string& text : bad) {
    EXPECT_EQ(ParseSlurmDuration(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace fairway::core
