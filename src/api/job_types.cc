#include "api/job_types.h"

#include <chrono>
#include <limits>
#include <utility>

#include "api/array_spec.h"
#include "api/begin_time.h"
#include "api/dependency.h"
#include "api/gres.h"
#include "api/internal/parse_util.h"
#include "api/quantity.h"
#include "api/time_limit.h"
#include "api/tolerations.h"
#include "common/status_macros.h"

namespace fairway::api {

using json_fields::Find;
using json_fields::Index;
using json_fields::Join;
using nlohmann::json;

namespace {

constexpr int64_t kMaxPriority = 0xffffffffLL;
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// Reference time for checking the syntax of a begin time when the object has no creation
// timestamp yet (2020-01-01T00:00:00Z). Only validity matters, not the value.
constexpr core::Timestamp kBeginReference{core::Seconds(1577836800)};

// Re-labels a parser error with the field it came from.
Status FieldError(const Status& s, const std::string& field) {
  return InvalidArgumentError(s.message(), field);
}

// A quantity that may be a JSON string ("500m") or number (2, 0.5): x-kubernetes-int-or-string.
Status GetQuantity(const json& obj, std::string_view key, const std::string& path,
                   std::string* out) {
  const json* v = Find(obj, key);
  if (v == nullptr) {
    return OkStatus();
  }
  if (v->is_string()) {
    *out = v->get<std::string>();
  } else if (v->is_number_integer()) {
    *out = v->is_number_unsigned() ? std::to_string(v->get<uint64_t>())
                                   : std::to_string(v->get<int64_t>());
  } else if (v->is_number_float()) {
    *out = v->dump();  // shortest round-trip form; numbers are always valid UTF-8
  } else {
    return InvalidArgumentError("must be a quantity string such as \"4\" or \"64Gi\"",
                                Join(path, key));
  }
  return OkStatus();
}

// template.spec.tolerations -> core tolerations.
StatusOr<std::vector<core::Toleration>> TolerationsFromTemplate(const json& pod_template,
                                                                const std::string& path) {
  const json* pod_spec = Find(pod_template, "spec");
  if (pod_spec == nullptr) {
    return std::vector<core::Toleration>{};
  }
  std::string spec_path = Join(path, "spec");
  if (!pod_spec->is_object()) {
    return InvalidArgumentError("must be an object", spec_path);
  }
  const json* list = Find(*pod_spec, "tolerations");
  if (list == nullptr) {
    return std::vector<core::Toleration>{};
  }
  return TolerationsFromJson(*list, Join(spec_path, "tolerations"));
}

// The per-node GPU request after folding `gres` in.
StatusOr<GpuRequest> EffectiveGpus(const JobResources& r, const std::string& path) {
  if (r.gres.empty()) {
    return GpuRequest{r.gpu_type, r.gpus};
  }
  if (r.gpus != 0 || !r.gpu_type.empty()) {
    return InvalidArgumentError("cannot be combined with gpus or gpuType", Join(path, "gres"));
  }
  StatusOr<GpuRequest> g = ParseGres(r.gres);
  if (!g.ok()) {
    return FieldError(g.status(), Join(path, "gres"));
  }
  return *g;
}

bool IsGpuType(std::string_view t) {
  if (t.empty() || t.size() > 63) {
    return false;
  }
  bool all_digits = true;
  for (char c : t) {
    if (!internal::IsAlpha(c) && !internal::IsDigit(c) && c != '_' && c != '-' && c != '.') {
      return false;
    }
    all_digits = all_digits && internal::IsDigit(c);
  }
  return !all_digits;
}

StatusOr<JobResources> ResourcesFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  JobResources r;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "gpus", path, 0, kMaxGpuCount, &r.gpus));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "gpuType", path, &r.gpu_type));
  if (!r.gpu_type.empty() && !IsGpuType(r.gpu_type)) {
    return InvalidArgumentError("must be letters, digits, '_', '-' and '.', not all digits; got " +
                                    internal::Quote(r.gpu_type),
                                Join(path, "gpuType"));
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "gres", path, &r.gres));
  FAIRWAY_RETURN_IF_ERROR(EffectiveGpus(r, path).status());
  FAIRWAY_RETURN_IF_ERROR(GetQuantity(j, "cpu", path, &r.cpu));
  if (!r.cpu.empty()) {
    StatusOr<int64_t> cpu = ParseCpuMillis(r.cpu);
    if (!cpu.ok()) {
      return FieldError(cpu.status(), Join(path, "cpu"));
    }
  }
  FAIRWAY_RETURN_IF_ERROR(GetQuantity(j, "memory", path, &r.memory));
  if (!r.memory.empty()) {
    StatusOr<int64_t> mem = ParseMemoryBytes(r.memory);
    if (!mem.ok()) {
      return FieldError(mem.status(), Join(path, "memory"));
    }
  }
  return r;
}

