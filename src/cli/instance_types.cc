#include "cli/instance_types.h"

#include <algorithm>
#include <array>

namespace fairway::cli {
namespace {

// Sorted by name (LookupInstanceType searches it). GPU and vCPU counts and memory (GiB) as the
// EC2 accelerated-computing tables give them; trn1/inf2 count Neuron devices (chips), not GPUs.
constexpr std::array kInstanceTypes = {
    InstanceTypeInfo{"g4dn.12xlarge", 4, 0, 48, 192},
    InstanceTypeInfo{"g4dn.16xlarge", 1, 0, 64, 256},
    InstanceTypeInfo{"g4dn.2xlarge", 1, 0, 8, 32},
    InstanceTypeInfo{"g4dn.4xlarge", 1, 0, 16, 64},
    InstanceTypeInfo{"g4dn.8xlarge", 1, 0, 32, 128},
    InstanceTypeInfo{"g4dn.metal", 8, 0, 96, 384},
    InstanceTypeInfo{"g4dn.xlarge", 1, 0, 4, 16},
    InstanceTypeInfo{"g5.12xlarge", 4, 0, 48, 192},
    InstanceTypeInfo{"g5.16xlarge", 1, 0, 64, 256},
    InstanceTypeInfo{"g5.24xlarge", 4, 0, 96, 384},
    InstanceTypeInfo{"g5.2xlarge", 1, 0, 8, 32},
    InstanceTypeInfo{"g5.48xlarge", 8, 0, 192, 768},
    InstanceTypeInfo{"g5.4xlarge", 1, 0, 16, 64},
    InstanceTypeInfo{"g5.8xlarge", 1, 0, 32, 128},
    InstanceTypeInfo{"g5.xlarge", 1, 0, 4, 16},
    InstanceTypeInfo{"g6.12xlarge", 4, 0, 48, 192},
    InstanceTypeInfo{"g6.16xlarge", 1, 0, 64, 256},
    InstanceTypeInfo{"g6.24xlarge", 4, 0, 96, 384},
    InstanceTypeInfo{"g6.2xlarge", 1, 0, 8, 32},
    InstanceTypeInfo{"g6.48xlarge", 8, 0, 192, 768},
    InstanceTypeInfo{"g6.4xlarge", 1, 0, 16, 64},
    InstanceTypeInfo{"g6.8xlarge", 1, 0, 32, 128},
    InstanceTypeInfo{"g6.xlarge", 1, 0, 4, 16},
    InstanceTypeInfo{"g6e.12xlarge", 4, 0, 48, 384},
    InstanceTypeInfo{"g6e.16xlarge", 1, 0, 64, 512},
    InstanceTypeInfo{"g6e.24xlarge", 4, 0, 96, 768},
    InstanceTypeInfo{"g6e.2xlarge", 1, 0, 8, 64},
    InstanceTypeInfo{"g6e.48xlarge", 8, 0, 192, 1536},
    InstanceTypeInfo{"g6e.4xlarge", 1, 0, 16, 128},
    InstanceTypeInfo{"g6e.8xlarge", 1, 0, 32, 256},
    InstanceTypeInfo{"g6e.xlarge", 1, 0, 4, 32},
    InstanceTypeInfo{"inf2.24xlarge", 0, 6, 96, 384},
    InstanceTypeInfo{"inf2.48xlarge", 0, 12, 192, 768},
    InstanceTypeInfo{"inf2.8xlarge", 0, 1, 32, 128},
    InstanceTypeInfo{"inf2.xlarge", 0, 1, 4, 16},
    InstanceTypeInfo{"p3.16xlarge", 8, 0, 64, 488},
    InstanceTypeInfo{"p3.2xlarge", 1, 0, 8, 61},
    InstanceTypeInfo{"p3.8xlarge", 4, 0, 32, 244},
    InstanceTypeInfo{"p3dn.24xlarge", 8, 0, 96, 768},
    InstanceTypeInfo{"p4d.24xlarge", 8, 0, 96, 1152},
    InstanceTypeInfo{"p4de.24xlarge", 8, 0, 96, 1152},
    InstanceTypeInfo{"p5.48xlarge", 8, 0, 192, 2048},
    InstanceTypeInfo{"p5e.48xlarge", 8, 0, 192, 2048},
    InstanceTypeInfo{"p5en.48xlarge", 8, 0, 192, 2048},
    InstanceTypeInfo{"trn1.2xlarge", 0, 1, 8, 32},
    InstanceTypeInfo{"trn1.32xlarge", 0, 16, 128, 512},
    InstanceTypeInfo{"trn1n.32xlarge", 0, 16, 128, 512},
};

constexpr bool IsSorted() {
  for (size_t i = 1; i < kInstanceTypes.size(); ++i) {
    if (!(kInstanceTypes[i - 1].name < kInstanceTypes[i].name)) return false;
  }
  return true;
}
static_assert(IsSorted(), "kInstanceTypes must be sorted by name");

}  // namespace

const InstanceTypeInfo* LookupInstanceType(std::string_view name) {
  auto it = std::lower_bound(
      kInstanceTypes.begin(), kInstanceTypes.end(), name,
      [](const InstanceTypeInfo& info, std::string_view n) { return info.name < n; });
  return it != kInstanceTypes.end() && it->name == name ? &*it : nullptr;
}

}  // namespace fairway::cli
