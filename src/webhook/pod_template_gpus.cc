#include "webhook/pod_template_gpus.h"

#include <algorithm>
#include <string>

#include "api/gres.h"

namespace fairway::webhook {

using internal::Invalid;
using internal::MaybeViolation;
using nlohmann::json;

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// GPU-like extended resources other than the one Fairway accounts.
bool IsOtherGpuResource(std::string_view name) {
  if (name == kGpuResource) return false;
  size_t slash = name.find('/');
  std::string_view domain = slash == std::string_view::npos ? "" : name.substr(0, slash);
  std::string_view resource = slash == std::string_view::npos ? name : name.substr(slash + 1);
  return resource == "gpu" || StartsWith(resource, "gpu.") || StartsWith(resource, "gpu-") ||
         StartsWith(resource, "mig-") || StartsWith(domain, "gpu.");
}

// A whole, non-negative GPU count: a JSON integer or a string of decimal digits.
MaybeViolation ReadCount(const json& v, const std::string& field, int64_t* out) {
  if (v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0)) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(api::kMaxGpuCount)) {
      return Invalid(field, internal::kInvalidGres, "too many GPUs");
    }
    *out = v.get<int64_t>();
  } else if (v.is_string() && !v.get_ref<const std::string&>().empty() &&
             v.get_ref<const std::string&>().size() <= 7 &&
             std::all_of(v.get_ref<const std::string&>().begin(),
                         v.get_ref<const std::string&>().end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
    *out = std::stoll(v.get<std::string>());
  } else {
    return Invalid(field, internal::kInvalidGres,
                   "must be a whole number of GPUs, got " +
                       v.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (*out > api::kMaxGpuCount) return Invalid(field, internal::kInvalidGres, "too many GPUs");
  return std::nullopt;
}

// The nvidia.com/gpu entry of resources.limits or resources.requests, if any.
MaybeViolation ReadResourceList(const json& resources, const char* key, const std::string& path,
                                std::optional<int64_t>* out) {
  auto list = resources.find(key);
  if (list == resources.end() || list->is_null()) return std::nullopt;
  std::string field = path + "." + key;
  if (!list->is_object()) return internal::Plain(field, "must be an object");
  for (const auto& [name, value] : list->items()) {
    std::string item = field + "[" + name + "]";
    if (IsOtherGpuResource(name)) {
      return Invalid(item, internal::kInvalidGres,
                     "only nvidia.com/gpu is accounted; ask for GPUs in spec.resources");
    }
    if (name == kGpuResource) {
      int64_t count = 0;
      if (MaybeViolation v = ReadCount(value, item, &count)) return v;
      *out = count;
    }
  }
  return std::nullopt;
}

// One container: whether it names nvidia.com/gpu, and its count (limit, else request).
MaybeViolation ContainerGpus(const json& c, const std::string& path, bool* named, int64_t* count) {
  *named = false;
  *count = 0;
  if (!c.is_object()) return internal::Plain(path, "must be an object");
  auto resources = c.find("resources");
  if (resources == c.end() || resources->is_null()) return std::nullopt;
  std::string rpath = path + ".resources";
  if (!resources->is_object()) return internal::Plain(rpath, "must be an object");
  std::optional<int64_t> limit;
  std::optional<int64_t> request;
  if (MaybeViolation v = ReadResourceList(*resources, "limits", rpath, &limit)) return v;
  if (MaybeViolation v = ReadResourceList(*resources, "requests", rpath, &request)) return v;
  if (limit && request && *limit != *request) {
    return Invalid(rpath + ".requests[" + std::string(kGpuResource) + "]", internal::kInvalidGres,
                   "must equal the limit (" + std::to_string(*limit) + ")");
  }
  *named = limit.has_value() || request.has_value();
  *count = limit.value_or(request.value_or(0));
  return std::nullopt;
}

// The containers list `key` of the pod spec (absent or null: empty).
MaybeViolation ContainerList(const json& pod_spec, const char* key, const json** out) {
  static const json kEmpty = json::array();
  *out = &kEmpty;
  auto list = pod_spec.find(key);
  if (list == pod_spec.end() || list->is_null()) return std::nullopt;
  if (!list->is_array())
    return internal::Plain(std::string("spec.template.spec.") + key, "must be a list");
  *out = &*list;
  return std::nullopt;
}

}  // namespace

int64_t PerNodeGpus(const api::JobSpec& spec) {
  if (spec.resources.gres.empty()) return spec.resources.gpus;
  StatusOr<api::GpuRequest> gres = api::ParseGres(spec.resources.gres);
  return gres.ok() ? gres->count : 0;
}

MaybeViolation ReadTemplateGpus(const json& pod_template, TemplateGpus* out) {
  *out = TemplateGpus{};
  if (!pod_template.is_object()) {
    return internal::Plain("spec.template", "must be an object (a PodTemplateSpec)");
  }
  auto pod_spec = pod_template.find("spec");
  if (pod_spec == pod_template.end() || pod_spec->is_null()) return std::nullopt;
  if (!pod_spec->is_object()) return internal::Plain("spec.template.spec", "must be an object");
  const json* containers = nullptr;
  const json* init_containers = nullptr;
  if (MaybeViolation v = ContainerList(*pod_spec, "containers", &containers)) return v;
  if (MaybeViolation v = ContainerList(*pod_spec, "initContainers", &init_containers)) return v;

  int64_t sum = 0;  // app containers and sidecars run together
  int64_t largest_init = 0;
  for (size_t i = 0; i < containers->size(); ++i) {
    bool named = false;
    int64_t count = 0;
    std::string path = "spec.template.spec.containers[" + std::to_string(i) + "]";
    if (MaybeViolation v = ContainerGpus((*containers)[i], path, &named, &count)) return v;
    out->any = out->any || named;
    sum += count;
  }
  for (size_t i = 0; i < init_containers->size(); ++i) {
    bool named = false;
    int64_t count = 0;
    const json& c = (*init_containers)[i];
    std::string path = "spec.template.spec.initContainers[" + std::to_string(i) + "]";
    if (MaybeViolation v = ContainerGpus(c, path, &named, &count)) return v;
    out->any = out->any || named;
    bool sidecar = c.value("restartPolicy", json()) == "Always";
    if (sidecar) {
      sum += count;
    } else {
      largest_init = std::max(largest_init, count);
    }
  }
  out->per_pod = std::max(sum, largest_init);
  out->first_container = !containers->empty();
  return std::nullopt;
}

json FillFirstContainerGpus(const json& pod_template, int64_t gpus) {
  const std::string base = "/spec/template/spec/containers/0/resources";
  const std::string count = std::to_string(gpus);
  const json& first = pod_template.at("spec").at("containers").at(0);
  const std::string gpu(kGpuResource);
  auto resources = first.find("resources");
  if (resources == first.end() || !resources->is_object()) {
    return json::array({{{"op", "add"}, {"path", base}, {"value", {{"limits", {{gpu, count}}}}}}});
  }
  auto limits = resources->find("limits");
  if (limits == resources->end() || !limits->is_object()) {
    return json::array({{{"op", "add"}, {"path", base + "/limits"}, {"value", {{gpu, count}}}}});
  }
  // RFC 6901: '/' in a member name is written "~1".
  return json::array(
      {{{"op", "add"}, {"path", base + "/limits/nvidia.com~1gpu"}, {"value", count}}});
}

}  // namespace fairway::webhook
