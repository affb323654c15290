#include "api/begin_time.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "api/internal/parse_util.h"
#include "common/status_macros.h"

namespace fairway::api {
namespace {

namespace chr = std::chrono;
using internal::IsAlpha;
using internal::IsDigit;
using internal::IsSpace;
using internal::Quote;

constexpr std::string_view kAcceptedForms =
    "accepted forms: HH:MM[:SS] [AM|PM], midnight, noon, elevenses, fika, teatime, today, "
    "tomorrow, now, now+N[seconds|minutes|hours|days|weeks], now-N[unit], "
    "YYYY-MM-DD[THH:MM[:SS]], MMDD[YY], MM/DD[/YY], MM.DD[.YY], optionally a date followed by "
    "a time";

// Timestamps outside [0001-01-01, 9999-12-31] are rejected so that calendar conversions stay in
// the range std::chrono::year handles exactly.
constexpr int64_t kMinSeconds = -62135596800LL;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxSeconds = 253402300799LL;  // 9999-12-31T23:59:59Z

Status BeginError(std::string_view text, std::string_view what) {
  return InvalidArgumentError("invalid begin time " + Quote(text) + ": " + std::string(what) +
                              " (" + std::string(kAcceptedForms) + ")");
}

bool InRange(int64_t s) { return s >= kMinSeconds && s <= kMaxSeconds; }

struct TimeOfDay {
  int hour = 0;
  int minute = 0;
  int second = 0;
  int64_t seconds() const { return hour * 3600 + minute * 60 + second; }
};

// A calendar date as written. `year` is absent for MMDD, MM/DD and MM.DD without a year;
// `relative_days` is set for today (0) and tomorrow (1).
struct DatePart {
  std::optional<int> relative_days;
  std::optional<int> year;
  unsigned month = 0;
  unsigned day = 0;
};

// Case-insensitive "does `text` start at `pos` with `word`".
bool StartsWithWord(std::string_view text, size_t pos, std::string_view word) {
  if (text.size() - pos < word.size()) {
    return false;
  }
  return internal::EqualsIgnoreCase(text.substr(pos, word.size()), word);
}

// Number of consecutive decimal digits starting at `pos` (0 if none).
size_t DigitRun(std::string_view text, size_t pos) {
  size_t n = 0;
  while (pos + n < text.size() && IsDigit(text[pos + n])) {
    ++n;
  }
  return n;
}

int DigitsValue(std::string_view digits) {
  int v = 0;
  for (char c : digits) {
    v = v * 10 + (c - '0');
  }
  return v;
}

class BeginTimeParser {
 public:
  BeginTimeParser(std::string_view raw, std::string_view text) : raw_(raw), text_(text) {}

  // Parses a sequence of date and time-of-day components; fills date_ and time_.
  Status ParseComponents() {
    bool expect_time = false;  // after a 'T' or '-' separator
    while (true) {
      size_t start = pos_;
      bool was_date = false;
      if (pos_ < text_.size() && IsDigit(text_[pos_])) {
        bool is_clock =
            (pos_ + 1 < text_.size() && text_[pos_ + 1] == ':') ||
            (pos_ + 2 < text_.size() && IsDigit(text_[pos_ + 1]) && text_[pos_ + 2] == ':');
        if (is_clock) {
          FAIRWAY_RETURN_IF_ERROR(ParseClock());
        } else {
          if (expect_time) {
            return BeginError(raw_, "expected a time of day after the separator, got a date");
          }
          FAIRWAY_RETURN_IF_ERROR(ParseDate());
          was_date = true;
        }
      } else if (pos_ < text_.size() && IsAlpha(text_[pos_])) {
        FAIRWAY_RETURN_IF_ERROR(ParseWord(was_date));
      } else {
        return BeginError(raw_, "unexpected " + Quote(text_.substr(pos_, 1)) + " at position " +
                                    std::to_string(pos_));
      }
      expect_time = false;
      if (pos_ == text_.size()) {
        return OkStatus();
      }
      char c = text_[pos_];
      if (was_date && (c == 'T' || c == 't' || c == '-')) {
        ++pos_;
        expect_time = true;
        if (pos_ == text_.size()) {
          return BeginError(raw_, "missing time of day after " + Quote(text_.substr(start)));
        }
        continue;
      }
      if (!IsSpace(c)) {
        return BeginError(raw_, "unexpected " + Quote(text_.substr(pos_)) + " after " +
                                    Quote(text_.substr(start, pos_ - start)));
      }
      while (pos_ < text_.size() && IsSpace(text_[pos_])) {
        ++pos_;
      }
    }
  }

  const std::optional<DatePart>& date() const { return date_; }
  const std::optional<TimeOfDay>& time() const { return time_; }

