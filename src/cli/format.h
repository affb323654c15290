// Slurm-style output formatting shared by the kubectl-fairway commands: format strings with
// field widths ("%.18i %.9P"), durations, timestamps, host lists and array index lists
// (slurm-semantics.md §4, §9).
//
// A format string is a sequence of literal text and fields "%[.][-][width]<code>": "." right-
// justifies, "-" left-justifies (the default); a width pads the value and cuts it to that many
// characters, as squeue and sinfo do. "%%" is a literal percent sign.
//
// Thread-safety: pure functions.
#pragma once

#include "api/hostlist.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/types.h"

namespace fairway::cli {

struct FormatItem {
  std::string literal;  // text before the field (or the whole item when code == 0)
  char code = 0;        // 0: literal only
  bool right = false;
  int width = 0;  // 0: natural width; -1: the longest value ("%#P")
};

// Parses a Slurm format string. kInvalidArgument on a dangling "%".
[[nodiscard]] StatusOr<std::vector<FormatItem>> ParseFormat(std::string_view text);

// Pads/cuts `value` to the item's width and alignment.
std::string FormatCell(const FormatItem& item, std::string_view value);

// Renders rows (one value per field item; literal-only items take no value) with a header row.
// Trailing spaces are trimmed from each line.
std::string RenderTable(const std::vector<FormatItem>& format,
                        const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows, bool with_header);

// squeue's elapsed/limit form: "0:00", "5:07", "1:02:03", "1-00:00:00".
std::string FormatDuration(int64_t seconds);
// Time limit as squeue/sinfo print it: "UNLIMITED"/"infinite" (caller's choice) for nullopt.
std::string FormatLimit(std::optional<core::Seconds> limit, std::string_view unlimited);
// "2025-03-01T10:00:00" in local time (Slurm's default time format); "N/A" for nullopt.
std::string FormatTimestamp(std::optional<core::Timestamp> t);

// Slurm host list compression ("gpu[01-04,07]") is api::CompressHostList (api/hostlist.h).
using api::CompressHostList;
std::vector<std::string> SplitList(std::string_view text, char sep = ',');

// Slurm's array index string: ranges "1,3,5-9"; an evenly strided run with span > 10 and more
// than 5 indices prints as "first-last:step"; cut to 64 characters with "..." at the end.
std::string FormatArrayIndices(const std::vector<uint32_t>& sorted_indices);

// Lower-case copy.
std::string Lower(std::string_view s);
std::string Upper(std::string_view s);

}  // namespace fairway::cli
