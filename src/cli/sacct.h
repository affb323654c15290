// sacct: which job rows a query selects (the time window -S/-E and --state) and the --format
// fields, as Slurm 22.05 does it (recorded in tests/testdata/slurm/sacct.txt).
//
// The window [start, end]:
//   start  -S; default 00:00 today (local time), "now" with --state, the epoch with -j.
//   end    -E; default now, or start itself with --state (so `sacct --state=CD` with no -S/-E
//          selects nothing, as in Slurm: give both ends).
//   -S/-E take Slurm's time forms (api/begin_time.h); a time of day or a date without a year
//   means the latest such moment not after now ("-S 08:00" is this morning).
// Without --state a row is selected when the job existed in the window: submitted by its end
// and not ended before its start. With --state a row is selected when the job was in one of
// the states during the window: RUNNING = it ran then (whatever it is now), PENDING = it waited
// then, a final state = it ended in that state within the window, any other state = it is in
// that state now.
//
// Format fields (case-insensitive, "Name%W" sets the width): JobID, JobIDRaw, JobName,
// Partition, Account, User, QOS, AllocCPUS, AllocNodes, NNodes, NodeList, State, ExitCode,
// Submit, Start, End, Elapsed, ElapsedRaw, Timelimit, Reason, Priority, AllocTRES, ReqTRES, and
// Fairway's AllocGPUS, GPUSeconds (GPUs x elapsed seconds) and Namespace.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/print_fields.h"
#include "cli/squeue.h"
#include "common/status.h"
#include "core/job_state.h"
#include "core/types.h"

namespace fairway::cli {

// Fairway's default fields: Slurm's default with GPUs for CPUs, then the run's times and GPU use.
inline constexpr std::string_view kSacctDefaultFormat =
    "JobID,JobName,Partition,Account,AllocGPUS,State,ExitCode,Start,End,Elapsed,GPUSeconds";

struct SacctWindow {
  core::Timestamp start;
  core::Timestamp end;
  std::set<core::JobState> states;  // empty: any state
};

struct SacctWindowInput {
  std::optional<std::string> start_text;  // -S
  std::optional<std::string> end_text;    // -E
  std::set<core::JobState> states;        // --state
  bool job_ids = false;                   // -j given
  core::Timestamp now;
  int utc_offset_s = 0;  // local time = UTC + this
};

// The window of a query. kInvalidArgument with Slurm's text for a bad time:
// "Invalid time specification (pos=0): TEXT".
[[nodiscard]] StatusOr<SacctWindow> MakeSacctWindow(const SacctWindowInput& in);

bool SacctSelects(const JobRow& row, const SacctWindow& window);

struct SacctColumn {
  PrintField field;
  std::string (*value)(const JobRow& row) = nullptr;
};

// Parses --format. kInvalidArgument `Invalid field requested: "NAME"` for an unknown field.
[[nodiscard]] StatusOr<std::vector<SacctColumn>> ParseSacctFormat(std::string_view text);

std::string RenderSacct(const std::vector<JobRow>& rows, const std::vector<SacctColumn>& columns,
                        const PrintOptions& options);

}  // namespace fairway::cli