 private:
  Status SetTime(TimeOfDay t) {
    if (time_) {
      return BeginError(raw_, "more than one time of day");
    }
    time_ = t;
    return OkStatus();
  }

  Status SetDate(DatePart d) {
    if (date_) {
      return BeginError(raw_, "more than one date");
    }
    date_ = d;
    return OkStatus();
  }

  // today, tomorrow, midnight, noon, elevenses, fika, teatime.
  Status ParseWord(bool& was_date) {
    struct Named {
      std::string_view word;
      int hour;
    };
    static constexpr std::array<Named, 5> kNamedTimes = {
        {{"midnight", 0}, {"noon", 12}, {"elevenses", 11}, {"fika", 15}, {"teatime", 16}}};
    for (const Named& n : kNamedTimes) {
      if (StartsWithWord(text_, pos_, n.word)) {
        pos_ += n.word.size();
        return SetTime(TimeOfDay{n.hour, 0, 0});
      }
    }
    if (StartsWithWord(text_, pos_, "tomorrow")) {
      pos_ += 8;
      was_date = true;
      DatePart d;
      d.relative_days = 1;
      return SetDate(d);
    }
    if (StartsWithWord(text_, pos_, "today")) {
      pos_ += 5;
      was_date = true;
      DatePart d;
      d.relative_days = 0;
      return SetDate(d);
    }
    if (StartsWithWord(text_, pos_, "now")) {
      return BeginError(raw_, "\"now\" cannot be combined with a date or time");
    }
    size_t end = pos_;
    while (end < text_.size() && IsAlpha(text_[end])) {
      ++end;
    }
    return BeginError(raw_, "unknown word " + Quote(text_.substr(pos_, end - pos_)));
  }

  // H[H]:MM[:SS] followed by optional whitespace and AM/PM.
  Status ParseClock() {
    size_t hour_len = DigitRun(text_, pos_);
    if (hour_len > 2) {
      return BeginError(raw_, "hour must have 1 or 2 digits");
    }
    int hour = DigitsValue(text_.substr(pos_, hour_len));
    pos_ += hour_len + 1;  // digits and ':'
    size_t minute_len = DigitRun(text_, pos_);
    if (minute_len != 2) {
      return BeginError(raw_, "minutes must have exactly 2 digits (HH:MM)");
    }
    int minute = DigitsValue(text_.substr(pos_, 2));
    pos_ += 2;
    int second = 0;
    if (pos_ < text_.size() && text_[pos_] == ':') {
      ++pos_;
      size_t second_len = DigitRun(text_, pos_);
      if (second_len != 2) {
        return BeginError(raw_, "seconds must have exactly 2 digits (HH:MM:SS)");
      }
      second = DigitsValue(text_.substr(pos_, 2));
      pos_ += 2;
    }
    if (hour > 23) {
      return BeginError(raw_, "hour " + std::to_string(hour) + " is out of range 0-23");
    }
    if (minute > 59) {
      return BeginError(raw_, "minute " + std::to_string(minute) + " is out of range 0-59");
    }
    if (second > 59) {
      return BeginError(raw_, "second " + std::to_string(second) + " is out of range 0-59");
    }
    // Optional AM/PM, possibly after whitespace; it must end the word.
    size_t look = pos_;
    while (look < text_.size() && IsSpace(text_[look])) {
      ++look;
    }
    bool am = StartsWithWord(text_, look, "am");
    bool pm = StartsWithWord(text_, look, "pm");
    if ((am || pm) && (look + 2 == text_.size() || !IsAlpha(text_[look + 2]))) {
      if (hour > 12) {
        return BeginError(raw_, "hour " + std::to_string(hour) + " is out of range 0-12 with " +
                                    (am ? "AM" : "PM"));
      }
      if (am && hour == 12) {
        hour = 0;
      } else if (pm && hour != 12) {
        hour += 12;
      }
      pos_ = look + 2;
    }
    return SetTime(TimeOfDay{hour, minute, second});
  }

