#include "api/begin_time.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

namespace chr = std::chrono;
using testing::IsParseError;
using testing::StatusIs;

// A UTC instant from calendar fields.
core::Timestamp At(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return core::Timestamp(chr::sys_days(chr::year{y} / chr::month{mo} / chr::day{d}) +
                         chr::hours(h) + chr::minutes(mi) + chr::seconds(s));
}

// Monday 2025-03-10 14:30:00 UTC.
const core::Timestamp kNow = At(2025, 3, 10, 14, 30, 0);

struct ValidCase {
  std::string input;
  core::Timestamp want;
};

struct InvalidCase {
  std::string input;
  std::string message;
};

void ExpectParses(const std::vector<ValidCase>& cases, int utc_offset_s = 0) {
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<core::Timestamp> got = ParseBeginTime(c.input, kNow, utc_offset_s);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, c.want) << "got " << got->time_since_epoch().count() << " want "
                            << c.want.time_since_epoch().count();
  }
}

TEST(BeginTimeTest, TimeOfDayIsTodayWhenAheadElseTomorrow) {
  ExpectParses({
      {"16:00", At(2025, 3, 10, 16, 0)},
      {"16:00:30", At(2025, 3, 10, 16, 0, 30)},
      {"9:05", At(2025, 3, 11, 9, 5)},
      {"09:05", At(2025, 3, 11, 9, 5)},
      {"14:00", At(2025, 3, 11, 14, 0)},
      {"14:30", At(2025, 3, 11, 14, 30)},  // exactly now: not ahead, so tomorrow
      {"14:30:01", At(2025, 3, 10, 14, 30, 1)},
      {"23:59:59", At(2025, 3, 10, 23, 59, 59)},
      {"0:00", At(2025, 3, 11, 0, 0)},
      {"  16:00  ", At(2025, 3, 10, 16, 0)},
  });
}

TEST(BeginTimeTest, AcceptsAmPmSuffix) {
  ExpectParses({
      {"4:00pm", At(2025, 3, 10, 16, 0)},
      {"4:00 PM", At(2025, 3, 10, 16, 0)},
      {"4:00PM", At(2025, 3, 10, 16, 0)},
      {"4:00:15 pm", At(2025, 3, 10, 16, 0, 15)},
      {"9:05AM", At(2025, 3, 11, 9, 5)},
      {"12:00am", At(2025, 3, 11, 0, 0)},
      {"12:15pm", At(2025, 3, 11, 12, 15)},
      {"11:59 pm", At(2025, 3, 10, 23, 59)},
      {"0:30am", At(2025, 3, 11, 0, 30)},
  });
}

TEST(BeginTimeTest, NamedTimesAreNextOccurrence) {
  ExpectParses({
      {"midnight", At(2025, 3, 11, 0, 0)},
      {"noon", At(2025, 3, 11, 12, 0)},
      {"elevenses", At(2025, 3, 11, 11, 0)},
      {"fika", At(2025, 3, 10, 15, 0)},
      {"teatime", At(2025, 3, 10, 16, 0)},
      {"TEATIME", At(2025, 3, 10, 16, 0)},
      {"Noon", At(2025, 3, 11, 12, 0)},
  });
}

TEST(BeginTimeTest, TodayAndTomorrowWithOptionalTime) {
  ExpectParses({
      {"today", At(2025, 3, 10)},
      {"tomorrow", At(2025, 3, 11)},
      {"Tomorrow", At(2025, 3, 11)},
      {"tomorrow noon", At(2025, 3, 11, 12, 0)},
      {"noon tomorrow", At(2025, 3, 11, 12, 0)},
      {"today 16:00", At(2025, 3, 10, 16, 0)},
      {"today 10:00", At(2025, 3, 10, 10, 0)},  // explicit day: kept even though past
      {"today teatime", At(2025, 3, 10, 16, 0)},
      {"tomorrowT10:00", At(2025, 3, 11, 10, 0)},
      {"10:00 tomorrow", At(2025, 3, 11, 10, 0)},
      {"tomorrow   4:30pm", At(2025, 3, 11, 16, 30)},
  });
}