Status CheckName(const std::string& value, const std::string& field) {
  if (!value.empty() && !json_fields::IsDns1123Subdomain(value)) {
    return InvalidArgumentError(
        "must be a lower-case DNS-1123 name (a-z, 0-9, '-', '.'); got " + internal::Quote(value),
        field);
  }
  return OkStatus();
}

StatusOr<PriorityFactors> PriorityFactorsFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  constexpr double kBig = 1e18;
  PriorityFactors f;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetDouble(j, "site", path, -kBig, kBig, &f.site));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetDouble(j, "age", path, -kBig, kBig, &f.age));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetDouble(j, "assoc", path, -kBig, kBig, &f.assoc));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetDouble(j, "fairshare", path, -kBig, kBig, &f.fair_share));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetDouble(j, "jobSize", path, -kBig, kBig, &f.job_size));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetDouble(j, "partition", path, -kBig, kBig, &f.partition));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetDouble(j, "qos", path, -kBig, kBig, &f.qos));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetDouble(j, "tres", path, -kBig, kBig, &f.tres));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "nice", path, -kMaxNice, kMaxNice, &f.nice));
  return f;
}

json ToJson(const PriorityFactors& f) {
  return json{{"site", f.site},        {"age", f.age},
              {"assoc", f.assoc},      {"fairshare", f.fair_share},
              {"jobSize", f.job_size}, {"partition", f.partition},
              {"qos", f.qos},          {"tres", f.tres},
              {"nice", f.nice}};
}

StatusOr<core::JobState> StateFromJson(const json& v, const std::string& field) {
  if (!v.is_string()) {
    return InvalidArgumentError("must be a string", field);
  }
  const std::string& text = v.get_ref<const std::string&>();
  std::optional<core::JobState> state = core::ParseJobState(text);
  if (!state) {
    return InvalidArgumentError("unknown job state " + internal::Quote(text) +
                                    "; want a Slurm state name such as PENDING or RUNNING",
                                field);
  }
  return *state;
}

StatusOr<core::JobState> StateKey(const std::string& key, const std::string& field) {
  std::optional<core::JobState> state = core::ParseJobState(key);
  if (!state) {
    return InvalidArgumentError("unknown job state " + internal::Quote(key), field);
  }
  return *state;
}

