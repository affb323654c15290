// Slurm `--begin` times: parsing into an absolute timestamp.
//
// Accepted forms (slurm-semantics.md §6; words are case-insensitive; surrounding whitespace is
// ignored):
//   HH:MM[:SS] [AM|PM]       today at that time, tomorrow if it is not after `now`
//   midnight, noon, elevenses (11:00), fika (15:00), teatime (16:00)
//                            the next occurrence, as above
//   today, tomorrow          00:00 of that day
//   now                      `now`
//   now+N[unit], now-N[unit] unit one of seconds|minutes|hours|days|weeks, singular, or
//                            s|sec|secs, min|mins, h|hr|hrs, d, w; default seconds;
//                            spaces around the sign and the unit are allowed ("now + 2 hours")
//   YYYY-MM-DD               00:00 of that date
//   MMDD[YY], MM/DD[/YY], MM.DD[.YY]
//                            that date (YY is 20YY); without a year, the next such date
//   A date or today/tomorrow may be followed by a time of day, separated by 'T', '-' or
//   whitespace: "2025-03-01T10:00", "03/01-10:00", "tomorrow noon", "today 4:30pm".
//   A time of day may also come first: "10:00 tomorrow".
//
// Local time is UTC + `utc_offset_s` (a fixed offset; no time zone database is read). Dates must
// exist (2025-02-30 and month 13 are rejected), hours are 0-23, minutes and seconds 0-59.
//
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "common/status.h"
#include "core/types.h"

namespace fairway::api {

// Largest accepted |utc_offset_s|: 26 hours covers every real zone (UTC-12 .. UTC+14).
inline constexpr int kMaxUtcOffsetSeconds = 26 * 3600;

// Parses a Slurm begin time relative to `now`. Errors are kInvalidArgument and list the
// accepted forms.
[[nodiscard]] StatusOr<core::Timestamp> ParseBeginTime(std::string_view text, core::Timestamp now,
                                                       int utc_offset_s = 0);

}  // namespace fairway::api
