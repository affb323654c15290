// Association and QoS limits (slurm-semantics.md §8) and the pending reasons they produce.
//
// Precedence and reasons:
//  - QoS limits first: GrpJobs (QOSGrpJobsLimit), MaxJobsPerUser (QOSMaxJobsPerUserLimit),
//    MaxWall (QOSMaxWallDurationPerJobLimit), GrpTRES gpu (QOSGrpGRES), MaxTRESPerUser gpu
//    (QOSMaxGRESPerUser); submit limits GrpSubmitJobs / MaxSubmitJobsPerUser.
//  - Then the association: a user association's own limits (UserLimits: MaxJobs ->
//    AssocMaxJobsLimit, GrpTRES gpu -> AssocGrpGRES, MaxSubmitJobs -> AssocMaxSubmitJobLimit)
//    bind that user only; where the user sets none, the per-user limits set on an account
//    (maxJobsPerUser, maxGPUsPerUser, maxSubmitJobsPerUser, same reasons) take the nearest
//    account up the tree that sets them; MaxWall the same (AssocMaxWallDurationPerJobLimit). Grp*
//    limits (GrpJobs -> AssocGrpJobsLimit, GrpTRES gpu -> AssocGrpGRES, GrpSubmitJobs ->
//    AssocGrpSubmitJobsLimit) apply at every level and count the whole subtree.
// Submit limits count pending + running jobs; a pending job beyond the limit (in submit order)
// keeps the limit's reason instead of being rejected, since a Kubernetes object cannot be
// refused after admission.
//
// Names are resolved once per job (JobRef), so checks in a cycle cost no string lookups.
//
// Thread-safety: thread-compatible; one LimitTracker per cycle.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/account_tree.h"
#include "core/job_state.h"
#include "core/model.h"

namespace fairway::core {

// Slurm's default QoS: the one a job runs under when neither it nor its account names one.
inline constexpr std::string_view kDefaultQos = "normal";

// The name of the QoS a job runs under (slurm-semantics.md §11): the one it names, else its
// account's defaultQos, else `normal` when a QoS of that name exists; empty when none applies.
// `account` is the job's Account, or nullptr when it is unknown. The admission webhook applies the
// same rule at submission (webhook::DefaultQos); the scheduler applies it again so jobs admitted
// without it, or before their QoS existed, are treated alike whether pending or running.
QosName EffectiveQosName(const Job& job, const Account* account, bool normal_exists);

// A job's account, user association and QoS as indices of this cycle's tree and QoS list.
struct JobRef {
  int32_t account = AccountTree::kNone;
  int32_t user = AccountTree::kNone;
  int32_t qos = -1;
};

class LimitTracker {
 public:
  // Counts the running jobs (jobs and GPUs in use) per QoS, account subtree and user.
  LimitTracker(const AccountTree& tree, const std::vector<Qos>& qos,
               const std::vector<Job>& running);

  // EffectiveQosName over this cycle's account tree and QoS list.
  QosName EffectiveQos(const Job& job) const;
  // Resolves the job's names; `qos_name` is its EffectiveQos.
  JobRef Resolve(const Job& job, const QosName& qos_name) const;
  const Qos* FindQos(const QosName& name) const;

  // Marks pending jobs that exceed a submit limit (GrpSubmitJobs, MaxSubmitJobsPerUser),
  // counting running jobs first and then `pending` in the given (submit) order. `slot` is the
  // index Check() will be asked about.
  struct Submitted {
    const Job* job;
    JobRef ref;
    size_t slot;
    int64_t weight = 1;  // jobs it counts as: an array record counts its pending tasks
  };
  void CountSubmitted(const std::vector<Submitted>& pending_in_submit_order);

  // The first limit that stops the job from starting now with `time_limit`, or nullopt.
  // `slot` is the job's index given to CountSubmitted (or SIZE_MAX if none).
  std::optional<PendingReason> Check(const Job& job, const JobRef& ref,
                                     std::optional<Seconds> time_limit, size_t slot) const;

  // Records that the job started: its jobs and GPUs count against every limit from now on.
  void RecordStart(const Job& job, const JobRef& ref);
  // The inverse of RecordStart: the job's jobs and GPUs no longer count. For what-if questions
  // ("when will the limit allow it?"); the caller restores with RecordStart.
  void RecordEnd(const Job& job, const JobRef& ref);

 private:
  struct Usage {
    int64_t jobs = 0;
    int64_t gpus = 0;
  };
  // Limits that take the nearest account up the tree setting them, per account index.
  struct InheritedLimits {
    std::optional<int64_t> max_jobs_per_user;
    std::optional<int64_t> max_submit_jobs_per_user;
    std::optional<int64_t> max_gpus_per_user;
    std::optional<Seconds> max_wall;
  };
  // The per-user limit for the job's user association: its own (UserLimits) when set, else the
  // one inherited from the nearest account setting it. REQUIRES: ref.account != kNone.
  std::optional<int64_t> UserLimit(const JobRef& ref, std::optional<int64_t> UserLimits::*own,
                                   std::optional<int64_t> InheritedLimits::*inherited) const;
  // Adds (sign 1) or removes (sign -1) a running job's jobs and GPUs everywhere it counts.
  void Add(const Job& job, const JobRef& ref, int64_t sign);
  static std::string QosUserKey(int32_t qos, const UserName& user);
  const Qos& qos(int32_t index) const { return *qos_[static_cast<size_t>(index)]; }

  const AccountTree& tree_;
  std::vector<const Qos*> qos_;
  std::unordered_map<std::string, int32_t> qos_index_;
  std::vector<InheritedLimits> inherited_;  // by tree index
  std::vector<Usage> qos_usage_;            // by QoS index
  std::unordered_map<std::string, Usage> qos_user_usage_;
  std::vector<Usage> assoc_usage_;                            // by tree index: subtree for accounts
  std::vector<std::optional<PendingReason>> submit_blocked_;  // by slot
};

int64_t JobGpus(const Job& job);

}  // namespace fairway::core
