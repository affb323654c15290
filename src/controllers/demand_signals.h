// Demand signalling for elastic partitions (issue 14): for the kMaxSignalledInstances
// highest-priority pending instances that need nodes a Partition's node pool can add
// (AwaitingNodes: jobs pending with Resources, and jobs queued behind them), unbound pods
// with schedulerName fairway, the pool's nodeSelector and tolerations, the instance's per-node
// request and condition PodScheduled=False/Unschedulable: the signal cluster-autoscaler and
// Karpenter act on. One pod per node the instance needs from the pool.
//
// Signal pods are never bound. When the instance starts (on the added nodes or elsewhere), is
// cancelled or no longer waits for added nodes, its signal pods are deleted and the normal
// start path creates and binds the job's pods (PodBinder). Adopting the signal pods instead
// is not possible: a pod's spec is immutable apart from a few fields, and the job's pods carry
// the node list, ranks and MASTER_ADDR, which are known only once the nodes are chosen.
//
// Signal pods carry an owner reference to their Job (so the stray-pod check and the garbage
// collector see them as the Job's) and the label fairway.dev/demand-signal=<job name>; they do
// not carry fairway.dev/job, so nothing counts them as the job's running pods.
//
// Thread-safety: not thread-safe; the controller's loop thread only.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/log.h"
#include "controllers/elastic_pools.h"
#include "controllers/job_writer.h"
#include "controllers/snapshot.h"
#include "core/cycle.h"
#include "kube/api_client.h"

namespace fairway::controllers {

inline constexpr std::string_view kLabelDemandSignal = "fairway.dev/demand-signal";
// The pool a signal pod asks for, "PARTITION/POOL" (the sandbox's autoscaler reads it).
inline constexpr std::string_view kAnnotationDemandPool = "fairway.dev/demand-pool";

class DemandSignals {
 public:
  // REQUIRES: client and writer outlive this object.
  DemandSignals(kube::ApiClient* client, JobWriter* writer) : client_(client), writer_(writer) {}

  // Creates the signal pods `awaiting` asks for and deletes the others. Does nothing (no scan
  // of pods) when nothing waits for added nodes and no signal pod was left by an earlier call.
  void Sync(const AwaitingNodes& awaiting, const core::CycleResult& result, const Snapshot& snap,
            const ClusterObjects& objects, const Logger& log);

 private:
  void Create(const nlohmann::json& pod, const Logger& log);
  // Writes `status` (the Unschedulable condition) over the stored `pod`'s.
  void WriteStatus(const nlohmann::json& pod, const nlohmann::json& status, const Logger& log);

  kube::ApiClient* const client_;
  JobWriter* const writer_;
  bool maybe_present_ = true;  // true at start: an earlier run may have left signal pods
};

}  // namespace fairway::controllers
