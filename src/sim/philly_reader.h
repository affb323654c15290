// Reader for the Microsoft Philly GPU-cluster trace as flattened by the Pollux artifact
// (../shared/data/traces/philly.csv; Jeon et al., USENIX ATC 2019).
//
// API:
//   StatusOr<PhillyTrace> ReadPhillyCsv(path)             plain or gzip-compressed CSV
//   StatusOr<PhillyTrace> ParsePhillyCsvText(text, source) the same parser over a string
//   StatusOr<std::chrono::sys_seconds> ParseUtcTimestamp("2017-10-09 07:01:55")
//
// Format: a header line `timestamp,duration,num_gpus,gpu_time,cluster` (columns may come in any
// order; all five are required), then one job per line. `timestamp` is the submit time, read as
// UTC and converted with std::chrono calendar arithmetic (no locale, no timegm, no TZ database).
// Records keep file order (the file is not sorted by submit time). Blank lines are skipped.
//
// Errors never crash: unreadable file -> NotFound; a missing header column, a wrong field count,
// a bad timestamp or number -> InvalidArgument "<path>:<line>: <what>".
//
// Thread-safety: free functions over values; safe to call concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fairway::sim {

struct PhillyJob {
  std::chrono::sys_seconds submit_time{};  // UTC
  double duration_s = 0;                   // run time
  int64_t num_gpus = 0;
  double gpu_time_s = 0;  // duration_s * num_gpus in the shipped file
  std::string cluster;    // virtual cluster id = tenant
  int64_t line_number = 0;

  int64_t submit_unix_s() const { return submit_time.time_since_epoch().count(); }
};

struct PhillyTrace {
  std::string source;
  std::vector<PhillyJob> jobs;  // file order
};

[[nodiscard]] StatusOr<PhillyTrace> ReadPhillyCsv(const std::string& path);
[[nodiscard]] StatusOr<PhillyTrace> ParsePhillyCsvText(std::string_view text,
                                                       std::string_view source);

// Parses "YYYY-MM-DD HH:MM:SS" (a 'T' separator is accepted too) as UTC. InvalidArgument on a
// malformed or out-of-range value (month 13, Feb 30, hour 24, ...).
[[nodiscard]] StatusOr<std::chrono::sys_seconds> ParseUtcTimestamp(std::string_view text);

}  // namespace fairway::sim