StatusOr<ArrayTaskRecord> ArrayTaskFromJson(const json& j, const std::string& path) {
  if (!j.is_object()) {
    return InvalidArgumentError("must be an object", path);
  }
  ArrayTaskRecord t;
  const json* index = Find(j, "index");
  if (index == nullptr) {
    return InvalidArgumentError("is required", Join(path, "index"));
  }
  FAIRWAY_ASSIGN_OR_RETURN(int64_t i,
                           json_fields::AsInt64(*index, Join(path, "index"), 0,
                                                static_cast<int64_t>(kMaxMaxArraySize) - 1));
  t.index = static_cast<uint32_t>(i);
  int64_t id = 0;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "jobID", path, 0, kInt64Max, &id));
  t.job_id = static_cast<uint64_t>(id);
  const json* state = Find(j, "state");
  if (state == nullptr) {
    return InvalidArgumentError("is required", Join(path, "state"));
  }
  FAIRWAY_ASSIGN_OR_RETURN(t.state, StateFromJson(*state, Join(path, "state")));
  std::optional<int64_t> exit_code;
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetOptionalInt64(j, "exitCode", path, kInt32Min, kInt32Max, &exit_code));
  if (exit_code) {
    t.exit_code = static_cast<int32_t>(*exit_code);
  }
  int64_t restarts = 0;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "restarts", path, 0, kInt32Max, &restarts));
  t.restarts = static_cast<int32_t>(restarts);
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "nodeList", path, &t.node_list));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetTimestamp(j, "startTime", path, &t.start_time));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetTimestamp(j, "endTime", path, &t.end_time));
  return t;
}

json ToJson(const ArrayTaskRecord& t) {
  json j = {{"index", t.index}, {"state", std::string(core::JobStateName(t.state))}};
  if (t.job_id != 0) {
    j["jobID"] = t.job_id;
  }
  if (t.exit_code) {
    j["exitCode"] = *t.exit_code;
  }
  if (t.restarts != 0) {
    j["restarts"] = t.restarts;
  }
  if (!t.node_list.empty()) {
    j["nodeList"] = t.node_list;
  }
  if (t.start_time) {
    j["startTime"] = FormatRfc3339(*t.start_time);
  }
  if (t.end_time) {
    j["endTime"] = FormatRfc3339(*t.end_time);
  }
  return j;
}

StatusOr<ArrayStatus> ArrayStatusFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  ArrayStatus a;
  int64_t count = 0;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "taskCount", path, 0,
                                                static_cast<int64_t>(kMaxMaxArraySize), &count));
  a.task_count = static_cast<uint64_t>(count);
  if (const json* counts = Find(j, "taskCounts")) {
    std::string field = Join(path, "taskCounts");
    if (!counts->is_object()) {
      return InvalidArgumentError("must be a map of state name to count", field);
    }
    for (const auto& [key, value] : counts->items()) {
      std::string item = Join(field, key);
      FAIRWAY_ASSIGN_OR_RETURN(core::JobState state, StateKey(key, item));
      FAIRWAY_ASSIGN_OR_RETURN(
          int64_t n, json_fields::AsInt64(value, item, 0, static_cast<int64_t>(kMaxMaxArraySize)));
      a.counts[state] = n;
    }
  }
  if (const json* indices = Find(j, "taskIndices")) {
    std::string field = Join(path, "taskIndices");
    if (!indices->is_object()) {
      return InvalidArgumentError("must be a map of state name to index list", field);
    }
    for (const auto& [key, value] : indices->items()) {
      std::string item = Join(field, key);
      FAIRWAY_ASSIGN_OR_RETURN(core::JobState state, StateKey(key, item));
      if (!value.is_string()) {
        return InvalidArgumentError("must be a string", item);
      }
      const std::string& text = value.get_ref<const std::string&>();
      if (!text.empty()) {
        StatusOr<ArraySpec> spec = ParseArraySpec(text, kMaxMaxArraySize);
        if (!spec.ok()) {
          return FieldError(spec.status(), item);
        }
      }
      a.indices[state] = text;
    }
  }
  if (const json* tasks = Find(j, "tasks")) {
    std::string field = Join(path, "tasks");
    if (!tasks->is_array()) {
      return InvalidArgumentError("must be a list", field);
    }
    for (size_t i = 0; i < tasks->size(); ++i) {
      FAIRWAY_ASSIGN_OR_RETURN(ArrayTaskRecord t, ArrayTaskFromJson((*tasks)[i], Index(field, i)));
      a.tasks.push_back(std::move(t));
    }
  }
  return a;
}

