// Slurm time limits (`--time`, partition MaxTime/DefaultTime): parsing and formatting.
//
// Accepted forms (slurm-semantics.md §6), each field a non-negative decimal number:
//   M        minutes                 "90"
//   M:S      minutes and seconds     "90:30"
//   H:M:S    hours, minutes, seconds "2:00:00"
//   D-H      days and hours          "1-12"
//   D-H:M    ... and minutes         "1-12:30"
//   D-H:M:S  ... and seconds         "1-12:30:15"
//   UNLIMITED, INFINITE (any case), -1, or any spec whose total is 0  -> no limit
// Like Slurm, only the layout is checked, not field ranges: "0:90:00" is 90 minutes. Slurm keeps
// limits in whole minutes, so seconds round UP ("90:30" -> 91 minutes, "0:01" -> 1 minute).
// Surrounding whitespace is ignored.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "core/types.h"

namespace fairway::api {

// The largest limit Slurm can represent: INFINITE is 0xffffffff minutes, so one less.
inline constexpr int64_t kMaxTimeLimitMinutes = 0xfffffffeLL;

struct TimeLimit {
  // Always a whole, positive number of minutes; nullopt means no limit.
  std::optional<core::Seconds> limit;

  bool unlimited() const { return !limit.has_value(); }
  bool operator==(const TimeLimit&) const = default;
};

// Parses a Slurm time limit. Errors are kInvalidArgument and name the accepted forms.
[[nodiscard]] StatusOr<TimeLimit> ParseTimeLimit(std::string_view text);

// "UNLIMITED" for nullopt, else Slurm's duration form: "30:00", "2:00:00", "1-12:00:00".
std::string FormatTimeLimit(std::optional<core::Seconds> limit);

}  // namespace fairway::api
