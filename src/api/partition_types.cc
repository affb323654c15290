#include "api/partition_types.h"

#include <limits>
#include <utility>

#include "api/internal/parse_util.h"
#include "api/time_limit.h"
#include "common/status_macros.h"

namespace fairway::api {

using json_fields::Find;
using json_fields::Index;
using json_fields::Join;
using nlohmann::json;

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kMaxNodes = std::numeric_limits<int32_t>::max();

Status CheckNames(const std::vector<std::string>& names, const std::string& field,
                  bool (*valid)(std::string_view)) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (!valid(names[i])) {
      return InvalidArgumentError("invalid name " + internal::Quote(names[i]), Index(field, i));
    }
  }
  return OkStatus();
}

Status CheckTime(const std::string& text, const std::string& field) {
  if (text.empty()) {
    return OkStatus();
  }
  StatusOr<TimeLimit> t = ParseTimeLimit(text);
  if (!t.ok()) {
    return InvalidArgumentError(t.status().message(), field);
  }
  return OkStatus();
}

StatusOr<core::PartitionState> ParseState(const std::string& text, const std::string& field) {
  if (text == "UP") {
    return core::PartitionState::kUp;
  }
  if (text == "DOWN") {
    return core::PartitionState::kDown;
  }
  if (text == "DRAIN") {
    return core::PartitionState::kDrain;
  }
  if (text == "INACTIVE") {
    return core::PartitionState::kInactive;
  }
  return InvalidArgumentError(
      "must be one of UP, DOWN, DRAIN, INACTIVE; got " + internal::Quote(text), field);
}

bool SameSelector(const core::LabelSelector& a, const core::LabelSelector& b) {
  if (a.match_labels != b.match_labels ||
      a.match_expressions.size() != b.match_expressions.size()) {
    return false;
  }
  for (size_t i = 0; i < a.match_expressions.size(); ++i) {
    const core::LabelRequirement& x = a.match_expressions[i];
    const core::LabelRequirement& y = b.match_expressions[i];
    if (x.key != y.key || x.op != y.op || x.values != y.values) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool PartitionSpec::operator==(const PartitionSpec& o) const {
  return SameSelector(node_selector, o.node_selector) && nodes == o.nodes &&
         is_default == o.is_default && state == o.state && max_time == o.max_time &&
         default_time == o.default_time && max_nodes == o.max_nodes &&
         allow_accounts == o.allow_accounts && deny_accounts == o.deny_accounts &&
         allow_groups == o.allow_groups && allow_qos == o.allow_qos &&
         priority_job_factor == o.priority_job_factor && priority_tier == o.priority_tier &&
         preempt_mode == o.preempt_mode && node_pools == o.node_pools;
}

StatusOr<PartitionSpec> PartitionSpecFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  PartitionSpec s;
  if (const json* sel = Find(j, "nodeSelector")) {
    FAIRWAY_ASSIGN_OR_RETURN(s.node_selector,
                             LabelSelectorFromJson(*sel, Join(path, "nodeSelector")));
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "nodes", path, &s.nodes));
  FAIRWAY_RETURN_IF_ERROR(
      CheckNames(s.nodes, Join(path, "nodes"), &json_fields::IsDns1123Subdomain));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetBool(j, "default", path, &s.is_default));
  std::string state;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "state", path, &state));
  if (!state.empty()) {
    FAIRWAY_ASSIGN_OR_RETURN(s.state, ParseState(state, Join(path, "state")));
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "maxTime", path, &s.max_time));
  FAIRWAY_RETURN_IF_ERROR(CheckTime(s.max_time, Join(path, "maxTime")));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "defaultTime", path, &s.default_time));
  FAIRWAY_RETURN_IF_ERROR(CheckTime(s.default_time, Join(path, "defaultTime")));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetOptionalInt64(j, "maxNodes", path, 1, kMaxNodes, &s.max_nodes));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "allowAccounts", path, &s.allow_accounts));
  FAIRWAY_RETURN_IF_ERROR(
      CheckNames(s.allow_accounts, Join(path, "allowAccounts"), &json_fields::IsDns1123Subdomain));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "denyAccounts", path, &s.deny_accounts));
  FAIRWAY_RETURN_IF_ERROR(
      CheckNames(s.deny_accounts, Join(path, "denyAccounts"), &json_fields::IsDns1123Subdomain));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "allowGroups", path, &s.allow_groups));
  FAIRWAY_RETURN_IF_ERROR(
      CheckNames(s.allow_groups, Join(path, "allowGroups"), &json_fields::IsValidSubjectName));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "allowQos", path, &s.allow_qos));
  FAIRWAY_RETURN_IF_ERROR(
      CheckNames(s.allow_qos, Join(path, "allowQos"), &json_fields::IsDns1123Subdomain));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "priorityJobFactor", path, 0,
                                                kMaxPartitionPriority, &s.priority_job_factor));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "priorityTier", path, 0, kMaxPartitionPriority, &s.priority_tier));
  std::string mode;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "preemptMode", path, &mode));
  if (!mode.empty()) {
    std::optional<core::PreemptMode> m = ParsePreemptMode(mode);
    if (!m) {
      return InvalidArgumentError(
          "must be one of OFF, CANCEL, REQUEUE; got " + internal::Quote(mode),
          Join(path, "preemptMode"));
    }
    s.preempt_mode = *m;
  }
  if (const json* pools = Find(j, "nodePools")) {
    FAIRWAY_ASSIGN_OR_RETURN(s.node_pools, NodePoolsFromJson(*pools, Join(path, "nodePools")));
  }
  return s;
}