TEST(BeginTimeTest, NowWithOffsetsAndUnits) {
  ExpectParses({
      {"now", kNow},
      {"NOW", kNow},
      {"now+0", kNow},
      {"now+60", kNow + chr::seconds(60)},
      {"now+90s", kNow + chr::seconds(90)},
      {"now+10sec", kNow + chr::seconds(10)},
      {"now+10secs", kNow + chr::seconds(10)},
      {"now+1second", kNow + chr::seconds(1)},
      {"now+5seconds", kNow + chr::seconds(5)},
      {"now+5min", kNow + chr::minutes(5)},
      {"now+5mins", kNow + chr::minutes(5)},
      {"now+1minute", kNow + chr::minutes(1)},
      {"now+5minutes", kNow + chr::minutes(5)},
      {"now+1h", kNow + chr::hours(1)},
      {"now+1hr", kNow + chr::hours(1)},
      {"now+1hour", kNow + chr::hours(1)},
      {"now+2hours", kNow + chr::hours(2)},
      {"NOW+1HOUR", kNow + chr::hours(1)},
      {"now+1d", kNow + chr::days(1)},
      {"now+1day", kNow + chr::days(1)},
      {"now+3days", kNow + chr::days(3)},
      {"now+1w", kNow + chr::weeks(1)},
      {"now+1week", kNow + chr::weeks(1)},
      {"now+2weeks", kNow + chr::weeks(2)},
      {"now-30min", kNow - chr::minutes(30)},
      {"now-1day", kNow - chr::days(1)},
      {"now + 2 hours", kNow + chr::hours(2)},
      {" now +2hours ", kNow + chr::hours(2)},
  });
}

TEST(BeginTimeTest, IsoDatesWithOptionalTime) {
  ExpectParses({
      {"2025-04-01", At(2025, 4, 1)},
      {"2025-4-1", At(2025, 4, 1)},
      {"2025-04-01T10:00", At(2025, 4, 1, 10, 0)},
      {"2025-04-01t10:00", At(2025, 4, 1, 10, 0)},
      {"2025-04-01T10:00:30", At(2025, 4, 1, 10, 0, 30)},
      {"2025-04-01 10:00", At(2025, 4, 1, 10, 0)},
      {"2025-04-01-10:00", At(2025, 4, 1, 10, 0)},
      {"2025-04-01T4:00pm", At(2025, 4, 1, 16, 0)},
      {"2025-04-01Tnoon", At(2025, 4, 1, 12, 0)},
      {"2024-02-29", At(2024, 2, 29)},
      {"2020-01-01", At(2020, 1, 1)},  // past dates are fine: eligible at once
      {"9999-12-31T23:59:59", At(9999, 12, 31, 23, 59, 59)},
  });
}

TEST(BeginTimeTest, SlurmShortDates) {
  ExpectParses({
      {"040125", At(2025, 4, 1)},
      {"0401", At(2025, 4, 1)},
      {"0301", At(2026, 3, 1)},   // already past this year: next year
      {"0310", At(2026, 3, 10)},  // today 00:00 is past: next year
      {"0311", At(2025, 3, 11)},
      {"04/01", At(2025, 4, 1)},
      {"4/1", At(2025, 4, 1)},
      {"04/01/25", At(2025, 4, 1)},
      {"4/1/25", At(2025, 4, 1)},
      {"04.01.25", At(2025, 4, 1)},
      {"04.01", At(2025, 4, 1)},
      {"12/31/99", At(2099, 12, 31)},
      {"04/01-10:00", At(2025, 4, 1, 10, 0)},
      {"04/01/25-10:00:05", At(2025, 4, 1, 10, 0, 5)},
      {"04/01 teatime", At(2025, 4, 1, 16, 0)},
      {"02/29", At(2028, 2, 29)},               // next Feb 29
      {"03/10-15:00", At(2025, 3, 10, 15, 0)},  // today, still ahead
  });
}

TEST(BeginTimeTest, LocalTimeIsUtcPlusOffset) {
  // UTC+1: local now is 15:30.
  ExpectParses(
      {
          {"16:00", At(2025, 3, 10, 15, 0)},
          {"15:00", At(2025, 3, 11, 14, 0)},
          {"today", At(2025, 3, 9, 23, 0)},
          {"2025-04-01T10:00", At(2025, 4, 1, 9, 0)},
          {"now+1hour", At(2025, 3, 10, 15, 30)},  // relative: offset does not matter
      },
      3600);
  // UTC-16h: local now is 2025-03-09 22:30, so "today" is the 9th.
  ExpectParses(
      {
          {"today", At(2025, 3, 9, 16, 0)},
          {"23:00", At(2025, 3, 10, 15, 0)},
          {"midnight", At(2025, 3, 10, 16, 0)},
      },
      -16 * 3600);
}