json ToJson(const ArrayStatus& a) {
  json j = {{"taskCount", a.task_count}};
  if (!a.counts.empty()) {
    json counts = json::object();
    for (const auto& [state, n] : a.counts) {
      counts[std::string(core::JobStateName(state))] = n;
    }
    j["taskCounts"] = std::move(counts);
  }
  if (!a.indices.empty()) {
    json indices = json::object();
    for (const auto& [state, text] : a.indices) {
      indices[std::string(core::JobStateName(state))] = text;
    }
    j["taskIndices"] = std::move(indices);
  }
  if (!a.tasks.empty()) {
    json tasks = json::array();
    for (const ArrayTaskRecord& t : a.tasks) {
      tasks.push_back(ToJson(t));
    }
    j["tasks"] = std::move(tasks);
  }
  return j;
}

std::vector<std::string> SplitComma(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void PutTime(json& j, const char* key, const std::optional<core::Timestamp>& t) {
  if (t) {
    j[key] = FormatRfc3339(*t);
  }
}

}  // namespace

StatusOr<std::vector<core::PartitionName>> ParsePartitionList(std::string_view text) {
  std::vector<core::PartitionName> out;
  if (text.empty()) {
    return out;
  }
  for (const std::string& name : SplitComma(text)) {
    if (!json_fields::IsDns1123Subdomain(name)) {
      return InvalidArgumentError(
          "want one partition name or a comma list of names (lower-case DNS-1123), got " +
          internal::Quote(text));
    }
    core::PartitionName p(name);
    bool duplicate = false;
    for (const core::PartitionName& seen : out) {
      duplicate = duplicate || seen == p;
    }
    if (!duplicate) {
      out.push_back(std::move(p));
    }
  }
  return out;
}

Status CheckJobName(const std::string& value, const std::string& field) {
  if (value.size() > kMaxJobNameLength) {
    return InvalidArgumentError(
        "must be at most " + std::to_string(kMaxJobNameLength) + " characters", field);
  }
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return InvalidArgumentError("must not contain control characters (tab, newline, ...)", field);
    }
  }
  return OkStatus();
}

const std::string& JobName(const JobObject& job) {
  return job.spec.job_name.empty() ? job.meta.name : job.spec.job_name;
}