  // YYYY-MM-DD, MMDD[YY], MM/DD[/YY], MM.DD[.YY].
  Status ParseDate() {
    size_t run = DigitRun(text_, pos_);
    DatePart d;
    if (run == 4 && pos_ + 4 < text_.size() && text_[pos_ + 4] == '-') {
      // YYYY-M[M]-D[D]
      d.year = DigitsValue(text_.substr(pos_, 4));
      pos_ += 5;
      size_t month_len = DigitRun(text_, pos_);
      if (month_len < 1 || month_len > 2) {
        return BeginError(raw_, "month must have 1 or 2 digits (YYYY-MM-DD)");
      }
      d.month = static_cast<unsigned>(DigitsValue(text_.substr(pos_, month_len)));
      pos_ += month_len;
      if (pos_ >= text_.size() || text_[pos_] != '-') {
        return BeginError(raw_, "expected '-' after the month (YYYY-MM-DD)");
      }
      ++pos_;
      size_t day_len = DigitRun(text_, pos_);
      if (day_len < 1 || day_len > 2) {
        return BeginError(raw_, "day must have 1 or 2 digits (YYYY-MM-DD)");
      }
      d.day = static_cast<unsigned>(DigitsValue(text_.substr(pos_, day_len)));
      pos_ += day_len;
    } else if (run == 4 || run == 6) {
      // MMDD or MMDDYY
      d.month = static_cast<unsigned>(DigitsValue(text_.substr(pos_, 2)));
      d.day = static_cast<unsigned>(DigitsValue(text_.substr(pos_ + 2, 2)));
      if (run == 6) {
        d.year = 2000 + DigitsValue(text_.substr(pos_ + 4, 2));
      }
      pos_ += run;
    } else if ((run == 1 || run == 2) && pos_ + run < text_.size() &&
               (text_[pos_ + run] == '/' || text_[pos_ + run] == '.')) {
      // M[M]/D[D][/YY] or M[M].D[D][.YY]
      char sep = text_[pos_ + run];
      d.month = static_cast<unsigned>(DigitsValue(text_.substr(pos_, run)));
      pos_ += run + 1;
      size_t day_len = DigitRun(text_, pos_);
      if (day_len < 1 || day_len > 2) {
        return BeginError(raw_, std::string("day must have 1 or 2 digits (MM") + sep + "DD)");
      }
      d.day = static_cast<unsigned>(DigitsValue(text_.substr(pos_, day_len)));
      pos_ += day_len;
      if (pos_ < text_.size() && text_[pos_] == sep) {
        ++pos_;
        size_t year_len = DigitRun(text_, pos_);
        if (year_len != 2) {
          return BeginError(
              raw_, std::string("year must have exactly 2 digits (MM") + sep + "DD" + sep + "YY)");
        }
        d.year = 2000 + DigitsValue(text_.substr(pos_, 2));
        pos_ += 2;
      }
    } else {
      return BeginError(raw_, "unrecognized date " + Quote(text_.substr(pos_, run)));
    }
    if (d.month < 1 || d.month > 12) {
      return BeginError(raw_, "month " + std::to_string(d.month) + " is out of range 1-12");
    }
    if (d.day < 1 || d.day > 31) {
      return BeginError(raw_, "day " + std::to_string(d.day) + " is out of range 1-31");
    }
    if (d.year) {
      chr::year_month_day ymd{chr::year{*d.year}, chr::month{d.month}, chr::day{d.day}};
      if (!ymd.ok()) {
        return BeginError(raw_, "no such date (day " + std::to_string(d.day) +
                                    " does not exist in month " + std::to_string(d.month) + " of " +
                                    std::to_string(*d.year) + ")");
      }
    }
    return SetDate(d);
  }

