// The `Partition` custom resource (fairway.dev/v1alpha1, cluster-scoped;
// crds/fairway.dev_partitions.yaml): C++ types, JSON codec with validation, and conversion into
// core::Partition (slurm-semantics.md §7).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/common_types.h"
#include "api/node_pool.h"
#include "api/object_meta.h"
#include "common/status.h"
#include "core/labels.h"
#include "core/model.h"

namespace fairway::api {

inline constexpr std::string_view kPartitionKind = "Partition";
// Slurm's ceiling for PriorityJobFactor and PriorityTier.
inline constexpr int64_t kMaxPartitionPriority = 65533;

struct PartitionSpec {
  // Member nodes: those matching node_selector, named in nodes or in one of node_pools; all
  // empty = every node.
  core::LabelSelector node_selector;
  std::vector<std::string> nodes;
  bool is_default = false;  // "default"
  core::PartitionState state = core::PartitionState::kUp;
  std::string max_time = "UNLIMITED";       // Slurm time
  std::string default_time;                 // Slurm time; empty = MaxTime
  std::optional<int64_t> max_nodes;         // nullopt = UNLIMITED
  std::vector<std::string> allow_accounts;  // empty = ALL
  std::vector<std::string> deny_accounts;
  std::vector<std::string> allow_groups;  // empty = ALL
  std::vector<std::string> allow_qos;     // empty = ALL
  int64_t priority_job_factor = 1;
  int64_t priority_tier = 1;
  core::PreemptMode preempt_mode = core::PreemptMode::kOff;
  std::vector<NodePool> node_pools;  // "nodePools": groups an autoscaler grows on demand

  // Field-wise (core::LabelSelector has no operator==; requirements compare in order).
  bool operator==(const PartitionSpec& other) const;
};

// Node counts by sinfo state (slurm-semantics.md §9): idle, mix, alloc, drng (cordoned with
// pods), drain (cordoned, empty), down (NotReady).
struct PartitionNodeCounts {
  int64_t total = 0;
  int64_t idle = 0;
  int64_t mix = 0;
  int64_t alloc = 0;
  int64_t drng = 0;
  int64_t drain = 0;
  int64_t down = 0;

  bool operator==(const PartitionNodeCounts&) const = default;
};

struct PartitionStatus {
  PartitionNodeCounts nodes;
  int64_t total_gpus = 0;
  int64_t allocated_gpus = 0;
  int64_t pending_jobs = 0;
  int64_t running_jobs = 0;
  std::vector<Condition> conditions;
  int64_t observed_generation = 0;

  bool operator==(const PartitionStatus&) const = default;
};

struct PartitionObject {
  ObjectMeta meta;
  PartitionSpec spec;
  PartitionStatus status;

  bool operator==(const PartitionObject&) const = default;
};

[[nodiscard]] StatusOr<PartitionObject> PartitionFromJson(const nlohmann::json& j);
[[nodiscard]] StatusOr<PartitionSpec> PartitionSpecFromJson(const nlohmann::json& j,
                                                            const std::string& path = "spec");
[[nodiscard]] StatusOr<PartitionStatus> PartitionStatusFromJson(const nlohmann::json& j,
                                                                const std::string& path = "status");

nlohmann::json ToJson(const PartitionSpec& spec);
nlohmann::json ToJson(const PartitionStatus& status);
nlohmann::json ToJson(const PartitionObject& partition);

// name = metadata.name (required); maxTime/defaultTime parsed (UNLIMITED -> nullopt).
[[nodiscard]] StatusOr<core::Partition> ToCorePartition(const PartitionObject& partition);

}  // namespace fairway::api