StatusOr<JobSpec> JobSpecFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  JobSpec s;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "jobName", path, &s.job_name));
  FAIRWAY_RETURN_IF_ERROR(CheckJobName(s.job_name, Join(path, "jobName")));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "partition", path, &s.partition));
  if (StatusOr<std::vector<core::PartitionName>> parts = ParsePartitionList(s.partition);
      !parts.ok()) {
    return FieldError(parts.status(), Join(path, "partition"));
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "account", path, &s.account));
  FAIRWAY_RETURN_IF_ERROR(CheckName(s.account, Join(path, "account")));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "qos", path, &s.qos));
  FAIRWAY_RETURN_IF_ERROR(CheckName(s.qos, Join(path, "qos")));

  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "timeLimit", path, &s.time_limit));
  if (!s.time_limit.empty()) {
    if (StatusOr<TimeLimit> t = ParseTimeLimit(s.time_limit); !t.ok()) {
      return FieldError(t.status(), Join(path, "timeLimit"));
    }
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "nodes", path, 1, kMaxJobNodes, &s.nodes));
  if (const json* r = Find(j, "resources")) {
    FAIRWAY_ASSIGN_OR_RETURN(s.resources, ResourcesFromJson(*r, Join(path, "resources")));
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "array", path, &s.array));
  if (!s.array.empty()) {
    if (StatusOr<ArraySpec> a = ParseArraySpec(s.array, kMaxMaxArraySize); !a.ok()) {
      return FieldError(a.status(), Join(path, "array"));
    }
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "begin", path, &s.begin));
  if (!s.begin.empty()) {
    if (StatusOr<core::Timestamp> b = ParseBeginTime(s.begin, kBeginReference); !b.ok()) {
      return FieldError(b.status(), Join(path, "begin"));
    }
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "dependency", path, &s.dependency));
  if (!s.dependency.empty()) {
    if (StatusOr<DependencySpec> d = ParseDependency(s.dependency); !d.ok()) {
      return FieldError(d.status(), Join(path, "dependency"));
    }
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetBool(j, "hold", path, &s.hold));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetBool(j, "interactive", path, &s.interactive));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "nice", path, -kMaxNice, kMaxNice, &s.nice));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetBool(j, "requeue", path, &s.requeue));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetBool(j, "exclusive", path, &s.exclusive));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringMap(j, "constraint", path, &s.constraint));
  if (const json* t = Find(j, "template")) {
    std::string field = Join(path, "template");
    if (!t->is_object()) {
      return InvalidArgumentError("must be an object (a PodTemplateSpec)", field);
    }
    FAIRWAY_RETURN_IF_ERROR(TolerationsFromTemplate(*t, field).status());
    s.pod_template = *t;
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "user", path, &s.user));
  if (!s.user.empty() && !json_fields::IsValidSubjectName(s.user)) {
    return InvalidArgumentError("invalid user name " + internal::Quote(s.user), Join(path, "user"));
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "groups", path, &s.groups));
  for (size_t i = 0; i < s.groups.size(); ++i) {
    if (!json_fields::IsValidSubjectName(s.groups[i])) {
      return InvalidArgumentError("invalid group name " + internal::Quote(s.groups[i]),
                                  Index(Join(path, "groups"), i));
    }
  }
  return s;
}

StatusOr<JobStatus> JobStatusFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  JobStatus s;
  int64_t job_id = 0;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "jobID", path, 0, kInt64Max, &job_id));
  s.job_id = static_cast<uint64_t>(job_id);
  if (const json* state = Find(j, "state")) {
    FAIRWAY_ASSIGN_OR_RETURN(s.state, StateFromJson(*state, Join(path, "state")));
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "reason", path, &s.reason));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "message", path, &s.message));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetOptionalInt64(j, "priority", path, 0, kMaxPriority, &s.priority));
  if (const json* f = Find(j, "priorityFactors")) {
    FAIRWAY_ASSIGN_OR_RETURN(s.priority_factors,
                             PriorityFactorsFromJson(*f, Join(path, "priorityFactors")));
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetTimestamp(j, "submitTime", path, &s.submit_time));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetTimestamp(j, "eligibleTime", path, &s.eligible_time));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetTimestamp(j, "startTime", path, &s.start_time));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetTimestamp(j, "endTime", path, &s.end_time));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetTimestamp(j, "expectedStartTime", path, &s.expected_start_time));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "partition", path, &s.partition));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "nodeList", path, &s.node_list));
  std::optional<int64_t> exit_code;
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetOptionalInt64(j, "exitCode", path, kInt32Min, kInt32Max, &exit_code));
  if (exit_code) {
    s.exit_code = static_cast<int32_t>(*exit_code);
  }
  int64_t restarts = 0;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "restarts", path, 0, kInt32Max, &restarts));
  s.restarts = static_cast<int32_t>(restarts);
  if (const json* a = Find(j, "array")) {
    FAIRWAY_ASSIGN_OR_RETURN(s.array, ArrayStatusFromJson(*a, Join(path, "array")));
  }
  FAIRWAY_RETURN_IF_ERROR(ConditionsFromJson(j, path, &s.conditions));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "observedGeneration", path, 0, kInt64Max, &s.observed_generation));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "stateCode", path, &s.state_code));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "elapsed", path, &s.elapsed));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetString(j, "nodeListOrReason", path, &s.node_list_or_reason));
  return s;
}

