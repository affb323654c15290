#include "controllers/elastic_pools.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "controllers/names.h"
#include "core/elastic_capacity.h"
#include "core/placement.h"

namespace fairway::controllers {
namespace {

// A pool without cpusPerNode or memoryPerNode does not limit that resource.
constexpr int64_t kUnbounded = int64_t{1} << 50;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

core::Node Placeholder(const std::string& partition, const api::NodePool& pool, int64_t i) {
  core::Node n;
  n.name = core::NodeName("~" + partition + "/" + pool.name + "/" + std::to_string(i));
  n.labels = pool.node_selector;
  n.allocatable.gpus = pool.gpus_per_node;
  n.allocatable.cpu_millis = pool.cpus_per_node ? *pool.cpus_per_node * 1000 : kUnbounded;
  n.allocatable.memory_bytes = pool.memory_per_node_bytes.value_or(kUnbounded);
  // The GPU type comes from the same labels as for real nodes (NodeFromJson).
  for (std::string_view key : {kNodeGpuTypeLabel, kNodeGpuProductLabel}) {
    auto it = n.labels.find(std::string(key));
    if (it != n.labels.end() && !it->second.empty()) {
      n.gpu_type = Lower(it->second);
      break;
    }
  }
  n.provisionable = true;
  return n;
}

}  // namespace

bool BeingRemoved(const core::Node& node) {
  return std::any_of(node.taints.begin(), node.taints.end(), [](const core::Taint& t) {
    return t.key == kClusterAutoscalerDeletionTaint || t.key == kKarpenterDisruptedTaint ||
           t.key == kKarpenterDisruptionTaint;
  });
}

std::vector<core::Node> AddableNodes(const std::vector<api::PartitionObject>& partitions,
                                     const std::vector<core::Node>& nodes) {
  std::vector<const api::PartitionObject*> sorted;
  for (const api::PartitionObject& p : partitions) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->meta.name < b->meta.name; });
  std::vector<core::Node> out;
  std::set<core::Labels> seen;
  for (const api::PartitionObject* p : sorted) {
    for (const api::NodePool& pool : p->spec.node_pools) {
      if (!seen.insert(pool.node_selector).second) continue;
      int64_t current = std::count_if(nodes.begin(), nodes.end(), [&](const core::Node& n) {
        return api::InPool(pool, n.labels);
      });
      for (int64_t i = current; i < pool.max_nodes; ++i) {
        out.push_back(Placeholder(p->meta.name, pool, i - current));
      }
    }
  }
  return out;
}

namespace {

// The partition and pool of placeholder "~PARTITION/POOL/I"; false for other names.
bool SplitPlaceholder(const core::NodeName& name, std::string* partition, std::string* pool) {
  const std::string& s = name.str();
  if (s.empty() || s[0] != '~') return false;
  size_t a = s.find('/');
  size_t b = a == std::string::npos ? a : s.find('/', a + 1);
  if (b == std::string::npos) return false;
  *partition = s.substr(1, a - 1);
  *pool = s.substr(a + 1, b - a - 1);
  return true;
}

}  // namespace

std::string PoolOfPlaceholder(const core::NodeName& name) {
  std::string partition, pool;
  if (!SplitPlaceholder(name, &partition, &pool)) return "";
  return "pool " + pool + " of partition " + partition;
}

AwaitingNodes::AwaitingNodes(const core::ClusterState& cluster,
                             const std::vector<core::Job>& pending,
                             const core::CycleResult& result) {
  bool elastic = std::any_of(cluster.nodes.begin(), cluster.nodes.end(),
                             [](const core::Node& n) { return n.provisionable; });
  if (!elastic) return;  // the common case: no pool can add nodes, nothing to explain
  const core::NodePool pool(cluster.nodes, cluster.partitions, cluster.running);
  // Records the decision's demand; only a Resources job gets the message (a Priority job
  // waits for the jobs ahead of it first).
  auto record = [&](const core::PendingDecision& d) {
    const core::Job& job = pending[d.pending_index];
    for (const core::PartitionName& name : result.PartitionsOf(d)) {
      core::AddedNodeDemand demand = core::AddedNodesNeeded(pool, job, pool.FindPartition(name));
      if (demand.pods == 0) continue;
      const core::NodeName& placeholder = pool.node(demand.placeholder).name;
      PoolDemand& pd = demands_[d.pending_index];
      pd.pods = demand.pods;
      SplitPlaceholder(placeholder, &pd.partition, &pd.pool);
      if (d.reason == core::PendingReason::kResources) {
        messages_[d.pending_index] = std::string(kAwaitingNodesPrefix) + ": " +
                                     std::to_string(demand.pods) + " to " +
                                     PoolOfPlaceholder(placeholder);
      }
      return;
    }
  };
  std::vector<const core::PendingDecision*> behind;  // Priority: queued behind other jobs
  for (const core::PendingDecision& d : result.pending) {
    if (d.reason == core::PendingReason::kResources) record(d);
    if (d.reason == core::PendingReason::kPriority) behind.push_back(&d);
  }
  // The queue behind the first waiting job asks for nodes too, as far as the signals reach
  // (highest priority first): placement work bounded however long the queue is.
  std::stable_sort(behind.begin(), behind.end(), [](const auto* a, const auto* b) {
    return a->priority.priority > b->priority.priority;
  });
  for (const core::PendingDecision* d : behind) {
    if (demands_.size() >= kMaxSignalledInstances) break;
    record(*d);
  }
}

void AwaitingNodes::Apply(const core::PendingDecision& d, api::JobStatus* status) const {
  auto it = messages_.find(d.pending_index);
  if (it != messages_.end()) {
    status->message = it->second;
  } else if (status->message.rfind(kAwaitingNodesPrefix, 0) == 0) {
    status->message.clear();
  }
}

}  // namespace fairway::controllers
