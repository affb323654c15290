// AWS ParallelCluster 3 configuration -> Fairway objects (kubectl fairway import-pcluster).
//
// One Partition per Scheduling.SlurmQueues[] entry (the first queue is the default partition,
// as in ParallelCluster), one spec.nodePools[] entry per ComputeResources[] entry, and the
// fairway-settings ConfigMap when CustomSlurmSettings carry parameters Fairway has settings for
// (pcluster_slurm_settings.h). A pool's nodes are found by two labels:
//
//   fairway.dev/node-pool: <queue>-<compute resource>   always (the Partition selects its
//                                                       pools' nodes by it), so two queues
//                                                       with the same instance type stay apart
//   node.kubernetes.io/instance-type: <type>            when the resource has one instance type
//                                                       (a mixed Instances list cannot be one
//                                                       value of a node selector)
//
// The autoscaler's node groups (Karpenter NodePools, managed node groups) must put the pool
// label on the nodes they add. MinCount/MaxCount become minNodes/maxNodes; gpusPerNode,
// cpusPerNode (halved with DisableSimultaneousMultithreading) and memoryPerNode come from the
// instance type table (instance_types.h); GPU pools tolerate the usual nvidia.com/gpu taint.
//
// The settings document is checked with the operator's own parsers (config/): a value they
// refuse is listed and left out, so what is printed always loads.
//
// Everything else is listed as Unmapped with the reason (it is written as comments at the top
// of the YAML too). Fatal, as errors: text that is not YAML (with its line), a scheduler other
// than Slurm, a queue or compute resource without a name, a compute resource with neither or
// both of InstanceType and Instances, counts that are not whole numbers with MinCount <=
// MaxCount.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/pcluster_slurm_settings.h"
#include "common/status.h"

namespace fairway::cli {

// The label that ties a pool's nodes to it.
inline constexpr std::string_view kNodePoolLabel = "fairway.dev/node-pool";

struct PclusterImportOptions {
  std::string source;                                 // the file name, for the header comment
  std::string settings_namespace = "fairway-system";  // where the operator's ConfigMap lives
};

struct PclusterImport {
  std::string yaml;                // "---"-separated documents for kubectl apply -f -
  std::vector<Unmapped> unmapped;  // in file order
  int partitions = 0;
  int node_pools = 0;
  bool settings = false;  // a fairway-settings ConfigMap was emitted
};

[[nodiscard]] StatusOr<PclusterImport> ImportPclusterConfig(std::string_view text,
                                                            const PclusterImportOptions& options);

}  // namespace fairway::cli
