#include "controllers/kube_objects.h"

#include <algorithm>
#include <cctype>

#include "api/quantity.h"
#include "controllers/elastic_pools.h"
#include "controllers/names.h"

namespace fairway::controllers {

const nlohmann::json* JsonAt(const nlohmann::json& obj, std::initializer_list<const char*> path) {
  const nlohmann::json* cur = &obj;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string JsonString(const nlohmann::json& obj, std::initializer_list<const char*> path) {
  const nlohmann::json* v = JsonAt(obj, path);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

namespace {

std::string QuantityText(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return std::to_string(v.get<double>());
  return "";
}

void Note(std::string* error, const std::string& text) {
  if (error != nullptr && error->empty()) *error = text;
}

core::Resources Max(const core::Resources& a, const core::Resources& b) {
  return {std::max(a.cpu_millis, b.cpu_millis), std::max(a.memory_bytes, b.memory_bytes),
          std::max(a.gpus, b.gpus)};
}

// Requests of one container; limits fill in missing requests.
core::Resources ContainerRequest(const nlohmann::json& c) {
  core::Resources req;
  const nlohmann::json* limits = JsonAt(c, {"resources", "limits"});
  const nlohmann::json* requests = JsonAt(c, {"resources", "requests"});
  if (limits != nullptr) req = ResourcesFromList(*limits);
  if (requests != nullptr) {
    core::Resources r = ResourcesFromList(*requests);
    if (requests->contains("cpu")) req.cpu_millis = r.cpu_millis;
    if (requests->contains("memory")) req.memory_bytes = r.memory_bytes;
    if (requests->contains(std::string(kGpuResource))) req.gpus = r.gpus;
  }
  return req;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

core::Resources ResourcesFromList(const nlohmann::json& list, std::string* error) {
  core::Resources r;
  if (!list.is_object()) return r;
  if (auto it = list.find("cpu"); it != list.end()) {
    auto v = api::ParseCpuMillis(QuantityText(*it));
    if (v.ok())
      r.cpu_millis = *v;
    else
      Note(error, "cpu: " + v.status().message());
  }
  if (auto it = list.find("memory"); it != list.end()) {
    auto v = api::ParseMemoryBytes(QuantityText(*it));
    if (v.ok())
      r.memory_bytes = *v;
    else
      Note(error, "memory: " + v.status().message());
  }
  if (auto it = list.find(std::string(kGpuResource)); it != list.end()) {
    // Extended resources are whole numbers; parse as a plain quantity.
    auto v = api::ParseMemoryBytes(QuantityText(*it));
    if (v.ok())
      r.gpus = *v;
    else
      Note(error, "nvidia.com/gpu: " + v.status().message());
  }
  return r;
}

core::Node NodeFromJson(const nlohmann::json& node) {
  core::Node n;
  n.name = core::NodeName(JsonString(node, {"metadata", "name"}));
  if (const nlohmann::json* alloc = JsonAt(node, {"status", "allocatable"})) {
    n.allocatable = ResourcesFromList(*alloc);
  }
  if (const nlohmann::json* labels = JsonAt(node, {"metadata", "labels"});
      labels != nullptr && labels->is_object()) {
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      if (it.value().is_string()) n.labels[it.key()] = it.value().get<std::string>();
    }
  }
  for (std::string_view key : {kNodeGpuTypeLabel, kNodeGpuProductLabel}) {
    auto it = n.labels.find(std::string(key));
    if (it != n.labels.end() && !it->second.empty()) {
      n.gpu_type = Lower(it->second);
      break;
    }
  }
  if (const nlohmann::json* taints = JsonAt(node, {"spec", "taints"});
      taints != nullptr && taints->is_array()) {
    for (const nlohmann::json& t : *taints) {
      core::Taint taint;
      taint.key = JsonString(t, {"key"});
      taint.value = JsonString(t, {"value"});
      std::string effect = JsonString(t, {"effect"});
      if (effect == "PreferNoSchedule")
        taint.effect = core::TaintEffect::kPreferNoSchedule;
      else if (effect == "NoExecute")
        taint.effect = core::TaintEffect::kNoExecute;
      else
        taint.effect = core::TaintEffect::kNoSchedule;
      n.taints.push_back(std::move(taint));
    }
  }
  const nlohmann::json* unsched = JsonAt(node, {"spec", "unschedulable"});
  n.unschedulable = unsched != nullptr && unsched->is_boolean() && unsched->get<bool>();
  // A node an autoscaler is removing takes no work and holds no reservation, like a cordoned one.
  if (BeingRemoved(n)) n.unschedulable = true;
  n.ready = false;
  if (const nlohmann::json* conds = JsonAt(node, {"status", "conditions"});
      conds != nullptr && conds->is_array()) {
    for (const nlohmann::json& c : *conds) {
      if (JsonString(c, {"type"}) == "Ready") n.ready = JsonString(c, {"status"}) == "True";
    }
  }
  return n;
}

core::Resources PodRequest(const nlohmann::json& pod) {
  core::Resources sum;
  if (const nlohmann::json* cs = JsonAt(pod, {"spec", "containers"}); cs && cs->is_array()) {
    for (const nlohmann::json& c : *cs) sum += ContainerRequest(c);
  }
  core::Resources init_max;
  if (const nlohmann::json* cs = JsonAt(pod, {"spec", "initContainers"}); cs && cs->is_array()) {
    for (const nlohmann::json& c : *cs) {
      core::Resources r = ContainerRequest(c);
      if (JsonString(c, {"restartPolicy"}) == "Always") {
        sum += r;  // a sidecar runs beside the app containers
      } else {
        init_max = Max(init_max, r);
      }
    }
  }
  core::Resources total = Max(sum, init_max);
  if (const nlohmann::json* overhead = JsonAt(pod, {"spec", "overhead"})) {
    total += ResourcesFromList(*overhead);
  }
  return total;
}

std::string PodPhase(const nlohmann::json& pod) { return JsonString(pod, {"status", "phase"}); }

bool PodIsTerminal(const nlohmann::json& pod) {
  std::string phase = PodPhase(pod);
  return phase == "Succeeded" || phase == "Failed";
}

std::vector<const nlohmann::json*> NotTerminal(const std::vector<const nlohmann::json*>& pods) {
  std::vector<const nlohmann::json*> out;
  for (const nlohmann::json* p : pods) {
    if (!PodIsTerminal(*p)) out.push_back(p);
  }
  return out;
}

bool PodIsDeleting(const nlohmann::json& pod) {
  const nlohmann::json* ts = JsonAt(pod, {"metadata", "deletionTimestamp"});
  return ts != nullptr && !ts->is_null();
}

std::optional<int32_t> PodExitCode(const nlohmann::json& pod) {
  std::optional<int32_t> code;
  const nlohmann::json* statuses = JsonAt(pod, {"status", "containerStatuses"});
  if (statuses == nullptr || !statuses->is_array()) return code;
  for (const nlohmann::json& s : *statuses) {
    const nlohmann::json* ec = JsonAt(s, {"state", "terminated", "exitCode"});
    if (ec == nullptr || !ec->is_number_integer()) continue;
    int32_t v = ec->get<int32_t>();
    if (!code.has_value() || (*code == 0 && v != 0)) code = v;
  }
  return code;
}

std::string PodLabel(const nlohmann::json& pod, std::string_view key) {
  const nlohmann::json* labels = JsonAt(pod, {"metadata", "labels"});
  if (labels == nullptr || !labels->is_object()) return "";
  auto it = labels->find(std::string(key));
  return it != labels->end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace fairway::controllers
