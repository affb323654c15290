// sinfo: partitions and nodes (slurm-semantics.md §7, §9). Node states are derived per node from
// the Node object and the pods bound to it, on GPUs (Fairway's nodes are GPU nodes):
//   NotReady -> down; cordoned with running pods -> drng, cordoned empty -> drain;
//   otherwise no GPU allocated -> idle, some -> mix, all -> alloc (a node without GPUs: idle
//   without pods, mix with pods).
// Partitions own their nodes by name and/or label selector (neither: every node), as the
// scheduler does. Nodes a partition's node pools can still add (maxNodes minus the nodes
// carrying the pool's labels) are listed as powered-down "idle~" nodes named POOL-dy-N, as
// Slurm lists a ParallelCluster queue's dynamic nodes.
//
// Format codes: %P PARTITION (default marked '*'), %R PARTITION (no '*'), %a AVAIL,
// %l TIMELIMIT, %L DEFAULTTIME, %D NODES, %t STATE, %T STATE (long), %N NODELIST, %G GRES,
// %g GRES_USED (Fairway: allocated/total GPUs), %c CPUS, %m MEMORY (MB), %f AVAIL_FEATURES
// (GPU type), %A NODES(A/I), %F NODES(A/I/O/T).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/partition_types.h"
#include "common/status.h"

namespace fairway::cli {

inline constexpr std::string_view kSinfoDefaultFormat = "%#P %.5a %.10l %.6D %.6t %N";
inline constexpr std::string_view kSinfoNodeFormat = "%#N %.6D %#P %.6t";
inline constexpr std::string_view kSinfoLongFormat =
    "%#P %.5a %.10l %.10s %.4r %.8h %.10g %.6D %.11T %N";

struct NodeInfo {
  std::string name;
  std::map<std::string, std::string> labels;
  int64_t gpus_total = 0;
  int64_t gpus_alloc = 0;
  std::string gpu_type;
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  bool ready = true;
  bool cordoned = false;
  int running_pods = 0;
  // A node a partition's node pool can still add: Slurm's powered-down cloud node.
  bool powered_down = false;

  // "idle", "mix", "alloc", "drng", "drain", "down"; "idle~" when powered down.
  std::string State() const;
};

// From Node objects and every pod (pods on other nodes or finished are ignored).
std::vector<NodeInfo> BuildNodeInfos(const std::vector<nlohmann::json>& nodes,
                                     const std::vector<nlohmann::json>& pods);

bool NodeInPartition(const NodeInfo& node, const api::PartitionObject& partition);

struct SinfoOptions {
  std::string format;  // empty: default (or the node format with node_oriented)
  bool node_oriented = false;
  bool header = true;
  std::vector<std::string> partitions;  // -p filter; empty: all
  std::vector<std::string> states;      // -t filter (compact names); empty: all
};

[[nodiscard]] StatusOr<std::string> RenderSinfo(const std::vector<api::PartitionObject>& partitions,
                                                const std::vector<NodeInfo>& nodes,
                                                const SinfoOptions& options);

}  // namespace fairway::cli