StatusOr<PartitionStatus> PartitionStatusFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  PartitionStatus s;
  if (const json* n = Find(j, "nodes")) {
    std::string field = Join(path, "nodes");
    FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(*n, field));
    PartitionNodeCounts& c = s.nodes;
    for (auto [key, out] : {std::pair<const char*, int64_t*>{"total", &c.total},
                            {"idle", &c.idle},
                            {"mix", &c.mix},
                            {"alloc", &c.alloc},
                            {"drng", &c.drng},
                            {"drain", &c.drain},
                            {"down", &c.down}}) {
      FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(*n, key, field, 0, kInt64Max, out));
    }
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "totalGPUs", path, 0, kInt64Max, &s.total_gpus));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "allocatedGPUs", path, 0, kInt64Max, &s.allocated_gpus));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "pendingJobs", path, 0, kInt64Max, &s.pending_jobs));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "runningJobs", path, 0, kInt64Max, &s.running_jobs));
  FAIRWAY_RETURN_IF_ERROR(ConditionsFromJson(j, path, &s.conditions));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "observedGeneration", path, 0, kInt64Max, &s.observed_generation));
  return s;
}

StatusOr<PartitionObject> PartitionFromJson(const json& j) {
  return DecodeObject<PartitionObject>(
      j, kPartitionKind, "a Partition", [](const json& s) { return PartitionSpecFromJson(s); },
      [](const json& s) { return PartitionStatusFromJson(s); });
}

json ToJson(const PartitionSpec& s) {
  json j = json::object();
  if (!s.node_selector.empty()) {
    j["nodeSelector"] = ToJson(s.node_selector);
  }
  if (!s.nodes.empty()) {
    j["nodes"] = s.nodes;
  }
  j["default"] = s.is_default;
  j["state"] = std::string(core::PartitionStateName(s.state));
  j["maxTime"] = s.max_time;  // always: an explicit "" must not come back as the default
  if (!s.default_time.empty()) {
    j["defaultTime"] = s.default_time;
  }
  if (s.max_nodes) {
    j["maxNodes"] = *s.max_nodes;
  }
  auto put_list = [&j](const char* key, const std::vector<std::string>& v) {
    if (!v.empty()) {
      j[key] = v;
    }
  };
  put_list("allowAccounts", s.allow_accounts);
  put_list("denyAccounts", s.deny_accounts);
  put_list("allowGroups", s.allow_groups);
  put_list("allowQos", s.allow_qos);
  j["priorityJobFactor"] = s.priority_job_factor;
  j["priorityTier"] = s.priority_tier;
  j["preemptMode"] = std::string(core::PreemptModeName(s.preempt_mode));
  if (!s.node_pools.empty()) {
    json pools = json::array();
    for (const NodePool& pool : s.node_pools) {
      pools.push_back(ToJson(pool));
    }
    j["nodePools"] = std::move(pools);
  }
  return j;
}

json ToJson(const PartitionStatus& s) {
  json j = json::object();
  j["nodes"] = {{"total", s.nodes.total}, {"idle", s.nodes.idle}, {"mix", s.nodes.mix},
                {"alloc", s.nodes.alloc}, {"drng", s.nodes.drng}, {"drain", s.nodes.drain},
                {"down", s.nodes.down}};
  j["totalGPUs"] = s.total_gpus;
  j["allocatedGPUs"] = s.allocated_gpus;
  j["pendingJobs"] = s.pending_jobs;
  j["runningJobs"] = s.running_jobs;
  PutConditionsAndGeneration(s.conditions, s.observed_generation, &j);
  return j;
}

json ToJson(const PartitionObject& p) { return EncodeObject(p, kPartitionKind); }

StatusOr<core::Partition> ToCorePartition(const PartitionObject& p) {
  if (p.meta.name.empty()) {
    return InvalidArgumentError("is required", "metadata.name");
  }
  const PartitionSpec& s = p.spec;
  core::Partition out;
  out.name = core::PartitionName(p.meta.name);
  out.node_selector = s.node_selector;
  for (const std::string& n : s.nodes) {
    out.node_names.emplace_back(n);
  }
  out.is_default = s.is_default;
  out.state = s.state;
  if (!s.max_time.empty()) {
    StatusOr<TimeLimit> t = ParseTimeLimit(s.max_time);
    if (!t.ok()) {
      return InvalidArgumentError(t.status().message(), "spec.maxTime");
    }
    out.max_time = t->limit;
  }
  if (!s.default_time.empty()) {
    StatusOr<TimeLimit> t = ParseTimeLimit(s.default_time);
    if (!t.ok()) {
      return InvalidArgumentError(t.status().message(), "spec.defaultTime");
    }
    out.default_time = t->limit;
  }
  if (s.max_nodes) {
    out.max_nodes = static_cast<int32_t>(*s.max_nodes);  // <= INT32_MAX (checked on decode)
  }
  for (const std::string& a : s.allow_accounts) {
    out.allow_accounts.emplace_back(a);
  }
  for (const std::string& a : s.deny_accounts) {
    out.deny_accounts.emplace_back(a);
  }
  for (const std::string& g : s.allow_groups) {
    out.allow_groups.emplace_back(g);
  }
  for (const std::string& q : s.allow_qos) {
    out.allow_qos.emplace_back(q);
  }
  out.priority_job_factor = static_cast<uint32_t>(s.priority_job_factor);
  out.priority_tier = static_cast<uint32_t>(s.priority_tier);
  out.preempt_mode = s.preempt_mode;
  for (const NodePool& pool : s.node_pools) {
    out.pool_node_labels.push_back(pool.node_selector);
  }
  return out;
}

}  // namespace fairway::api
