// Whether a Job may use the account, QoS and partitions it names: Slurm's association, QoS and
// partition access checks at submission (slurm-semantics.md §7, §8), run against the cluster's
// Accounts, Partitions and QoS. Checked in this order; the first failure is returned:
//
//   account    must be set (after defaulting) and exist    Invalid account or account/partition
//              the job's user must be a member (identity.h)  combination specified
//   qos        when set: must exist; must be in the account's allowedQos when that is non-empty
//                                                           Invalid qos specification
//   partitions every requested one (or the default) must exist
//                                                           Invalid partition name specified /
//                                                           No partition specified or system
//                                                           default partition
//              state DRAIN or INACTIVE refuses new jobs     Required partition not available
//                                                           (inactive or drain)
//              allowAccounts (hierarchical: a sub-account of a listed account matches), else
//              denyAccounts                                 Invalid account or account/partition
//                                                           combination specified
//              allowGroups: one of the job's groups         User's group not permitted to use
//                                                           this partition
//              allowQos: the job's QoS                      Invalid qos specification
//              maxNodes >= spec.nodes                       Node count specification invalid
//              maxTime >= spec.timeLimit (when enforced)    Requested time limit is invalid
//                                                           (missing or exceeds some limit)
// Rejecting a time limit over MaxTime at submission is Slurm's EnforcePartLimits=ALL (Slurm's
// default, NO, would leave the job pending with PartitionTimeLimit forever).
//
// The job's user and groups are spec.user and spec.groups (stamped by the mutating webhook).
//
// Thread-safety: pure functions over a thread-safe ClusterView.
#pragma once

#include "api/job_types.h"
#include "webhook/cluster_view.h"
#include "webhook/internal/violation.h"

namespace fairway::webhook {

// Which checks to run (UPDATE runs only those whose fields changed, so a rule tightened after
// submission never blocks, say, a cancel). Partition existence is checked whenever a partition
// check runs.
struct JobAccessOptions {
  bool check_account = true;
  bool check_qos = true;
  bool check_partition_access = true;  // state, allowAccounts/denyAccounts, allowGroups, allowQos
  bool check_partition_limits = true;  // maxNodes, and maxTime when check_time_limit
  bool check_time_limit = true;
};

internal::MaybeViolation CheckJobAccess(const api::JobSpec& spec, const ClusterView& view,
                                        const JobAccessOptions& options = {});

// True if account `name` is `ancestor` or lies below it (walking spec.parent; a broken or
// cyclic chain ends the walk).
bool AccountWithin(const ClusterView& view, const std::string& name, const std::string& ancestor);

}  // namespace fairway::webhook
