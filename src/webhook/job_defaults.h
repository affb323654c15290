// Slurm's submission defaults for a Job that leaves fields empty (slurm-semantics.md §6, §7, §8),
// read from the cluster's Accounts, Partitions and QoS. The mutating webhook writes them into
// the Job; validation uses the same rules to know what an empty field stands for.
//
//   account    the Account whose spec.defaultFor names the user (Slurm's DefaultAccount); else
//              the only Account that lists the user (spec.users, or one of the user's groups in
//              spec.groups); else none
//   partition  the Partition with spec.default (the first by name if several say so)
//   qos        the account's spec.defaultQos; else "normal" when a QoS of that name exists
//   timeLimit  the partition's defaultTime; else its maxTime when finite (Slurm: "DefaultTime
//              = MaxTime"); unlimited leaves the field empty (the scheduler then applies the
//              QoS or account MaxWall)
//
// Thread-safety: pure functions over a thread-safe ClusterView.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/partition_types.h"
#include "core/types.h"
#include "webhook/cluster_view.h"

namespace fairway::webhook {

std::optional<std::string> DefaultAccount(const ClusterView& view, const std::string& user,
                                          const std::vector<std::string>& groups);

std::optional<api::PartitionObject> DefaultPartition(const ClusterView& view);

// `account` may be nullopt (the job has no account): then only "normal" applies.
std::string DefaultQos(const ClusterView& view, const std::optional<api::AccountObject>& account);

// The timeLimit text a job without one gets in `partition`: "" when that is unlimited.
std::string PartitionDefaultTimeLimit(const api::PartitionSpec& partition);

// A Slurm time text as a limit: nullopt for "", UNLIMITED/INFINITE/-1/0, and for text that
// does not parse (decoders reject those before this is called).
std::optional<core::Seconds> TimeLimitOrUnlimited(const std::string& text);

// The partitions a job asks for by name: spec.partition split at ',', or the default partition
// when it is empty (nothing when there is no default).
std::vector<std::string> RequestedPartitionNames(const ClusterView& view,
                                                 const std::string& partition_field);

}  // namespace fairway::webhook
