#include "controllers/demand_signals.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "api/tolerations.h"
#include "controllers/kube_objects.h"
#include "controllers/names.h"

namespace fairway::controllers {

using nlohmann::json;

namespace {

const api::NodePool* FindPool(const std::vector<api::PartitionObject>& partitions,
                              const PoolDemand& demand) {
  for (const api::PartitionObject& p : partitions) {
    if (p.meta.name != demand.partition) continue;
    for (const api::NodePool& pool : p.spec.node_pools) {
      if (pool.name == demand.pool) return &pool;
    }
  }
  return nullptr;
}

json Requests(const core::Resources& r) {
  json requests = json::object();
  if (r.gpus > 0) requests[std::string(kGpuResource)] = std::to_string(r.gpus);
  if (r.cpu_millis > 0) requests["cpu"] = std::to_string(r.cpu_millis) + "m";
  if (r.memory_bytes > 0) requests["memory"] = std::to_string(r.memory_bytes);
  return requests;
}

json UnschedulableStatus(const PoolDemand& demand) {
  return {{"phase", "Pending"},
          {"conditions",
           json::array({{{"type", "PodScheduled"},
                         {"status", "False"},
                         {"reason", "Unschedulable"},
                         {"message", std::string(kAwaitingNodesPrefix) + " to pool " + demand.pool +
                                         " of partition " + demand.partition}}})}};
}

// One signal pod: what an autoscaler needs to pick and size a node (selector, tolerations,
// request), owned by the Job; never run (it is never bound).
json SignalPod(const api::JobObject& job, const core::Job& instance, std::optional<uint32_t> index,
               const api::NodePool& pool, const PoolDemand& demand, int32_t rank) {
  const std::string name = job.meta.name + (index ? "-" + std::to_string(*index) : "") +
                           "-demand-" + std::to_string(rank);
  json requests = Requests(instance.per_node);
  json resources = {{"requests", requests}};
  if (requests.contains(kGpuResource)) {
    resources["limits"][std::string(kGpuResource)] = requests[std::string(kGpuResource)];
  }
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", job.meta.namespace_name},
            {"labels", {{std::string(kLabelDemandSignal), job.meta.name}}},
            {"annotations",
             {{std::string(kAnnotationDemandPool), demand.partition + "/" + demand.pool}}},
            {"ownerReferences", json::array({{{"apiVersion", std::string(api::kApiVersion)},
                                              {"kind", std::string(api::kJobKind)},
                                              {"name", job.meta.name},
                                              {"uid", job.meta.uid},
                                              {"controller", true},
                                              {"blockOwnerDeletion", true}}})}}},
          {"spec",
           {{"schedulerName", std::string(kSchedulerName)},
            {"nodeSelector", pool.node_selector},
            {"tolerations", api::ToJson(pool.tolerations)},
            {"restartPolicy", "Never"},
            {"containers", json::array({{{"name", "demand"},
                                         {"image", "registry.k8s.io/pause:3.9"},
                                         {"resources", resources}}})}}},
          {"status", UnschedulableStatus(demand)}};
}

// The signal pods wanted now, by "namespace/name": the highest-priority waiting instances'.
std::map<std::string, json> Wanted(const AwaitingNodes& awaiting, const Snapshot& snap,
                                   const ClusterObjects& objects, const core::CycleResult& result) {
  struct Waiting {
    uint32_t priority;
    size_t pending_index;
    const PoolDemand* demand;
  };
  std::vector<Waiting> order;
  for (const core::PendingDecision& d : result.pending) {
    auto it = awaiting.demands().find(d.pending_index);
    if (it != awaiting.demands().end()) {
      order.push_back({d.priority.priority, d.pending_index, &it->second});
    }
  }
  // Stable on the queue's order for equal priorities: deterministic.
  std::stable_sort(order.begin(), order.end(),
                   [](const Waiting& a, const Waiting& b) { return a.priority > b.priority; });
  if (order.size() > kMaxSignalledInstances) order.resize(kMaxSignalledInstances);
  std::map<std::string, json> wanted;
  for (const auto& [priority, pending_index, demand] : order) {
    const api::NodePool* pool = FindPool(objects.partitions, *demand);
    if (pool == nullptr) continue;
    const InstanceRef& ref = snap.pending_refs[pending_index];
    const api::JobObject& job = objects.jobs[ref.job];
    for (int32_t rank = 0; rank < demand->pods; ++rank) {
      json pod = SignalPod(job, snap.pending[pending_index], ref.array_index, *pool, *demand, rank);
      wanted.emplace(job.meta.namespace_name + "/" + JsonString(pod, {"metadata", "name"}),
                     std::move(pod));
    }
  }
  return wanted;
}

}  // namespace

void DemandSignals::Sync(const AwaitingNodes& awaiting, const core::CycleResult& result,
                         const Snapshot& snap, const ClusterObjects& objects, const Logger& log) {
  if (awaiting.empty() && !maybe_present_) return;
  std::map<std::string, json> wanted = Wanted(awaiting, snap, objects, result);
  std::vector<const json*> stale;
  size_t present = 0;
  for (const json& p : objects.pods) {
    if (PodLabel(p, kLabelDemandSignal).empty() || PodIsDeleting(p)) continue;
    ++present;
    const std::string key =
        JsonString(p, {"metadata", "namespace"}) + "/" + JsonString(p, {"metadata", "name"});
    auto it = wanted.find(key);
    if (it == wanted.end()) {
      stale.push_back(&p);
      continue;
    }
    // A pod whose condition write failed after its create gets it now.
    if (JsonAt(p, {"status", "conditions"}) == nullptr) WriteStatus(p, it->second["status"], log);
    wanted.erase(it);
  }
  if (!stale.empty()) writer_->DeletePods(stale, log);
  for (const auto& [key, pod] : wanted) Create(pod, log);
  maybe_present_ = present > 0 || !wanted.empty();
}

// Creates a signal pod, then writes its Unschedulable condition (an API server ignores the
// status in a create). A pod that already exists (the informer has not shown it yet) is
// left to the next cycle.
void DemandSignals::Create(const json& pod, const Logger& log) {
  const std::string ns = JsonString(pod, {"metadata", "namespace"});
  const std::string name = JsonString(pod, {"metadata", "name"});
  StatusOr<json> created = client_->Create(kube::ResourceRef::Pods(), ns, pod);
  if (!created.ok()) {
    if (created.status().code() != StatusCode::kAlreadyExists) {
      FAIRWAY_LOG(log, kWarn, "demand signal pod create failed",
                  {{"pod", ns + "/" + name}, {"error", created.status().ToString()}});
    }
    return;
  }
  WriteStatus(*created, pod["status"], log);
}

void DemandSignals::WriteStatus(const json& pod, const json& status, const Logger& log) {
  json updated = pod;
  updated["status"] = status;
  const std::string ns = JsonString(pod, {"metadata", "namespace"});
  StatusOr<json> written = client_->UpdateStatus(kube::ResourceRef::Pods(), ns, updated);
  const std::string key = ns + "/" + JsonString(pod, {"metadata", "name"});
  if (!written.ok()) {
    FAIRWAY_LOG(log, kWarn, "demand signal pod status write failed",
                {{"pod", key}, {"error", written.status().ToString()}});
    return;
  }
  FAIRWAY_LOG(log, kInfo, "demand signal pod unschedulable", {{"pod", key}});
}

}  // namespace fairway::controllers
