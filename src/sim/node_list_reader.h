// Reader for the Alibaba GPU node inventory (../shared/data/traces/openb_node_list_gpu_node.csv;
// Weng et al., USENIX ATC 2023, clusterdata gpu-v2023).
//
// API:
//   StatusOr<NodeList> ReadNodeListCsv(path)              plain or gzip-compressed CSV
//   StatusOr<NodeList> ParseNodeListCsvText(text, source)  the same parser over a string
//
// Format: header `sn,cpu_milli,memory_mib,gpu,model` (any column order; all five required), then
// one node per line. Records keep file order; blank lines are skipped. Node names must be unique.
//
// Errors never crash: unreadable file -> NotFound; missing header column, wrong field count,
// bad or negative number, empty name, duplicate name -> InvalidArgument "<path>:<line>: <what>".
//
// Thread-safety: free functions over values; safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fairway::sim {

struct NodeRecord {
  std::string name;        // sn
  int64_t cpu_milli = 0;   // CPU in millicores
  int64_t memory_mib = 0;  // memory in MiB
  int64_t gpus = 0;        // whole GPUs
  std::string gpu_model;   // model, e.g. "V100M32"; may be empty for CPU-only nodes
  int64_t line_number = 0;
};

struct NodeList {
  std::string source;
  std::vector<NodeRecord> nodes;  // file order
};

[[nodiscard]] StatusOr<NodeList> ReadNodeListCsv(const std::string& path);
[[nodiscard]] StatusOr<NodeList> ParseNodeListCsvText(std::string_view text,
                                                      std::string_view source);

}  // namespace fairway::sim
