// Elastic partitions in the scheduler driver (issue 14): the nodes each Partition's node pools
// can still add enter the cycle's snapshot as core::Node::provisionable placeholders, and a job
// left pending because it needs them gets a status message saying it waits for nodes to be
// added (its reason stays Slurm's Resources).
//
// A node is "being removed" when it carries cluster-autoscaler's ToBeDeletedByClusterAutoscaler
// taint or Karpenter's karpenter.sh/disrupted (v1) or karpenter.sh/disruption (v1beta1) taint:
// it is then treated as cordoned, so nothing starts on it and no backfill reservation is
// planned on it.
//
// Thread-safety: pure functions; AwaitingNodes is immutable after construction.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/job_types.h"
#include "api/partition_types.h"
#include "core/cycle.h"
#include "core/model.h"

namespace fairway::controllers {

inline constexpr std::string_view kClusterAutoscalerDeletionTaint =
    "ToBeDeletedByClusterAutoscaler";
inline constexpr std::string_view kKarpenterDisruptedTaint = "karpenter.sh/disrupted";
inline constexpr std::string_view kKarpenterDisruptionTaint = "karpenter.sh/disruption";
// Every status message this file writes starts so; another message is never overwritten.
inline constexpr std::string_view kAwaitingNodesPrefix = "waiting for nodes to be added";

// True if an autoscaler has marked the node for removal (taints above).
bool BeingRemoved(const core::Node& node);

// One placeholder per node a pool can still add: maxNodes minus the nodes that carry the pool's
// labels now. Placeholders are named "~PARTITION/POOL/I", carry the pool's labels and its
// per-node GPUs, CPUs and memory (unbounded when not given), and are Ready. A selector shared
// by pools of several partitions is counted once (the first partition by name).
std::vector<core::Node> AddableNodes(const std::vector<api::PartitionObject>& partitions,
                                     const std::vector<core::Node>& nodes);

// "pool POOL of partition PARTITION" for a placeholder's name; empty for other names.
std::string PoolOfPlaceholder(const core::NodeName& name);

// A pending instance's demand on one node pool: `pods` of its pods need nodes the pool adds.
struct PoolDemand {
  int32_t pods = 0;
  std::string partition;
  std::string pool;
};

// At most this many pending instances have demand-signal pods at a time (the
// highest-priority ones): bounds the pods and the placement work of a long queue.
inline constexpr size_t kMaxSignalledInstances = 16;

// The cycle's pending jobs that wait for added nodes, with their messages.
class AwaitingNodes {
 public:
  // `cluster` and `pending` are the cycle's input; `result` its output.
  AwaitingNodes(const core::ClusterState& cluster, const std::vector<core::Job>& pending,
                const core::CycleResult& result);

  // Sets status->message when the decision's job waits for added nodes; clears a message of
  // this kind that an earlier cycle wrote when it no longer does.
  void Apply(const core::PendingDecision& d, api::JobStatus* status) const;

  size_t size() const { return messages_.size(); }
  bool empty() const { return demands_.empty(); }

  // By PendingDecision::pending_index: every Resources job's demand, and those of the
  // highest-priority Priority jobs (queued behind others) while there are fewer than
  // kMaxSignalledInstances demands. The demand-signal pods are made from these.
  const std::map<size_t, PoolDemand>& demands() const { return demands_; }

 private:
  std::map<size_t, std::string> messages_;  // by PendingDecision::pending_index
  std::map<size_t, PoolDemand> demands_;
};

}  // namespace fairway::controllers
