#include "core/placement.h"

#include <algorithm>

#include "core/partition_rules.h"

namespace fairway::core {

NodePool::NodePool(const std::vector<Node>& nodes, const std::vector<Partition>& partitions,
                   const std::vector<Job>& running) {
  nodes_.reserve(nodes.size());
  for (const Node& n : nodes) nodes_.push_back(&n);
  auto by_name = [](const Node* a, const Node* b) { return a->name < b->name; };
  if (!std::is_sorted(nodes_.begin(), nodes_.end(), by_name)) {
    std::stable_sort(nodes_.begin(), nodes_.end(), by_name);
  }
  free_.resize(nodes_.size());
  has_jobs_.assign(nodes_.size(), false);
  schedulable_.assign(nodes_.size(), false);
  withheld_.assign(nodes_.size(), false);
  tainted_.assign(nodes_.size(), false);
  node_partitions_.resize(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = *nodes_[i];
    free_[i] = n.allocatable - n.used_by_other_pods;
    schedulable_[i] = n.ready && !n.unschedulable && !n.provisionable;
    tainted_[i] = !n.taints.empty();
  }
  for (const Job& job : running) {
    for (const NodeName& name : job.allocated_nodes) {
      int32_t n = FindNode(name);
      if (n < 0) continue;  // node gone: nothing to subtract
      free_[static_cast<size_t>(n)] -= job.per_node;
      has_jobs_[static_cast<size_t>(n)] = true;
    }
  }
  for (const Partition& p : partitions) {
    int32_t index = static_cast<int32_t>(partitions_.size());
    if (!partition_index_.emplace(p.name, index).second) continue;  // duplicate name: first wins
    partitions_.push_back(&p);
    partition_nodes_.emplace_back();
    available_.emplace_back();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (!NodeInPartition(*nodes_[i], p)) continue;
      int32_t n = static_cast<int32_t>(i);
      partition_nodes_.back().push_back(n);
      node_partitions_[i].push_back(index);
      if (schedulable_[i]) available_.back().insert(KeyOf(n));
    }
  }
}

NodePool::FitKey NodePool::KeyOf(int32_t n) const {
  const Resources& f = free_[static_cast<size_t>(n)];
  return {f.gpus, f.cpu_millis, f.memory_bytes, n};
}

int32_t NodePool::FindPartition(const PartitionName& name) const {
  auto it = partition_index_.find(name);
  return it == partition_index_.end() ? -1 : it->second;
}

int64_t NodePool::PartitionNodeCount(int32_t p) const {
  return static_cast<int64_t>(partition_nodes_[static_cast<size_t>(p)].size());
}

int64_t NodePool::PartitionGpus(int32_t p) const {
  int64_t gpus = 0;
  for (int32_t n : partition_nodes_[static_cast<size_t>(p)]) gpus += node(n).allocatable.gpus;
  return gpus;
}

bool NodePool::Accepts(const Job& job, int32_t n) const {
  // Most jobs filter on nothing and most nodes carry no taint: decided without reading the Node
  // (the backfill planner asks this for every node and job).
  if (job.gpu_type.empty() && job.constraint.empty() && !tainted_[static_cast<size_t>(n)]) {
    return true;
  }
  const Node& node = this->node(n);
  if (!job.gpu_type.empty() && job.per_node.gpus > 0 && node.gpu_type != job.gpu_type) {
    return false;
  }
  for (const auto& [key, value] : job.constraint) {
    auto it = node.labels.find(key);
    if (it == node.labels.end() || it->second != value) return false;
  }
  return ToleratesAllHardTaints(job.tolerations, node.taints);
}

bool NodePool::FitsNow(const Job& job, int32_t n) const {
  const Resources& f = free_[static_cast<size_t>(n)];
  if (job.exclusive) {
    const Node& node = this->node(n);
    return !has_jobs_[static_cast<size_t>(n)] && f == node.allocatable &&
           node.allocatable.Fits(job.per_node);
  }
  return f.Fits(job.per_node);
}

