// What kubectl fairway import-pcluster knows of EC2 instance types: the accelerated types a
// ParallelCluster GPU queue commonly uses, with their GPUs (or AWS Neuron devices), vCPUs and
// memory, from the EC2 instance type documentation. A type not in the table is imported as a
// pool without a GPU count and reported.
//
// Thread-safety: the table is immutable; LookupInstanceType may be called from any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace fairway::cli {

struct InstanceTypeInfo {
  std::string_view name;  // "p4d.24xlarge"
  int32_t gpus = 0;       // NVIDIA GPUs (nvidia.com/gpu)
  int32_t neuron = 0;     // AWS Trainium/Inferentia devices (aws.amazon.com/neuron), not GPUs
  int32_t vcpus = 0;      // with simultaneous multithreading on
  int64_t memory_gib = 0;
};

// The entry for `name`, or nullptr when the table does not list it.
const InstanceTypeInfo* LookupInstanceType(std::string_view name);

}  // namespace fairway::cli
