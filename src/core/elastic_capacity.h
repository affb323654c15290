// Elastic partitions: how many nodes a pending job needs its partition's node pools to add.
// Nodes a pool can still add appear in the cluster as Node::provisionable placeholders carrying
// the pool's labels; the planner never starts jobs or plans reservations on them, so a job
// that fits only with them stays pending with reason Resources. This answers, for such a job,
// whether it waits for added nodes (rather than for running jobs to end) and how many.
//
// Thread-safety: pure functions over a NodePool that is not modified.
#pragma once

#include <cstdint>

#include "core/model.h"
#include "core/placement.h"

namespace fairway::core {

// The job's demand on partition `p`'s addable nodes: the pods that go to new nodes (the nodes
// free now take the others) and the first placeholder that can hold one (its labels name the
// pool). pods == 0 when the job fits the nodes free now, or when existing and addable nodes
// together cannot hold it.
struct AddedNodeDemand {
  int32_t pods = 0;
  int32_t placeholder = -1;  // node index in the NodePool
};

AddedNodeDemand AddedNodesNeeded(const NodePool& pool, const Job& job, int32_t p);

}  // namespace fairway::core
