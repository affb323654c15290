// Small text helpers shared by the trace readers: trimming, strict number parsing, and splitting
// of simple CSV lines (no quoting; none of the shipped CSV traces quote fields).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace fairway::sim::internal {

// Strips ASCII whitespace from both ends.
std::string_view Trim(std::string_view s);

// Parses the whole token as a finite decimal number ("12", "-1", "2951.0", "1e3"). Leading '+'
// is accepted; surrounding whitespace is not (trim first).
bool ParseDouble(std::string_view token, double* value);

// Parses the whole token as an integer; an integral decimal such as "12.0" is accepted.
bool ParseInt64(std::string_view token, int64_t* value);

// Splits on ',' and trims each field. "a,,b" gives three fields, the middle one empty.
std::vector<std::string_view> SplitCsv(std::string_view line);

}  // namespace fairway::sim::internal