StatusOr<JobObject> JobFromJson(const json& j) {
  return DecodeObject<JobObject>(
      j, kJobKind, "a Job", [](const json& s) { return JobSpecFromJson(s); },
      [](const json& s) { return JobStatusFromJson(s); });
}

json ToJson(const JobSpec& s) {
  json j = json::object();
  auto put = [&j](const char* key, const std::string& value) {
    if (!value.empty()) {
      j[key] = value;
    }
  };
  put("jobName", s.job_name);
  put("partition", s.partition);
  put("account", s.account);
  put("qos", s.qos);
  put("timeLimit", s.time_limit);
  j["nodes"] = s.nodes;
  json r = {{"gpus", s.resources.gpus}};
  if (!s.resources.gpu_type.empty()) {
    r["gpuType"] = s.resources.gpu_type;
  }
  if (!s.resources.gres.empty()) {
    r["gres"] = s.resources.gres;
  }
  if (!s.resources.cpu.empty()) {
    r["cpu"] = s.resources.cpu;
  }
  if (!s.resources.memory.empty()) {
    r["memory"] = s.resources.memory;
  }
  j["resources"] = std::move(r);
  put("array", s.array);
  put("begin", s.begin);
  put("dependency", s.dependency);
  j["hold"] = s.hold;
  if (s.interactive) j["interactive"] = true;
  j["nice"] = s.nice;
  j["requeue"] = s.requeue;
  j["exclusive"] = s.exclusive;
  if (!s.constraint.empty()) {
    j["constraint"] = s.constraint;
  }
  if (s.pod_template.is_object() && !s.pod_template.empty()) {
    j["template"] = s.pod_template;
  }
  put("user", s.user);
  if (!s.groups.empty()) {
    j["groups"] = s.groups;
  }
  return j;
}

json ToJson(const JobStatus& s) {
  json j = json::object();
  auto put = [&j](const char* key, const std::string& value) {
    if (!value.empty()) {
      j[key] = value;
    }
  };
  if (s.job_id != 0) {
    j["jobID"] = s.job_id;
  }
  if (s.state) {
    j["state"] = std::string(core::JobStateName(*s.state));
  }
  put("stateCode", s.state_code);
  put("reason", s.reason);
  put("message", s.message);
  if (s.priority) {
    j["priority"] = *s.priority;
  }
  if (s.priority_factors) {
    j["priorityFactors"] = ToJson(*s.priority_factors);
  }
  PutTime(j, "submitTime", s.submit_time);
  PutTime(j, "eligibleTime", s.eligible_time);
  PutTime(j, "startTime", s.start_time);
  PutTime(j, "endTime", s.end_time);
  PutTime(j, "expectedStartTime", s.expected_start_time);
  put("partition", s.partition);
  put("nodeList", s.node_list);
  if (s.exit_code) {
    j["exitCode"] = *s.exit_code;
  }
  if (s.restarts != 0) {
    j["restarts"] = s.restarts;
  }
  if (s.array) {
    j["array"] = ToJson(*s.array);
  }
  PutConditionsAndGeneration(s.conditions, s.observed_generation, &j);
  put("elapsed", s.elapsed);
  put("nodeListOrReason", s.node_list_or_reason);
  return j;
}

json ToJson(const JobObject& job) {
  json j = {{"apiVersion", std::string(kApiVersion)},
            {"kind", std::string(kJobKind)},
            {"metadata", ToJson(job.meta)},
            {"spec", ToJson(job.spec)}};
  json status = ToJson(job.status);
  if (!status.empty()) {
    j["status"] = std::move(status);
  }
  return j;
}

void FillJobDisplayFields(JobStatus* status, core::Timestamp now) {
  core::JobState state = status->state.value_or(core::JobState::kPending);
  status->state_code = std::string(core::JobStateCode(state));
  core::Seconds elapsed{0};
  if (status->start_time && state != core::JobState::kPending) {
    core::Timestamp end = status->end_time.value_or(now);
    if (end > *status->start_time) {
      elapsed = end - *status->start_time;
    }
  }
  status->elapsed = core::FormatSlurmDuration(elapsed);
  if (state != core::JobState::kPending && !status->node_list.empty()) {
    status->node_list_or_reason = status->node_list;
  } else {
    status->node_list_or_reason = "(" + (status->reason.empty() ? "None" : status->reason) + ")";
  }
}

