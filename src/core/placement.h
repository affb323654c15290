// Placement of gang jobs on nodes: a job needs `node_count` nodes, each fitting its per-node
// request, all at once or not at all.
//
// Free capacity of a node = allocatable - pods of others - per-node requests of the running jobs
// on it. Nodes that are not Ready or are cordoned take no new work. Filters per job: GPU type,
// constraint labels, taints (tolerated by the job's pod template), exclusive (node must be
// empty). Among fitting nodes the pool picks best fit: least free GPUs, then least free CPU,
// then least free memory, then node order (nodes sorted by name), so GPU fragmentation stays
// low and CPU-only jobs go to nodes without free GPUs first. Deterministic for the same input.
//
// Thread-safety: thread-compatible; one NodePool per cycle.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "core/job_state.h"
#include "core/model.h"

namespace fairway::core {

struct PlacementResult {
  std::vector<int32_t> nodes;  // node indices (NodePool order) when placed
  // When not placed: kResources (would fit an idle partition, counting nodes its pools can
  // still add), kNodesReservedForHigherPriority
  // (would fit now but for withheld nodes), kNodeDown (needs nodes that are down or cordoned) or
  // kBadConstraints (no set of nodes in the partition can ever hold it).
  PendingReason reason = PendingReason::kNone;
  bool placed() const { return !nodes.empty(); }
};

class NodePool {
 public:
  NodePool(const std::vector<Node>& nodes, const std::vector<Partition>& partitions,
           const std::vector<Job>& running);

  // Index of the partition by name, or -1.
  int32_t FindPartition(const PartitionName& name) const;
  const Partition& partition(int32_t p) const { return *partitions_[static_cast<size_t>(p)]; }
  size_t partition_count() const { return partitions_.size(); }
  // Nodes and GPUs of a partition (all nodes, whatever their state).
  int64_t PartitionNodeCount(int32_t p) const;
  int64_t PartitionGpus(int32_t p) const;

  const Node& node(int32_t n) const { return *nodes_[static_cast<size_t>(n)]; }
  size_t node_count() const { return nodes_.size(); }
  Resources free(int32_t n) const { return free_[static_cast<size_t>(n)]; }

  // Member nodes of partition `p` (all states), in node order.
  const std::vector<int32_t>& PartitionNodes(int32_t p) const {
    return partition_nodes_[static_cast<size_t>(p)];
  }
  // Ready and not cordoned: may take new work.
  bool schedulable(int32_t n) const { return schedulable_[static_cast<size_t>(n)]; }
  // Static filters: GPU type, constraint labels, taints.
  bool Accepts(const Job& job, int32_t n) const;

  // Finds nodes for the job in partition `p` without changing the pool.
  PlacementResult Place(const Job& job, int32_t p) const;
  // Takes the job's per-node request from each node.
  void Allocate(const Job& job, const std::vector<int32_t>& nodes);
  // Gives the job's per-node request back on each node (trial preemption).
  void Release(const Job& job, const std::vector<int32_t>& nodes);
  // Index of the node by name (nodes are sorted by name), or -1.
  int32_t FindNode(const NodeName& name) const;
  // Node indices of the names that exist.
  std::vector<int32_t> FindNodes(const std::vector<NodeName>& names) const;

  // Holds back every node of partition `p` from later placements in this pass: Slurm's main
  // scheduler does this when a job of `p` cannot start, so lower-priority jobs of overlapping
  // partitions cannot take the nodes it waits for. A job that fails only because of withheld
  // nodes gets kNodesReservedForHigherPriority.
  void Withhold(int32_t p);

 private:
  // Best-fit order key: (free gpus, free cpu, free memory, node index).
  using FitKey = std::tuple<int64_t, int64_t, int64_t, int32_t>;

  bool FitsNow(const Job& job, int32_t n) const;  // free capacity and exclusivity
  PendingReason Diagnose(const Job& job, int32_t p) const;
  // Picks up to node_count fitting nodes in best-fit order; `skip_withheld` ignores withheld ones.
  std::vector<int32_t> Select(const Job& job, int32_t p, bool skip_withheld) const;
  FitKey KeyOf(int32_t n) const;
  // Changes a node's free resources and its place in the best-fit sets.
  void Adjust(int32_t n, const Resources& delta);

  std::vector<const Node*> nodes_;  // sorted by name
  std::vector<const Partition*> partitions_;
  std::map<PartitionName, int32_t> partition_index_;
  std::vector<std::vector<int32_t>> partition_nodes_;  // per partition, all member nodes
  std::vector<std::vector<int32_t>> node_partitions_;  // per node, partitions containing it
  std::vector<std::set<FitKey>> available_;            // per partition: ready, schedulable
  std::vector<Resources> free_;
  std::vector<bool> has_jobs_;
  std::vector<bool> schedulable_;
  std::vector<bool> withheld_;
  std::vector<bool> tainted_;  // the node has taints (Accepts' fast path)
};

}  // namespace fairway::core