  std::string_view raw_;
  std::string_view text_;
  size_t pos_ = 0;
  std::optional<DatePart> date_;
  std::optional<TimeOfDay> time_;
};

// Seconds per unit name, or nullopt.
std::optional<int64_t> UnitSeconds(std::string_view unit) {
  struct Unit {
    std::string_view name;
    int64_t seconds;
  };
  static constexpr std::array<Unit, 20> kUnits = {{
      {"s", 1},       {"sec", 1},      {"secs", 1},    {"second", 1},    {"seconds", 1},
      {"min", 60},    {"mins", 60},    {"minute", 60}, {"minutes", 60},  {"h", 3600},
      {"hr", 3600},   {"hrs", 3600},   {"hour", 3600}, {"hours", 3600},  {"d", 86400},
      {"day", 86400}, {"days", 86400}, {"w", 604800},  {"week", 604800}, {"weeks", 604800},
  }};
  for (const Unit& u : kUnits) {
    if (internal::EqualsIgnoreCase(unit, u.name)) {
      return u.seconds;
    }
  }
  return std::nullopt;
}

// `rest` is what follows "now": "", "+N[unit]", "-N[unit]", with optional whitespace.
StatusOr<core::Timestamp> ParseNow(std::string_view raw, std::string_view rest,
                                   core::Timestamp now) {
  size_t pos = 0;
  auto skip_space = [&] {
    while (pos < rest.size() && IsSpace(rest[pos])) {
      ++pos;
    }
  };
  skip_space();
  if (pos == rest.size()) {
    return now;
  }
  char sign = rest[pos];
  if (sign != '+' && sign != '-') {
    return BeginError(raw, "expected '+' or '-' after \"now\"");
  }
  ++pos;
  skip_space();
  size_t digits = DigitRun(rest, pos);
  if (digits == 0) {
    return BeginError(raw, std::string("expected a number after \"now") + sign + "\"");
  }
  std::optional<uint64_t> count = internal::ParseDigits(rest.substr(pos, digits));
  pos += digits;
  skip_space();
  size_t unit_start = pos;
  while (pos < rest.size() && IsAlpha(rest[pos])) {
    ++pos;
  }
  std::string_view unit = rest.substr(unit_start, pos - unit_start);
  skip_space();
  if (pos != rest.size()) {
    return BeginError(raw, "unexpected " + Quote(rest.substr(pos)) + " after the offset");
  }
  int64_t unit_s = 1;
  if (!unit.empty()) {
    std::optional<int64_t> u = UnitSeconds(unit);
    if (!u) {
      return BeginError(
          raw, "unknown unit " + Quote(unit) + " (use seconds, minutes, hours, days or weeks)");
    }
    unit_s = *u;
  }
  std::optional<int64_t> delta;
  if (count && *count <= static_cast<uint64_t>(INT64_MAX)) {
    delta = internal::CheckedMul(static_cast<int64_t>(*count), unit_s);
  }
  std::optional<int64_t> result;
  if (delta) {
    result = internal::CheckedAdd(now.time_since_epoch().count(), sign == '+' ? *delta : -*delta);
  }
  if (!result || !InRange(*result)) {
    return BeginError(raw, "offset too large (result must be within years 1-9999)");
  }
  return core::Timestamp(core::Seconds(*result));
}

}  // namespace

StatusOr<core::Timestamp> ParseBeginTime(std::string_view raw, core::Timestamp now,
                                         int utc_offset_s) {
  if (utc_offset_s < -kMaxUtcOffsetSeconds || utc_offset_s > kMaxUtcOffsetSeconds) {
    return InvalidArgumentError("invalid UTC offset " + std::to_string(utc_offset_s) +
                                " s: must be within +-" + std::to_string(kMaxUtcOffsetSeconds) +
                                " s");
  }
  int64_t now_s = now.time_since_epoch().count();
  if (!InRange(now_s) || !InRange(now_s + utc_offset_s)) {
    return InvalidArgumentError("current time is outside years 1-9999; cannot resolve begin time");
  }
  std::string_view text = internal::TrimSpace(raw);
  if (text.empty()) {
    return BeginError(raw, "empty");
  }
  if (StartsWithWord(text, 0, "now")) {
    return ParseNow(raw, text.substr(3), now);
  }

  BeginTimeParser parser(raw, text);
  FAIRWAY_RETURN_IF_ERROR(parser.ParseComponents());

  // All calendar work happens in local time: local = UTC + offset.
  const int64_t local_now_s = now_s + utc_offset_s;
  const chr::sys_seconds local_now{chr::seconds(local_now_s)};
  const chr::sys_days today = chr::floor<chr::days>(local_now);
  const int64_t tod_s = parser.time() ? parser.time()->seconds() : 0;
  const chr::seconds tod{tod_s};

  chr::sys_days day = today;
  if (const std::optional<DatePart>& d = parser.date(); !d) {
    // Time only: today if still ahead, else tomorrow.
    if (today + tod <= local_now) {
      day = today + chr::days(1);
    }
  } else if (d->relative_days) {
    day = today + chr::days(*d->relative_days);
  } else if (d->year) {
    day = chr::sys_days(
        chr::year_month_day{chr::year{*d->year}, chr::month{d->month}, chr::day{d->day}});
  } else {
    // No year: the next occurrence after now (Feb 29 may be up to 8 years away).
    const int this_year = static_cast<int>(chr::year_month_day(today).year());
    bool found = false;
    for (int y = this_year; y <= this_year + 8 && y <= 9999; ++y) {
      chr::year_month_day ymd{chr::year{y}, chr::month{d->month}, chr::day{d->day}};
      if (ymd.ok() && chr::sys_days(ymd) + tod > local_now) {
        day = chr::sys_days(ymd);
        found = true;
        break;
      }
    }
    if (!found) {
      return BeginError(raw, "no such date (day " + std::to_string(d->day) +
                                 " does not exist in month " + std::to_string(d->month) + ")");
    }
  }
  const int64_t result_s = (day + tod).time_since_epoch().count() - utc_offset_s;
  if (!InRange(result_s)) {
    return BeginError(raw, "time is outside years 1-9999");
  }
  return core::Timestamp(core::Seconds(result_s));
}

}  // namespace fairway::api