StatusOr<core::Job> ToCoreJob(const JobObject& job, const JobConversionOptions& options) {
  const JobSpec& spec = job.spec;
  const JobStatus& status = job.status;
  core::Job out;
  out.id = core::JobId{status.job_id};
  out.key = job.meta.Key();
  out.name = JobName(job);
  out.user = core::UserName(spec.user);
  for (const std::string& g : spec.groups) {
    out.groups.emplace_back(g);
  }
  out.account = core::AccountName(spec.account);
  out.qos = core::QosName(spec.qos);
  StatusOr<std::vector<core::PartitionName>> parts = ParsePartitionList(spec.partition);
  if (!parts.ok()) {
    return FieldError(parts.status(), "spec.partition");
  }
  out.partitions = std::move(parts).value();

  out.node_count = static_cast<int32_t>(spec.nodes);
  FAIRWAY_ASSIGN_OR_RETURN(GpuRequest gpus, EffectiveGpus(spec.resources, "spec.resources"));
  out.per_node.gpus = gpus.count;
  out.gpu_type = gpus.type;
  if (!spec.resources.cpu.empty()) {
    StatusOr<int64_t> cpu = ParseCpuMillis(spec.resources.cpu);
    if (!cpu.ok()) {
      return FieldError(cpu.status(), "spec.resources.cpu");
    }
    out.per_node.cpu_millis = *cpu;
  }
  if (!spec.resources.memory.empty()) {
    StatusOr<int64_t> mem = ParseMemoryBytes(spec.resources.memory);
    if (!mem.ok()) {
      return FieldError(mem.status(), "spec.resources.memory");
    }
    out.per_node.memory_bytes = *mem;
  }
  out.constraint = spec.constraint;
  FAIRWAY_ASSIGN_OR_RETURN(out.tolerations,
                           TolerationsFromTemplate(spec.pod_template, "spec.template"));
  out.exclusive = spec.exclusive;

  if (!spec.time_limit.empty()) {
    StatusOr<TimeLimit> t = ParseTimeLimit(spec.time_limit);
    if (!t.ok()) {
      return FieldError(t.status(), "spec.timeLimit");
    }
    out.time_limit = t->limit;
  }
  out.submit_time = status.submit_time.value_or(job.meta.creation_timestamp.value_or(options.now));
  if (!spec.begin.empty()) {
    // "now+1hour" counts from the submission: the object's creation, which a requeue (that
    // resets status.submitTime) does not move.
    core::Timestamp base = job.meta.creation_timestamp.value_or(out.submit_time);
    StatusOr<core::Timestamp> b = ParseBeginTime(spec.begin, base, options.utc_offset_s);
    if (!b.ok()) {
      return FieldError(b.status(), "spec.begin");
    }
    out.begin_time = *b;
  }
  out.eligible_time = status.eligible_time;
  out.nice = spec.nice;
  out.hold = spec.hold ? core::HoldKind::kUser : core::HoldKind::kNone;
  out.state = status.state.value_or(core::JobState::kPending);

  if (out.state != core::JobState::kPending) {
    out.start_time = status.start_time;
    out.running_partition = core::PartitionName(status.partition);
    if (!status.node_list.empty()) {
      for (const std::string& n : SplitComma(status.node_list)) {
        if (n.empty()) {
          return InvalidArgumentError("empty node name in " + internal::Quote(status.node_list),
                                      "status.nodeList");
        }
        out.allocated_nodes.emplace_back(n);
      }
    }
  }
  return out;
}

}  // namespace fairway::api
