#include "api/time_limit.h"

#include <array>
#include <cstdint>

#include "api/internal/parse_util.h"

namespace fairway::api {
namespace {

using internal::Quote;

constexpr std::string_view kAcceptedForms =
    "accepted forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, UNLIMITED, INFINITE, -1 or 0";

Status TimeLimitError(std::string_view text, std::string_view what) {
  return InvalidArgumentError("invalid time limit " + Quote(text) + ": " + std::string(what) +
                              " (" + std::string(kAcceptedForms) + ")");
}

// Splits `text` on ':' into at most 3 fields. Returns false if there are more.
bool SplitColons(std::string_view text, std::array<std::string_view, 3>& fields, size_t& count) {
  count = 0;
  while (true) {
    size_t colon = text.find(':');
    if (count == fields.size()) {
      return false;
    }
    fields[count++] = text.substr(0, colon);
    if (colon == std::string_view::npos) {
      return true;
    }
    text.remove_prefix(colon + 1);
  }
}

}  // namespace

StatusOr<TimeLimit> ParseTimeLimit(std::string_view raw) {
  std::string_view text = internal::TrimSpace(raw);
  if (text.empty()) {
    return TimeLimitError(raw, "empty");
  }
  if (internal::EqualsIgnoreCase(text, "UNLIMITED") ||
      internal::EqualsIgnoreCase(text, "INFINITE") || text == "-1") {
    return TimeLimit{};
  }

  // Optional "D-" prefix.
  std::optional<std::string_view> days_field;
  std::string_view rest = text;
  if (size_t dash = text.find('-'); dash != std::string_view::npos) {
    days_field = text.substr(0, dash);
    rest = text.substr(dash + 1);
    if (days_field->empty()) {
      return TimeLimitError(raw, "negative or missing day count before '-'");
    }
    if (rest.empty()) {
      return TimeLimitError(raw, "missing hours after '-'");
    }
  }

  std::array<std::string_view, 3> fields;
  size_t count = 0;
  if (!SplitColons(rest, fields, count)) {
    return TimeLimitError(raw, "too many ':' separated fields");
  }

  std::array<int64_t, 3> values{};
  for (size_t i = 0; i < count; ++i) {
    if (fields[i].empty()) {
      return TimeLimitError(raw, "empty field");
    }
    if (!internal::AllDigits(fields[i])) {
      return TimeLimitError(raw, "field " + Quote(fields[i]) + " is not a non-negative number");
    }
    std::optional<uint64_t> v = internal::ParseDigits(fields[i]);
    // Any field above the maximum limit in minutes overflows whatever its unit is.
    if (!v || *v > static_cast<uint64_t>(kMaxTimeLimitMinutes) * 60) {
      return TimeLimitError(raw, "value too large");
    }
    values[i] = static_cast<int64_t>(*v);
  }

  // Map fields to (days, hours, minutes, seconds) by layout.
  int64_t days = 0, hours = 0, minutes = 0, seconds = 0;
  if (days_field) {
    if (!internal::AllDigits(*days_field)) {
      return TimeLimitError(raw,
                            "day count " + Quote(*days_field) + " is not a non-negative number");
    }
    std::optional<uint64_t> d = internal::ParseDigits(*days_field);
    if (!d || *d > static_cast<uint64_t>(kMaxTimeLimitMinutes) / (24 * 60)) {
      return TimeLimitError(raw, "value too large");
    }
    days = static_cast<int64_t>(*d);
    hours = values[0];
    if (count >= 2) minutes = values[1];
    if (count >= 3) seconds = values[2];
  } else if (count == 1) {
    minutes = values[0];
  } else if (count == 2) {
    minutes = values[0];
    seconds = values[1];
  } else {
    hours = values[0];
    minutes = values[1];
    seconds = values[2];
  }

  // Every term is bounded by kMaxTimeLimitMinutes * 60 * 86400 < 2^63 / 4, so the sum cannot
  // overflow; the range check below rejects anything too large.
  int64_t total_s = days * 86400 + hours * 3600 + minutes * 60 + seconds;
  if (total_s == 0) {
    return TimeLimit{};  // Slurm: a zero limit means no limit.
  }
  int64_t total_min = (total_s + 59) / 60;
  if (total_min > kMaxTimeLimitMinutes) {
    return TimeLimitError(
        raw, "value too large (maximum is " + std::to_string(kMaxTimeLimitMinutes) + " minutes)");
  }
  return TimeLimit{core::Seconds(total_min * 60)};
}

std::string FormatTimeLimit(std::optional<core::Seconds> limit) {
  if (!limit) {
    return "UNLIMITED";
  }
  return core::FormatSlurmDuration(*limit);
}

}  // namespace fairway::api
