// The scheduling core's model of a cluster: nodes, partitions, accounts, QoS and jobs
// (DESIGN.md "The resources"). Controllers and the simulator convert their inputs into these
// types; the core never sees Kubernetes or trace formats.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/job_state.h"
#include "core/labels.h"
#include "core/types.h"

namespace fairway::core {

// A GPU node (a Kubernetes Node).
struct Node {
  NodeName name;
  Resources allocatable;
  // Resources held by pods that are not part of a job in the snapshot's running set: pods of
  // other schedulers, pods created with nodeName preset, terminating pods.
  Resources used_by_other_pods;
  std::string gpu_type;  // e.g. "a100"; empty when unknown
  Labels labels;
  std::vector<Taint> taints;
  bool ready = true;
  bool unschedulable = false;  // cordoned
  // A node a partition's node pool can still add (it does not exist yet): it counts when the
  // core decides whether a job can ever run (Resources rather than BadConstraints), never for
  // starting a job or planning a reservation.
  bool provisionable = false;
};

enum class PartitionState { kUp, kDown, kDrain, kInactive };
std::string_view PartitionStateName(PartitionState state);  // "UP", "DOWN", ...

enum class PreemptMode { kOff, kCancel, kRequeue };
std::string_view PreemptModeName(PreemptMode mode);  // "OFF", "CANCEL", "REQUEUE"

// A named set of nodes with limits (slurm-semantics.md §7).
struct Partition {
  PartitionName name;
  // A node belongs to the partition if it is named in `node_names`, matches `node_selector` or
  // carries every label of one entry of `pool_node_labels` (its node pools). All empty: every
  // node.
  LabelSelector node_selector;
  std::vector<NodeName> node_names;
  std::vector<Labels> pool_node_labels;
  bool is_default = false;
  PartitionState state = PartitionState::kUp;
  std::optional<Seconds> max_time;          // nullopt: UNLIMITED
  std::optional<Seconds> default_time;      // nullopt: MaxTime
  std::optional<int32_t> max_nodes;         // nullopt: UNLIMITED
  std::vector<AccountName> allow_accounts;  // empty: ALL
  std::vector<AccountName> deny_accounts;   // ignored when allow_accounts is set
  std::vector<GroupName> allow_groups;      // empty: ALL
  std::vector<QosName> allow_qos;           // empty: ALL
  uint32_t priority_job_factor = 1;
  uint32_t priority_tier = 1;
  PreemptMode preempt_mode = PreemptMode::kOff;
};

// Limits shared by accounts and QoS (slurm-semantics.md §8). nullopt = no limit.
struct Limits {
  std::optional<int64_t> grp_gpus;                  // GrpTRES=gres/gpu
  std::optional<int64_t> grp_jobs;                  // running jobs of the subtree / QoS
  std::optional<int64_t> grp_submit_jobs;           // pending + running
  std::optional<int64_t> max_jobs_per_user;         // running jobs of one user
  std::optional<int64_t> max_submit_jobs_per_user;  // pending + running of one user
  std::optional<int64_t> max_gpus_per_user;         // GPUs in use by one user
  std::optional<Seconds> max_wall;                  // time limit of one job
};

// A user association's own limits (sacctmgr modify user NAME account=A set MaxJobs=...). Each one
// set replaces, for this user only, the account's per-user limit of the same kind
// (Limits::max_jobs_per_user, max_submit_jobs_per_user, max_gpus_per_user). nullopt = inherit.
struct UserLimits {
  std::optional<int64_t> max_jobs;         // MaxJobs: running jobs (AssocMaxJobsLimit)
  std::optional<int64_t> max_submit_jobs;  // MaxSubmitJobs: pending + running
  std::optional<int64_t> grp_gpus;         // GrpTRES=gres/gpu: GPUs in use (AssocGrpGRES)