TEST(BeginTimeTest, RejectsImpossibleDatesAndTimes) {
  const std::vector<InvalidCase> cases = {
      {"2025-02-30", "no such date"},
      {"2025-02-29", "no such date"},
      {"2025-04-31", "no such date"},
      {"2025-13-01", "month 13 is out of range 1-12"},
      {"2025-00-10", "month 0 is out of range"},
      {"2025-01-32", "day 32 is out of range 1-31"},
      {"2025-01-00", "day 0 is out of range"},
      {"13/01", "month 13"},
      {"02/30", "no such date"},
      {"1301", "month 13"},
      {"043125", "no such date"},
      {"25:00", "hour 25 is out of range 0-23"},
      {"24:00", "hour 24"},
      {"12:60", "minute 60 is out of range 0-59"},
      {"12:30:61", "second 61 is out of range 0-59"},
      {"13:00pm", "hour 13 is out of range 0-12 with PM"},
      {"13:00 am", "out of range 0-12 with AM"},
      {"2025-04-01T25:00", "hour 25"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_TRUE(IsParseError(ParseBeginTime(c.input, kNow).status(), c.message));
  }
}

TEST(BeginTimeTest, RejectsMalformedInput) {
  const std::vector<InvalidCase> cases = {
      {"", "empty"},
      {"   ", "empty"},
      {"garbage", "unknown word \"garbage\""},
      {"tea", "unknown word"},
      {"todays", "unexpected \"s\" after \"today\""},
      {"teatimes", "unexpected"},
      {"16:00 extra", "unknown word \"extra\""},
      {"-5", "unexpected \"-\""},
      {"+1", "unexpected"},
      {"1:5", "minutes must have exactly 2 digits"},
      {"1:555", "minutes must have exactly 2 digits"},
      {"123:00", "unrecognized date"},
      {"12:", "minutes must have exactly 2 digits"},
      {"12:30:", "seconds must have exactly 2 digits"},
      {"12:30:5", "seconds must have exactly 2 digits"},
      {"12345", "unrecognized date"},
      {"1234567", "unrecognized date"},
      {"2025", "month 20 is out of range"},  // read as MMDD
      {"2025-04", "expected '-' after the month"},
      {"2025-04-", "day must have 1 or 2 digits"},
      {"2025-004-01", "month must have 1 or 2 digits"},
      {"2025-04-001", "day must have 1 or 2 digits"},
      {"2025-04-01x", "unexpected"},
      {"2025-04-01T", "missing time of day"},
      {"2025-04-01T2025-04-02", "expected a time of day after the separator"},
      {"2025-04-01Tfoo", "unknown word \"foo\""},
      {"04/01/2025", "year must have exactly 2 digits"},
      {"04/01/5", "year must have exactly 2 digits"},
      {"04/", "day must have 1 or 2 digits"},
      {"04/01.25", "unexpected"},
      {"noon noon", "more than one time of day"},
      {"16:00 noon", "more than one time of day"},
      {"today tomorrow", "more than one date"},
      {"2025-04-01 04/02", "more than one date"},
      {"noon-16:00", "unexpected"},
      {"now+", "expected a number after \"now+\""},
      {"now-", "expected a number after \"now-\""},
      {"now+abc", "expected a number"},
      {"now*5", "expected '+' or '-' after \"now\""},
      {"nowhere", "expected '+' or '-'"},
      {"now+5fortnights", "unknown unit \"fortnights\""},
      {"now+5m", "unknown unit \"m\""},
      {"now+5 hours later", "unexpected"},
      {"now+1hour tomorrow", "unexpected"},
      {"now+1.5hours", "unexpected"},
      {"now+-5", "expected a number"},
      {"tomorrow now", "\"now\" cannot be combined"},
      {"now+99999999999999999999", "offset too large"},
      {"now+9999999999999weeks", "offset too large"},
      {"now-99999999999days", "offset too large"},
      {"now+300000000000", "offset too large"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_TRUE(IsParseError(ParseBeginTime(c.input, kNow).status(), c.message));
  }
}

TEST(BeginTimeTest, RejectsUnreasonableUtcOffsetAndNow) {
  EXPECT_TRUE(StatusIs(ParseBeginTime("noon", kNow, 27 * 3600).status(),
                       StatusCode::kInvalidArgument, "invalid UTC offset"));
  EXPECT_TRUE(StatusIs(ParseBeginTime("noon", kNow, -27 * 3600).status(),
                       StatusCode::kInvalidArgument, "invalid UTC offset"));
  const core::Timestamp far_future{core::Seconds(INT64_MAX / 2)};
  EXPECT_TRUE(StatusIs(ParseBeginTime("noon", far_future).status(), StatusCode::kInvalidArgument,
                       "outside years 1-9999"));
}

TEST(BeginTimeTest, ResultAtTheEndOfTheCalendarIsRejected) {
  const core::Timestamp late = At(9999, 12, 31, 23, 0, 0);
  EXPECT_TRUE(IsParseError(ParseBeginTime("midnight", late).status(), "outside years 1-9999"));
  EXPECT_TRUE(IsParseError(ParseBeginTime("now+2hours", late).status(), "offset too large"));
}

}  // namespace
}  // namespace fairway::api
