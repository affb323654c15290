// Partition membership, time-limit resolution and partition access checks
// (slurm-semantics.md §7).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>

#include "core/account_tree.h"
#include "core/job_state.h"
#include "core/model.h"

namespace fairway::core {

// True if the node belongs to the partition: named in node_names or matching node_selector;
// both empty means every node.
bool NodeInPartition(const Node& node, const Partition& partition);

// The limit a job runs under in a partition: its own timeLimit, else the partition's
// DefaultTime, else MaxTime, else the QoS or account MaxWall (the nearest account up the tree that
// sets one); nullopt = unlimited.
std::optional<Seconds> EffectiveTimeLimit(const Job& job, const Partition& partition,
                                          const Qos* qos, const AccountTree& tree);

// Nearest MaxWall set on the job's account or an ancestor.
std::optional<Seconds> AccountMaxWall(const AccountTree& tree, const AccountName& account);

// Partition checks that do not depend on other jobs, in Slurm's order: state, access
// (accounts, groups, QoS), node count, time limit. `qos` is the QoS the job runs under
// (LimitTracker::EffectiveQos); `partition_nodes` is the number of nodes in the partition.
// Returns the pending reason, or nullopt when the partition may run the job.
std::optional<PendingReason> CheckPartition(const Job& job, const QosName& qos,
                                            const Partition& partition, const AccountTree& tree,
                                            std::optional<Seconds> time_limit,
                                            int64_t partition_nodes);

}  // namespace fairway::core
