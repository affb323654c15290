#include "api/pod_template_gpus.h"

#include <algorithm>
#include <optional>
#include <string>

#include "api/common_types.h"
#include "api/gres.h"
#include "api/internal/parse_util.h"
#include "common/status_macros.h"

namespace fairway::api {
namespace {

using json_fields::Find;
using json_fields::Index;
using json_fields::Join;
using nlohmann::json;

constexpr std::string_view kTemplatePath = "spec.template";
constexpr const char* kContainerLists[] = {"containers", "initContainers"};
constexpr const char* kResourceLists[] = {"limits", "requests"};
// Digits of the longest count string read as a number (kMaxGpuCount has 7); a longer one is
// "not a whole number of GPUs", as admission has always answered.
constexpr size_t kMaxCountDigits = 7;

// GPU-like extended resources other than the one Fairway accounts.
bool IsOtherGpuResource(std::string_view name) {
  if (name == kGpuResource) return false;
  size_t slash = name.find('/');
  std::string_view domain = slash == std::string_view::npos ? "" : name.substr(0, slash);
  std::string_view resource = slash == std::string_view::npos ? name : name.substr(slash + 1);
  return resource == "gpu" || resource.starts_with("gpu.") || resource.starts_with("gpu-") ||
         resource.starts_with("mig-") || domain.starts_with("gpu.");
}

// The list `key` of the pod spec, or nullptr when absent, null or not a list.
const json* ContainerList(const json& pod_spec, const char* key) {
  const json* list = Find(pod_spec, key);
  return list != nullptr && list->is_array() ? list : nullptr;
}

Status CheckContainerShape(const json& container, const std::string& path) {
  if (!container.is_object()) return InvalidArgumentError("must be an object", path);
  const json* resources = Find(container, "resources");
  if (resources == nullptr) return OkStatus();
  const std::string resources_path = Join(path, "resources");
  if (!resources->is_object()) return InvalidArgumentError("must be an object", resources_path);
  for (const char* key : kResourceLists) {
    const json* list = Find(*resources, key);
    if (list != nullptr && !list->is_object()) {
      return InvalidArgumentError("must be an object", Join(resources_path, key));
    }
  }
  return OkStatus();
}

// A whole, non-negative GPU count: a JSON integer or a string of decimal digits.
StatusOr<int64_t> ReadCount(const json& v, const std::string& field) {
  std::optional<uint64_t> count;
  if (v.is_number_unsigned()) {
    count = v.get<uint64_t>();
  } else if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    count = static_cast<uint64_t>(v.get<int64_t>());
  } else if (v.is_string() && v.get_ref<const std::string&>().size() <= kMaxCountDigits) {
    count = internal::ParseDigits(v.get_ref<const std::string&>());
  }
  if (!count.has_value()) {
    return InvalidArgumentError("must be a whole number of GPUs, got " +
                                    v.dump(-1, ' ', false, json::error_handler_t::replace),
                                field);
  }
  if (*count > static_cast<uint64_t>(kMaxGpuCount)) {
    return InvalidArgumentError("too many GPUs", field);
  }
  return static_cast<int64_t>(*count);
}

// The nvidia.com/gpu entry of resources[key] (limits or requests), if any.
StatusOr<std::optional<int64_t>> ResourceListGpus(const json& resources, const char* key,
                                                  const std::string& resources_path) {
  std::optional<int64_t> out;
  const json* list = Find(resources, key);
  if (list == nullptr || !list->is_object()) return out;
  const std::string field = Join(resources_path, key);
  for (const auto& [name, value] : list->items()) {
    const std::string item = field + "[" + name + "]";
    if (IsOtherGpuResource(name)) {
      return InvalidArgumentError(
          "only nvidia.com/gpu is accounted; ask for GPUs in spec.resources", item);
    }
    if (name == kGpuResource) {
      FAIRWAY_ASSIGN_OR_RETURN(out, ReadCount(value, item));
    }
  }
  return out;
}

struct ContainerGpus {
  bool named = false;  // the container names nvidia.com/gpu
  int64_t count = 0;   // its limit, else its request
};

StatusOr<ContainerGpus> CountContainerGpus(const json& container, const std::string& path) {
  ContainerGpus out;
  const json* resources = Find(container, "resources");
  if (resources == nullptr) return out;
  const std::string resources_path = Join(path, "resources");
  FAIRWAY_ASSIGN_OR_RETURN(std::optional<int64_t> limit,
                           ResourceListGpus(*resources, "limits", resources_path));
  FAIRWAY_ASSIGN_OR_RETURN(std::optional<int64_t> request,
                           ResourceListGpus(*resources, "requests", resources_path));
  if (limit.has_value() && request.has_value() && *limit != *request) {
    return InvalidArgumentError(
        "must equal the limit (" + std::to_string(*limit) + ")",
        Join(resources_path, "requests") + "[" + std::string(kGpuResource) + "]");
  }
  out.named = limit.has_value() || request.has_value();
  out.count = limit.value_or(request.value_or(0));
  return out;
}

bool IsSidecar(const json& init_container) {
  const json* policy = Find(init_container, "restartPolicy");
  return policy != nullptr && policy->is_string() &&
         policy->get_ref<const std::string&>() == "Always";
}

}  // namespace

