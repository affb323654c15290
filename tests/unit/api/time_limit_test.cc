#include "api/time_limit.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::IsParseError;

struct ValidCase {
  std::string input;
  std::optional<core::Seconds> want;  // nullopt = unlimited
};

struct InvalidCase {
  std::string input;
  std::string message;  // substring of the error message
};

TEST(TimeLimitTest, AcceptsEverySlurmForm) {
  const std::vector<ValidCase> cases = {
      {"30", minutes(30)},
      {"1", minutes(1)},
      {"90:30", minutes(91)},
      {"1:00", minutes(1)},
      {"2:00:00", hours(2)},
      {"1:30:00", minutes(90)},
      {"1-0", days(1)},
      {"1-12", days(1) + hours(12)},
      {"1-12:30", days(1) + hours(12) + minutes(30)},
      {"1-12:30:00", days(1) + hours(12) + minutes(30)},
      {"7-00:00:00", days(7)},
      {"02:05", minutes(3)},
      {"0001", minutes(1)},
      {" 45 ", minutes(45)},
      {"\t45\n", minutes(45)},
      {"4294967294", minutes(kMaxTimeLimitMinutes)},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<TimeLimit> got = ParseTimeLimit(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->limit, c.want);
  }
}

TEST(TimeLimitTest, UnlimitedSpellingsAndZeroMeanNoLimit) {
  for (const char* input : {"UNLIMITED", "unlimited", "Unlimited", "INFINITE", "infinite", "-1",
                            "0", "00", "0:00", "0:0:0", "0-0", "0-0:0:0", " -1 "}) {
    SCOPED_TRACE(input);
    StatusOr<TimeLimit> got = ParseTimeLimit(input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(got->unlimited());
  }
}

TEST(TimeLimitTest, RoundsSecondsUpToMinutes) {
  const std::vector<ValidCase> cases = {
      {"90:30", minutes(91)},
      {"0:01", minutes(1)},
      {"0:59", minutes(1)},
      {"0:60", minutes(1)},
      {"0:61", minutes(2)},
      {"1:00:01", minutes(61)},
      {"1-0:0:1", days(1) + minutes(1)},
      {"0:0:1", minutes(1)},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<TimeLimit> got = ParseTimeLimit(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->limit, c.want);
  }
}

TEST(TimeLimitTest, FieldsAfterTheFirstAreNotRangeCheckedLikeSlurm) {
  const std::vector<ValidCase> cases = {
      {"0:90:00", minutes(90)},
      {"1-25", days(2) + hours(1)},
      {"0:0:120", minutes(2)},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<TimeLimit> got = ParseTimeLimit(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->limit, c.want);
  }
}

TEST(TimeLimitTest, RejectsMalformedInput) {
  const std::vector<InvalidCase> cases = {
      {"", "empty"},
      {"   ", "empty"},
      {"-5", "negative or missing day count"},
      {"-", "negative or missing day count"},
      {"--1", "negative or missing day count"},
      {"-1:00", "negative or missing day count"},
      {"abc", "is not a non-negative number"},
      {"10x", "is not a non-negative number"},
      {"1.5", "is not a non-negative number"},
      {"+5", "is not a non-negative number"},
      {"0x10", "is not a non-negative number"},
      {"1e3", "is not a non-negative number"},
      {"1 2", "is not a non-negative number"},
      {"UNLIMITEDx", "is not a non-negative number"},
      {"unlimit", "is not a non-negative number"},
      {"1-", "missing hours"},
      {":5", "empty field"},
      {"5:", "empty field"},
      {"1::2", "empty field"},
      {":", "empty field"},
      {"1-:30", "empty field"},
      {"1:2:3:4", "too many"},
      {"1-2:3:4:5", "too many"},
      {"1-2-3", "is not a non-negative number"},
      {"x-1", "day count \"x\" is not a non-negative number"},
      {"1- 2", "is not a non-negative number"},
      {"99999999999999999999999", "too large"},
      {"4294967295", "too large"},
      {"3000000-0", "too large"},
      {"99999999999:00:00", "too large"},
      {"1-99999999999999", "too large"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<TimeLimit> got = ParseTimeLimit(c.input);
    EXPECT_TRUE(IsParseError(got.status(), c.message));
  }
}

TEST(TimeLimitTest, ErrorMessageNamesInputAndAcceptedForms) {
  Status s = ParseTimeLimit("1::2").status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("\"1::2\""), std::string::npos) << s;
  EXPECT_NE(s.message().find("M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, UNLIMITED"), std::string::npos)
      << s;
}

TEST(TimeLimitTest, ErrorMessageEscapesControlBytes) {
  Status s = ParseTimeLimit(std::string("1\x01\xff", 3)).status();
  EXPECT_NE(s.message().find("\\x01\\xff"), std::string::npos) << s;
}

TEST(TimeLimitTest, FormatsLikeSlurm) {
  const std::vector<std::pair<std::optional<core::Seconds>, std::string>> cases = {
      {std::nullopt, "UNLIMITED"},
      {minutes(30), "30:00"},
      {minutes(91), "1:31:00"},
      {hours(2), "2:00:00"},
      {days(1) + hours(12), "1-12:00:00"},
      {days(7), "7-00:00:00"},
  };
  for (const auto& [limit, want] : cases) {
    EXPECT_EQ(FormatTimeLimit(limit), want);
  }
}

TEST(TimeLimitTest, FormatThenParseRoundTrips) {
  for (const char* input :
       {"UNLIMITED", "1", "59", "61", "90:30", "23:59:59", "1-0", "3-04:05:06", "365-00:00:00"}) {
    SCOPED_TRACE(input);
    StatusOr<TimeLimit> first = ParseTimeLimit(input);
    ASSERT_TRUE(first.ok()) << first.status();
    StatusOr<TimeLimit> second = ParseTimeLimit(FormatTimeLimit(first->limit));
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_EQ(*first, *second);
  }
}

}  // namespace
}  // namespace fairway::api
