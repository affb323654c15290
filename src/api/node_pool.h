// Partition `spec.nodePools[]`: node groups a cluster autoscaler (or Karpenter) grows from
// minNodes to maxNodes on demand, like a ParallelCluster queue's ComputeResources
// (MinCount/MaxCount). The one typed reader shared by the webhook, the controllers and the
// kubectl plugin; the ParallelCluster importer writes the same field names.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/labels.h"

namespace fairway::api {

// Largest maxNodes accepted: a bound on the planning nodes one pool adds to a cycle.
inline constexpr int64_t kMaxPoolNodes = 4096;
inline constexpr int64_t kMaxPoolGpusPerNode = 1024;
inline constexpr int64_t kMaxPoolCpusPerNode = 1 << 20;

struct NodePool {
  std::string name;  // DNS-1123 label, unique within the partition
  // Labels every node of the pool carries (e.g. node.kubernetes.io/instance-type or a node
  // group label); non-empty, and copied into the nodeSelector of demand-signal pods.
  std::map<std::string, std::string> node_selector;
  // Copied into demand-signal pods so they may land on the pool's tainted nodes.
  std::vector<core::Toleration> tolerations;
  int64_t min_nodes = 0;
  int64_t max_nodes = 0;
  int64_t gpus_per_node = 0;
  std::optional<int64_t> cpus_per_node;
  std::optional<int64_t> memory_per_node_bytes;  // "memoryPerNode": a quantity ("768Gi")

  bool operator==(const NodePool& other) const;
};

// spec.nodePools: a list of pools; errors name the offending field ("spec.nodePools[1].maxNodes").
[[nodiscard]] StatusOr<std::vector<NodePool>> NodePoolsFromJson(const nlohmann::json& list,
                                                                const std::string& field);

nlohmann::json ToJson(const NodePool& pool);

// True if a node with `labels` belongs to `pool` (carries every label of its nodeSelector).
bool InPool(const NodePool& pool, const core::Labels& labels);

}  // namespace fairway::api