Status CheckPodTemplateShape(const json& pod_template) {
  if (!pod_template.is_object()) {
    return InvalidArgumentError("must be an object (a PodTemplateSpec)",
                                std::string(kTemplatePath));
  }
  const json* pod_spec = Find(pod_template, "spec");
  if (pod_spec == nullptr) return OkStatus();
  const std::string spec_path = Join(kTemplatePath, "spec");
  if (!pod_spec->is_object()) return InvalidArgumentError("must be an object", spec_path);
  for (const char* key : kContainerLists) {
    const json* list = Find(*pod_spec, key);
    if (list != nullptr && !list->is_array()) {
      return InvalidArgumentError("must be a list", Join(spec_path, key));
    }
  }
  for (const char* key : kContainerLists) {
    const json* list = ContainerList(*pod_spec, key);
    if (list == nullptr) continue;
    const std::string list_path = Join(spec_path, key);
    for (size_t i = 0; i < list->size(); ++i) {
      FAIRWAY_RETURN_IF_ERROR(CheckContainerShape((*list)[i], Index(list_path, i)));
    }
  }
  return OkStatus();
}

StatusOr<TemplateGpus> CountTemplateGpus(const json& pod_template) {
  TemplateGpus out;
  const json* pod_spec = Find(pod_template, "spec");
  if (pod_spec == nullptr) return out;
  const std::string spec_path = Join(kTemplatePath, "spec");
  int64_t sum = 0;  // app containers and sidecars run together
  int64_t largest_init = 0;
  if (const json* containers = ContainerList(*pod_spec, "containers")) {
    const std::string list_path = Join(spec_path, "containers");
    for (size_t i = 0; i < containers->size(); ++i) {
      FAIRWAY_ASSIGN_OR_RETURN(ContainerGpus c,
                               CountContainerGpus((*containers)[i], Index(list_path, i)));
      out.any = out.any || c.named;
      sum += c.count;
    }
    out.first_container = !containers->empty();
  }
  if (const json* init_containers = ContainerList(*pod_spec, "initContainers")) {
    const std::string list_path = Join(spec_path, "initContainers");
    for (size_t i = 0; i < init_containers->size(); ++i) {
      const json& container = (*init_containers)[i];
      FAIRWAY_ASSIGN_OR_RETURN(ContainerGpus c, CountContainerGpus(container, Index(list_path, i)));
      out.any = out.any || c.named;
      if (IsSidecar(container)) {
        sum += c.count;
      } else {
        largest_init = std::max(largest_init, c.count);
      }
    }
  }
  out.per_pod = std::max(sum, largest_init);
  return out;
}

int64_t PerNodeGpus(const JobSpec& spec) {
  if (spec.resources.gres.empty()) return spec.resources.gpus;
  StatusOr<GpuRequest> gres = ParseGres(spec.resources.gres);
  return gres.ok() ? gres->count : 0;
}

Status CheckTemplateGpusMatch(const JobSpec& spec) {
  FAIRWAY_ASSIGN_OR_RETURN(TemplateGpus t, CountTemplateGpus(spec.pod_template));
  const int64_t want = PerNodeGpus(spec);
  if (!t.any || t.per_pod == want) return OkStatus();
  return InvalidArgumentError(
      "the pod template asks for " + std::to_string(t.per_pod) +
          " nvidia.com/gpu per pod but spec.resources asks for " + std::to_string(want) +
          " GPUs per node; ask for GPUs in spec.resources only (admission copies them into the "
          "template)",
      std::string(kTemplatePath));
}

}  // namespace fairway::api