std::vector<int32_t> NodePool::Select(const Job& job, int32_t p, bool skip_withheld) const {
  const std::set<FitKey>& candidates = available_[static_cast<size_t>(p)];
  std::vector<int32_t> chosen;
  if (job.node_count <= 0) return chosen;
  // Keys are ordered by free GPUs first: skip nodes with too few GPUs outright.
  auto it = candidates.lower_bound(FitKey{job.per_node.gpus, INT64_MIN, INT64_MIN, INT32_MIN});
  for (; it != candidates.end(); ++it) {
    int32_t n = std::get<3>(*it);
    if (skip_withheld && withheld_[static_cast<size_t>(n)]) continue;
    if (FitsNow(job, n) && Accepts(job, n)) {
      chosen.push_back(n);
      if (static_cast<int32_t>(chosen.size()) == job.node_count) break;
    }
  }
  return chosen;
}

PlacementResult NodePool::Place(const Job& job, int32_t p) const {
  PlacementResult result;
  std::vector<int32_t> chosen = Select(job, p, /*skip_withheld=*/true);
  if (job.node_count > 0 && static_cast<int32_t>(chosen.size()) == job.node_count) {
    result.nodes = std::move(chosen);
    return result;
  }
  result.reason = Diagnose(job, p);
  if (result.reason == PendingReason::kResources &&
      static_cast<int32_t>(Select(job, p, /*skip_withheld=*/false).size()) == job.node_count) {
    result.reason = PendingReason::kNodesReservedForHigherPriority;
  }
  return result;
}

void NodePool::Withhold(int32_t p) {
  for (int32_t n : partition_nodes_[static_cast<size_t>(p)])
    withheld_[static_cast<size_t>(n)] = true;
}

PendingReason NodePool::Diagnose(const Job& job, int32_t p) const {
  int32_t usable = 0;    // could hold the job if idle, and take work
  int32_t possible = 0;  // could hold the job if idle, whatever their state
  int32_t addable = 0;   // node pools can still add them (Node::provisionable)
  for (int32_t n : partition_nodes_[static_cast<size_t>(p)]) {
    if (!node(n).allocatable.Fits(job.per_node) || !Accepts(job, n)) continue;
    if (node(n).provisionable) {
      ++addable;
      continue;
    }
    ++possible;
    if (schedulable_[static_cast<size_t>(n)]) ++usable;
  }
  if (job.node_count <= 0 || possible + addable < job.node_count) {
    return PendingReason::kBadConstraints;
  }
  // Nodes being added are waited for like busy ones (Slurm's powered-down nodes: Resources).
  if (usable + addable < job.node_count) return PendingReason::kNodeDown;
  return PendingReason::kResources;
}

void NodePool::Allocate(const Job& job, const std::vector<int32_t>& nodes) {
  for (int32_t n : nodes) {
    has_jobs_[static_cast<size_t>(n)] = true;
    Adjust(n, Resources{} - job.per_node);
  }
}

void NodePool::Release(const Job& job, const std::vector<int32_t>& nodes) {
  for (int32_t n : nodes) Adjust(n, job.per_node);
}

void NodePool::Adjust(int32_t n, const Resources& delta) {
  size_t i = static_cast<size_t>(n);
  FitKey old_key = KeyOf(n);
  free_[i] += delta;
  if (!schedulable_[i]) return;
  for (int32_t p : node_partitions_[i]) {
    std::set<FitKey>& set = available_[static_cast<size_t>(p)];
    set.erase(old_key);
    set.insert(KeyOf(n));
  }
}

int32_t NodePool::FindNode(const NodeName& name) const {
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), name,
                             [](const Node* node, const NodeName& n) { return node->name < n; });
  if (it == nodes_.end() || (*it)->name != name) return -1;
  return static_cast<int32_t>(it - nodes_.begin());
}

std::vector<int32_t> NodePool::FindNodes(const std::vector<NodeName>& names) const {
  std::vector<int32_t> out;
  out.reserve(names.size());
  for (const NodeName& name : names) {
    int32_t n = FindNode(name);
    if (n >= 0) out.push_back(n);
  }
  return out;
}

}  // namespace fairway::core