  bool operator==(const UserLimits&) const = default;
};

// A user's membership in an account: the leaf association of the fair-share tree.
struct AccountUser {
  UserName name;
  uint32_t shares = 1;
  bool shares_parent = false;  // FairShare=parent: use the account's shares and usage
  UserLimits limits;
};

// A node of the account tree. Accounts with an empty parent hang below the implicit root.
struct Account {
  AccountName name;
  AccountName parent;
  uint32_t shares = 1;
  std::vector<AccountUser> users;
  std::vector<GroupName> groups;  // members by group (every user of a listed group)
  Limits limits;
  QosName default_qos;
  std::vector<QosName> allowed_qos;  // empty: any
};

struct Qos {
  QosName name;
  uint32_t priority = 0;
  std::vector<QosName> preempt;  // QoS names this one may preempt
  PreemptMode preempt_mode = PreemptMode::kCancel;
  Seconds grace_period{0};
  double usage_factor = 1.0;
  Limits limits;
};

enum class HoldKind { kNone, kUser, kAdmin };

// Where a job's dependency stands (the driver evaluates it with EvaluateDependency, since the
// targets may have finished and left the scheduler's view).
enum class DependencyState { kNone, kSatisfied, kWaiting, kNeverSatisfied };

// A range of array task indices: first, first + step, ... <= last.
struct IndexRange {
  uint32_t first = 0;
  uint32_t last = 0;
  uint32_t step = 1;
  uint64_t size() const { return last < first ? 0 : (last - first) / step + 1; }
};

// The pending part of a job array: one record however many tasks (slurm-semantics.md §4).
// Tasks are split off (as their own running jobs) only when they start.
struct ArrayTasks {
  std::vector<IndexRange> pending;  // disjoint, sorted by first index
  uint32_t max_running = 0;         // the %N throttle; 0 = no throttle
  uint32_t running = 0;             // tasks of this array running now
  uint64_t pending_count() const {
    uint64_t n = 0;
    for (const IndexRange& r : pending) n += r.size();
    return n;
  }
};

// A job as the scheduler sees it. Pending jobs have no allocation; running jobs carry theirs.
struct Job {
  JobId id;
  std::string key;  // stable identity for tie-breaks and results ("namespace/name")
  std::string name;
  UserName user;
  std::vector<GroupName> groups;
  AccountName account;
  QosName qos;
  std::vector<PartitionName> partitions;  // empty: the default partition

  int32_t node_count = 1;  // pods, one per node, gang-scheduled
  Resources per_node;      // request of each pod
  std::string gpu_type;    // required GPU type; empty: any
  Labels constraint;       // node labels every node must carry
  std::vector<Toleration> tolerations;
  bool exclusive = false;  // whole nodes only

  std::optional<Seconds> time_limit;  // nullopt: partition DefaultTime, else MaxTime
  Timestamp submit_time{};
  std::optional<Timestamp> begin_time;
  // When the job became eligible (begin time reached, not held, dependencies met). Age accrues
  // from here; nullopt means it has not accrued yet (held jobs) and falls back to submit time
  // only with accrue_always.
  std::optional<Timestamp> eligible_time;
  int64_t nice = 0;
  HoldKind hold = HoldKind::kNone;
  // An admin-pinned priority (scontrol update Priority=N); recalculation is skipped.
  std::optional<uint32_t> pinned_priority;
  DependencyState dependency = DependencyState::kNone;
  bool singleton = false;           // --dependency=singleton: one running job per (name, user)
  std::optional<ArrayTasks> array;  // set on the pending record of a job array
  bool requeue = true;              // may be requeued on preemption or node failure
  // Set on a running job chosen as a preemption victim: the job it makes room for. Its
  // resources stay reserved for that job until its pods are gone.
  JobId preempted_by;
  JobState state = JobState::kPending;

  // Set for running jobs.
  std::optional<Timestamp> start_time;
  PartitionName running_partition;
  std::vector<NodeName> allocated_nodes;
};

// The cluster as one cycle sees it. Running jobs hold `per_node` on each allocated node.
struct ClusterState {
  std::vector<Node> nodes;
  std::vector<Partition> partitions;
  std::vector<Account> accounts;
  std::vector<Qos> qos;
  std::vector<Job> running;
};

}  // namespace fairway::core
