#include "core/elastic_capacity.h"

namespace fairway::core {

AddedNodeDemand AddedNodesNeeded(const NodePool& pool, const Job& job, int32_t p) {
  AddedNodeDemand demand;
  if (job.node_count <= 0 || p < 0) return demand;
  int32_t free_now = 0;
  int32_t addable = 0;
  for (int32_t n : pool.PartitionNodes(p)) {
    const Node& node = pool.node(n);
    if (!pool.Accepts(job, n)) continue;
    if (node.provisionable) {
      if (!node.allocatable.Fits(job.per_node)) continue;
      if (demand.placeholder < 0) demand.placeholder = n;
      ++addable;
      continue;
    }
    // Exclusive jobs need an empty node; otherwise the free capacity must hold one pod.
    const Resources free = pool.free(n);
    bool fits = job.exclusive ? free == node.allocatable && free.Fits(job.per_node)
                              : free.Fits(job.per_node);
    if (pool.schedulable(n) && fits) ++free_now;
  }
  if (free_now >= job.node_count || free_now + addable < job.node_count) return {};
  demand.pods = job.node_count - free_now;
  return demand;
}

}  // namespace fairway::core
