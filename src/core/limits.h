// Association and QoS limits (slurm-semantics.md §8) and the pending reasons they produce.
//
// Precedence and reasons:
//  - QoS limits first: GrpJobs (QOSGrpJobsLimit), MaxJobsPerUser (QOSMaxJobsPerUserLimit),
//    MaxWall (QOSMaxWallDurationPerJobLimit), GrpTRES gpu (QOSGrpGRES), MaxTRESPerUser gpu
//    (QOSMaxGRESPerUser); submit limits GrpSubmitJobs / MaxSubmitJobsPerUser.
//  - Then the association: per-user limits set on an account (maxJobsPerUser -> AssocMaxJobsLimit,
//    maxGPUsPerUser -> AssocGrpGRES as a user association's GrpTRES, maxSubmitJobsPerUser ->
//    AssocMaxSubmitJobsLimit) take the nearest account up the tree that sets them; MaxWall the
//    same (AssocMaxWallDurationPerJobLimit). Grp* limits (GrpJobs -> AssocGrpJobsLimit,
//    GrpTRES gpu -> AssocGrpGRES, GrpSubmitJobs -> AssocGrpSubmitJobsLimit) apply at every level
//    and count the whole subtree.
// Submit limits count pending + running jobs; a pending job beyond the limit (in submit order)
// keeps the limit's reason instead of being rejected, since a Kubernetes object cannot be
// refused after admission.
//
// Thread-safety: thread-compatible; one LimitTracker per cycle.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "core/account_tree.h"
#include "core/job_state.h"
#include "core/model.h"

namespace fairway::core {

class LimitTracker {
 public:
  // Counts the running jobs (jobs and GPUs in use) per QoS, account subtree and user.
  LimitTracker(const AccountTree& tree, const std::vector<Qos>& qos,
               const std::vector<Job>& running);

  // Marks pending jobs that exceed a submit limit (GrpSubmitJobs, MaxSubmitJobsPerUser),
  // counting running jobs first and pending jobs in (submit time, id) order.
  void CountSubmitted(const std::vector<const Job*>& pending_in_submit_order);

  // The first limit that stops `job` from starting now with `time_limit`, or nullopt.
  std::optional<PendingReason> Check(const Job& job, std::optional<Seconds> time_limit) const;

  // Records that `job` started: its jobs and GPUs count against every limit from now on.
  void RecordStart(const Job& job);

  const Qos* FindQos(const QosName& name) const;

 private:
  struct Usage {
    int64_t jobs = 0;
    int64_t gpus = 0;
  };
  // Nearest value of a per-user limit set on the account or an ancestor.
  std::optional<int64_t> NearestUserLimit(const AccountName& account,
                                          std::optional<int64_t> Limits::*field) const;

  const AccountTree& tree_;
  std::map<QosName, const Qos*> qos_;
  std::map<QosName, Usage> qos_usage_;
  std::map<std::pair<QosName, UserName>, Usage> qos_user_usage_;
  std::map<int32_t, Usage> account_usage_;  // by account-tree index, whole subtree
  std::map<std::pair<AccountName, UserName>, Usage> user_usage_;
  std::map<const Job*, PendingReason> submit_blocked_;
};

int64_t JobGpus(const Job& job);

}  // namespace fairway::core
