// Reader for the Standard Workload Format (SWF) of the Parallel Workloads Archive.
//
// API:
//   StatusOr<SwfTrace> ReadSwfFile(path)           plain or gzip-compressed (.swf / .swf.gz)
//   StatusOr<SwfTrace> ParseSwfText(text, source)  the same parser over an in-memory string
//
// A trace is header comment lines (starting with ';') and job lines of 18 whitespace-separated
// numbers, -1 meaning unknown (see ../shared/data/README.md for the field list). The reader keeps
// every header comment verbatim in `header_comments` (the SDSC JOBLOG copyright notice must be
// preserved with any use of that trace), parses `; MaxNodes:` and `; MaxProcs:`, and returns the
// job lines as raw records, in file order, without any interpretation (no dropping, no
// defaulting: that is the caller's protocol, e.g. rlsched_compat.h).
//
// Errors never crash: an unreadable file is NotFound; a job line with fewer or more than 18
// fields, a non-numeric field, a fractional value in an integer field, or a malformed
// MaxNodes/MaxProcs header is InvalidArgument with the message "<path>:<line>: <what>".
// Blank lines are skipped. Integer fields accept an integral decimal ("12" or "12.0").
//
// Thread-safety: free functions over values; safe to call concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fairway::sim {

inline constexpr int kSwfFieldCount = 18;

// One job line, fields in SWF order. Times in seconds, memory in KB (per processor).
struct SwfRecord {
  int64_t job_number = -1;           // 1
  int64_t submit_time_s = -1;        // 2
  int64_t wait_time_s = -1;          // 3
  int64_t run_time_s = -1;           // 4
  int64_t allocated_procs = -1;      // 5
  double avg_cpu_time_s = -1;        // 6 (may be fractional)
  int64_t used_memory_kb = -1;       // 7
  int64_t requested_procs = -1;      // 8
  int64_t requested_time_s = -1;     // 9: the user's estimate (time limit)
  int64_t requested_memory_kb = -1;  // 10
  int64_t status = -1;               // 11: 1 completed, 0 failed, 5 cancelled
  int64_t user_id = -1;              // 12
  int64_t group_id = -1;             // 13
  int64_t executable = -1;           // 14
  int64_t queue = -1;                // 15
  int64_t partition = -1;            // 16
  int64_t preceding_job = -1;        // 17
  int64_t think_time_s = -1;         // 18
  int64_t line_number = 0;           // 1-based line in the source file
};

struct SwfTrace {
  std::string source;                        // path or name given to the reader
  std::optional<int64_t> max_nodes;          // "; MaxNodes: N"
  std::optional<int64_t> max_procs;          // "; MaxProcs: N"
  std::vector<std::string> header_comments;  // every ';' line, verbatim, in order
  std::vector<SwfRecord> records;            // job lines in file order
};

// Reads an SWF file, plain or gzip-compressed (detected from the content, not the name).
[[nodiscard]] StatusOr<SwfTrace> ReadSwfFile(const std::string& path);

// Parses SWF text; `source` names it in error messages.
[[nodiscard]] StatusOr<SwfTrace> ParseSwfText(std::string_view text, std::string_view source);

}  // namespace fairway::sim
