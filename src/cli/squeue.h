// squeue: one row per job, per pending array remainder ("123_[4-9%2]") and per started array
// task ("123_3"), filtered, sorted and rendered with Slurm format codes (slurm-semantics.md §4,
// §5, §9).
//
// Format codes: %i JOBID, %A JOBID (own id), %F ARRAY_JOB_ID, %K ARRAY_TASK_ID, %P PARTITION,
// %j NAME, %u USER, %a ACCOUNT, %q QOS, %t ST, %T STATE, %M TIME, %l TIME_LIMIT, %L TIME_LEFT,
// %D NODES, %C CPUS, %m MIN_MEMORY, %R NODELIST(REASON), %N NODELIST, %r REASON, %Q PRIORITY,
// %S START_TIME (expected start for pending jobs), %e END_TIME, %V SUBMIT_TIME,
// %b TRES_PER_NODE, %Y SCHEDNODES, %y NICE, %o COMMAND-less %k NAMESPACE (Fairway).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/job_types.h"
#include "common/status.h"
#include "core/job_state.h"
#include "core/types.h"

namespace fairway::cli {

inline constexpr std::string_view kSqueueDefaultFormat = "%.18i %.9P %.8j %.8u %.2t %.10M %.6D %R";
inline constexpr std::string_view kSqueueLongFormat =
    "%.18i %.9P %.8j %.8u %.8T %.10M %.9l %.6D %R";
inline constexpr std::string_view kSqueueStartFormat =
    "%.18i %.9P %.8j %.8u %.2t %.19S %.6D %20Y %R";

// One squeue line.
struct JobRow {
  std::string id;         // "123", "123_4", "123_[5-9%2]"
  uint64_t job_id = 0;    // own job id (array meta: the array id)
  uint64_t array_id = 0;  // 0: not an array
  std::optional<uint32_t> task_index;
  std::string array_pending;  // meta row: the pending index string
  std::string name, namespace_name, partition, user, account, qos;
  core::JobState state = core::JobState::kPending;
  std::string reason;  // "" when running
  int64_t elapsed_s = 0;
  std::optional<core::Seconds> time_limit;
  int64_t nodes = 1;
  std::string node_list;  // compressed
  int64_t priority = 0;
  int64_t nice = 0;
  std::optional<core::Timestamp> submit_time, start_time, end_time, expected_start;
  std::string tres_per_node;  // "gres/gpu:a100:2"
  std::string cpu, memory;
  std::optional<int32_t> exit_code;
  int64_t gpus_per_node = 0;
};

// Rows of every job; with `all_states` false only PD, R, S, CG (and RQ) rows are kept.
std::vector<JobRow> BuildJobRows(const std::vector<api::JobObject>& jobs, core::Timestamp now,
                                 bool all_states);

struct JobFilter {
  std::set<std::string> users, accounts, partitions, names, qos;
  std::set<core::JobState> states;  // empty: keep all (BuildJobRows did the default)
  // Job ids: "123" matches the job/array 123 and any row with own id 123; "123_4" one task.
  std::set<std::string> job_ids;
};
bool MatchesFilter(const JobRow& row, const JobFilter& filter);

// Parses squeue -t: comma list of long names or codes, any case ("pd,RUNNING"), or "all".
[[nodiscard]] StatusOr<std::set<core::JobState>> ParseStateList(const std::string& text);

// squeue's default order: partition, state, priority descending, then job id.
void SortSqueue(std::vector<JobRow>* rows);
// --start: pending jobs by expected start time (unknown last), then priority.
void SortByStart(std::vector<JobRow>* rows);

// Renders rows with a Slurm format. kInvalidArgument naming an unknown code.
[[nodiscard]] StatusOr<std::string> RenderSqueue(const std::vector<JobRow>& rows,
                                                 std::string_view format, bool header,
                                                 core::Timestamp now);

// Value of one format code for a row (exposed for sacct/tests).
std::string JobField(const JobRow& row, char code, core::Timestamp now, bool* known);

}  // namespace fairway::cli
