#include "api/node_pool.h"

#include <set>
#include <utility>

#include "api/common_types.h"
#include "api/internal/parse_util.h"
#include "api/quantity.h"
#include "api/tolerations.h"
#include "common/status_macros.h"

namespace fairway::api {

using json_fields::Find;
using json_fields::Index;
using json_fields::Join;
using nlohmann::json;

namespace {

bool IsDns1123Label(const std::string& name) {
  return name.size() <= 63 && name.find('.') == std::string::npos &&
         json_fields::IsDns1123Subdomain(name);
}

Status ReadSizes(const json& j, const std::string& item, NodePool* pool) {
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "maxNodes", item, 0, kMaxPoolNodes, &pool->max_nodes));
  if (Find(j, "maxNodes") == nullptr) {
    return InvalidArgumentError("is required (the most nodes the pool may grow to)",
                                Join(item, "maxNodes"));
  }
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "minNodes", item, 0, kMaxPoolNodes, &pool->min_nodes));
  if (pool->min_nodes > pool->max_nodes) {
    return InvalidArgumentError("must not exceed maxNodes (" + std::to_string(pool->max_nodes) +
                                    "); got " + std::to_string(pool->min_nodes),
                                Join(item, "minNodes"));
  }
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "gpusPerNode", item, 0, kMaxPoolGpusPerNode, &pool->gpus_per_node));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetOptionalInt64(j, "cpusPerNode", item, 1,
                                                        kMaxPoolCpusPerNode, &pool->cpus_per_node));
  std::string memory;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "memoryPerNode", item, &memory));
  if (!memory.empty()) {
    StatusOr<int64_t> bytes = ParseMemoryBytes(memory);
    if (!bytes.ok() || *bytes == 0) {
      return InvalidArgumentError(
          "must be a positive memory quantity such as \"768Gi\"; got " + internal::Quote(memory),
          Join(item, "memoryPerNode"));
    }
    pool->memory_per_node_bytes = *bytes;
  }
  return OkStatus();
}

StatusOr<NodePool> NodePoolFromJson(const json& j, const std::string& item) {
  if (!j.is_object()) {
    return InvalidArgumentError("must be an object", item);
  }
  NodePool pool;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "name", item, &pool.name));
  if (!IsDns1123Label(pool.name)) {
    return InvalidArgumentError(
        "must be a DNS-1123 label (lower-case letters, digits and '-', at most 63); got " +
            internal::Quote(pool.name),
        Join(item, "name"));
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringMap(j, "nodeSelector", item, &pool.node_selector));
  if (pool.node_selector.empty()) {
    // An empty selector would claim every node of the cluster for the pool.
    return InvalidArgumentError(
        "must name at least one node label (e.g. node.kubernetes.io/instance-type)",
        Join(item, "nodeSelector"));
  }
  if (const json* t = Find(j, "tolerations")) {
    FAIRWAY_ASSIGN_OR_RETURN(pool.tolerations, TolerationsFromJson(*t, Join(item, "tolerations")));
  }
  FAIRWAY_RETURN_IF_ERROR(ReadSizes(j, item, &pool));
  return pool;
}

}  // namespace

bool NodePool::operator==(const NodePool& o) const {
  return name == o.name && node_selector == o.node_selector &&
         SameTolerations(tolerations, o.tolerations) && min_nodes == o.min_nodes &&
         max_nodes == o.max_nodes && gpus_per_node == o.gpus_per_node &&
         cpus_per_node == o.cpus_per_node && memory_per_node_bytes == o.memory_per_node_bytes;
}

StatusOr<std::vector<NodePool>> NodePoolsFromJson(const json& list, const std::string& field) {
  if (!list.is_array()) {
    return InvalidArgumentError("must be a list", field);
  }
  std::vector<NodePool> out;
  std::set<std::string> names;
  std::set<std::map<std::string, std::string>> selectors;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string item = Index(field, i);
    FAIRWAY_ASSIGN_OR_RETURN(NodePool pool, NodePoolFromJson(list[i], item));
    if (!names.insert(pool.name).second) {
      return InvalidArgumentError("duplicate pool name " + internal::Quote(pool.name),
                                  Join(item, "name"));
    }
    // Two pools with one selector would count the same nodes twice.
    if (!selectors.insert(pool.node_selector).second) {
      return InvalidArgumentError("repeats the nodeSelector of an earlier pool",
                                  Join(item, "nodeSelector"));
    }
    out.push_back(std::move(pool));
  }
  return out;
}

json ToJson(const NodePool& p) {
  json j = json::object();
  j["name"] = p.name;
  j["nodeSelector"] = p.node_selector;
  if (!p.tolerations.empty()) {
    j["tolerations"] = ToJson(p.tolerations);
  }
  j["minNodes"] = p.min_nodes;
  j["maxNodes"] = p.max_nodes;
  j["gpusPerNode"] = p.gpus_per_node;
  if (p.cpus_per_node) {
    j["cpusPerNode"] = *p.cpus_per_node;
  }
  if (p.memory_per_node_bytes) {
    j["memoryPerNode"] = FormatMemoryBytes(*p.memory_per_node_bytes);
  }
  return j;
}

bool InPool(const NodePool& pool, const core::Labels& labels) {
  return core::LabelsInclude(labels, pool.node_selector);
}

}  // namespace fairway::api
