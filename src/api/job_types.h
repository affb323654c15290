// The `Job` custom resource (fairway.dev/v1alpha1, namespaced; crds/fairway.dev_jobs.yaml is the
// contract): C++ types, JSON codec with validation, and conversion into core::Job.
//
// Slurm strings (timeLimit, array, begin, dependency, resources.gres) are kept as the user wrote
// them, so an object round-trips unchanged; JobFromJson checks each with its src/api parser and
// ToCoreJob parses them again. `begin` may be relative ("now+10minutes"): it is resolved against
// the job's creation (its first submission), never against the time of conversion nor a
// requeue's new submit time, so it does not drift.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/common_types.h"
#include "api/object_meta.h"
#include "common/status.h"
#include "core/job_state.h"
#include "core/model.h"
#include "core/types.h"

namespace fairway::api {

inline constexpr std::string_view kJobKind = "Job";
// Upper bound of spec.nodes (pods of one job).
inline constexpr int64_t kMaxJobNodes = 65536;
// Slurm's nice range: +-(2^31 - 3).
inline constexpr int64_t kMaxNice = 2147483645;

// Per-node request (each of the job's pods asks for this).
struct JobResources {
  int64_t gpus = 0;      // whole GPUs per node
  std::string gpu_type;  // required GPU type ("a100"); empty = any
  // Slurm --gres form per node ("gpu:a100:2"), an alternative to gpus/gpuType; setting both is
  // an error. ToCoreJob folds it into gpus/gpu_type.
  std::string gres;
  std::string cpu;     // Kubernetes quantity ("4", "500m"); empty = none requested
  std::string memory;  // Kubernetes quantity ("64Gi"); empty = none requested

  bool operator==(const JobResources&) const = default;
};

struct JobSpec {
  // Slurm's --job-name: free text, several jobs may share it (squeue NAME,
  // --dependency=singleton). Empty = metadata.name (JobName()).
  std::string job_name;
  std::string partition;   // one name or a comma list; empty = the default partition
  std::string account;     // empty = the user's default account (admission fills it)
  std::string qos;         // empty = the account's default QoS
  std::string time_limit;  // Slurm time ("1:00:00", "2-00:00:00", "UNLIMITED"); empty = default
  int64_t nodes = 1;       // pods, one per node, gang-scheduled
  JobResources resources;
  std::string array;       // "0-99:2%10"; empty = not an array
  std::string begin;       // "now+1hour", "2025-03-01T10:00"; empty = no deferral
  std::string dependency;  // "afterok:prep:123", "singleton"; empty = none
  bool hold = false;       // submitted held (JobHeldUser)
  // An interactive session (kubectl fairway salloc/srun): queued like any job; its first pod
  // holds the allocation while a client's shell or command runs in it.
  bool interactive = false;
  int64_t nice = 0;        // subtracted from priority; negative values are privileged
  bool requeue = true;     // may be requeued after preemption or node failure
  bool exclusive = false;  // whole nodes only
  std::map<std::string, std::string> constraint;           // node labels every node must carry
  nlohmann::json pod_template = nlohmann::json::object();  // "template": a PodTemplateSpec

  // Stamped by the admission webhook from the authenticated request; whatever a user sends is
  // overwritten.
  std::string user;
  std::vector<std::string> groups;

  bool operator==(const JobSpec&) const = default;
};

// sprio's breakdown: each weighted factor's contribution; priority = site + age + assoc +
// fairshare + jobSize + partition + qos + tres - nice (then clamped to [1, 2^32-1]).
struct PriorityFactors {
  double site = 0;
  double age = 0;
  double assoc = 0;
  double fair_share = 0;
  double job_size = 0;
  double partition = 0;
  double qos = 0;
  double tres = 0;
  int64_t nice = 0;

  bool operator==(const PriorityFactors&) const = default;
};

// A started array task (status.array.tasks[]).
struct ArrayTaskRecord {
  uint32_t index = 0;
  uint64_t job_id = 0;  // the task's own job id (the array's id for the last task, as Slurm)
  core::JobState state = core::JobState::kRunning;
  std::optional<int32_t> exit_code;
  int32_t restarts = 0;
  std::string node_list;
  std::optional<core::Timestamp> start_time;
  std::optional<core::Timestamp> end_time;

  bool operator==(const ArrayTaskRecord&) const = default;
};

// Array progress (status.array). Every index is in exactly one state: `indices` lists them
// compactly (array-spec form, "0-41,43-99"); `tasks` holds detail records only for tasks that
// are running or ended other than COMPLETED, so a 100,000-task array stays small.
struct ArrayStatus {
  uint64_t task_count = 0;
  std::map<core::JobState, int64_t> counts;       // "taskCounts": {"PENDING": 90, ...}
  std::map<core::JobState, std::string> indices;  // "taskIndices": {"COMPLETED": "0-9"}
  std::vector<ArrayTaskRecord> tasks;

  bool operator==(const ArrayStatus&) const = default;
};

struct JobStatus {
  uint64_t job_id = 0;                  // 0 = not assigned yet
  std::optional<core::JobState> state;  // nullopt = not seen by the operator yet
  std::string reason;                   // Slurm pending reason ("Priority", "Resources", ...)
  std::string message;                  // human-readable detail (validation errors, ...)
  std::optional<int64_t> priority;      // 0 .. 2^32-1; 0 = held
  std::optional<PriorityFactors> priority_factors;
  std::optional<core::Timestamp> submit_time;
  std::optional<core::Timestamp> eligible_time;
  std::optional<core::Timestamp> start_time;
  std::optional<core::Timestamp> end_time;
  std::optional<core::Timestamp> expected_start_time;  // backfill's plan (squeue --start)
  // Pending: the requested partitions by PriorityTier; started: the partition it runs in.
  std::string partition;
  std::string node_list;  // node names, comma-separated, in node-index order (rank 0 first)
  std::optional<int32_t> exit_code;
  int32_t restarts = 0;  // SLURM_RESTART_COUNT
  std::optional<ArrayStatus> array;
  std::vector<Condition> conditions;
  int64_t observed_generation = 0;

  // Display fields for printer columns, derived by FillJobDisplayFields.
  std::string state_code;           // squeue ST: "PD", "R", "CD", ...
  std::string elapsed;              // squeue TIME: "0:00", "1:02:03", "1-00:00:00"
  std::string node_list_or_reason;  // squeue NODELIST(REASON): node list, or "(Reason)"

  bool operator==(const JobStatus&) const = default;
};

struct JobObject {
  ObjectMeta meta;
  JobSpec spec;
  JobStatus status;

  bool operator==(const JobObject&) const = default;
};

// Longest spec.jobName accepted.
inline constexpr size_t kMaxJobNameLength = 256;

// The job's Slurm name: spec.jobName, else metadata.name.
const std::string& JobName(const JobObject& job);
// spec.jobName's rule: free text as Slurm allows it, but printable on one line (squeue, logs)
// and at most kMaxJobNameLength characters. Errors name `field`.
[[nodiscard]] Status CheckJobName(const std::string& value, const std::string& field);

// Decodes and validates a Job (the whole object: apiVersion, kind, metadata, spec, status).
// Errors are kInvalidArgument naming the field ("spec.timeLimit", "status.state"). The array
// spec is checked against the largest MaxArraySize Slurm allows; the cluster's own limit is the
// controller's business.
[[nodiscard]] StatusOr<JobObject> JobFromJson(const nlohmann::json& j);
[[nodiscard]] StatusOr<JobSpec> JobSpecFromJson(const nlohmann::json& j,
                                                const std::string& path = "spec");
[[nodiscard]] StatusOr<JobStatus> JobStatusFromJson(const nlohmann::json& j,
                                                    const std::string& path = "status");

nlohmann::json ToJson(const JobSpec& spec);
nlohmann::json ToJson(const JobStatus& status);  // the body of a /status patch
nlohmann::json ToJson(const JobObject& job);     // with apiVersion and kind

// Sets state_code, elapsed and node_list_or_reason from the other fields at `now`:
//   elapsed = end_time-or-now - start_time ("0:00" before the job starts)
//   node_list_or_reason = node_list once started, else "(" + reason + ")" ("(None)" if empty)
void FillJobDisplayFields(JobStatus* status, core::Timestamp now);

// Splits "a,b" into partition names; each must be a DNS-1123 subdomain. Empty text: none.
[[nodiscard]] StatusOr<std::vector<core::PartitionName>> ParsePartitionList(std::string_view text);

struct JobConversionOptions {
  // Submit time when neither status.submitTime nor metadata.creationTimestamp is set.
  core::Timestamp now{};
  // Local time (UTC + offset) for begin times such as "10:00" or "tomorrow".
  int utc_offset_s = 0;
};

// Converts the job's own record (for an array, the array as a whole; controllers derive tasks)
// into the core's view:
//   key = "namespace/name"; id = status.jobID; partitions from spec.partition;
//   per_node = {cpu, memory, gpus}; gpu_type; time_limit (empty or UNLIMITED -> nullopt);
//   submit_time = status.submitTime, else metadata.creationTimestamp, else options.now;
//   name = JobName(); begin_time = spec.begin resolved against metadata.creationTimestamp, else
//   submit_time; hold -> HoldKind::kUser;
//   tolerations from template.spec.tolerations; state, start_time, running_partition
//   (status.partition) and allocated_nodes (status.nodeList) from the status.
[[nodiscard]] StatusOr<core::Job> ToCoreJob(const JobObject& job,
                                            const JobConversionOptions& options = {});

}  // namespace fairway::api
