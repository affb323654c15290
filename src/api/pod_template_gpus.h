// GPUs asked for in a Job's pod template (spec.template), against what spec.resources asks for:
// the one reader of the template's GPUs, shared by admission (src/webhook) and the operator
// (src/controllers).
//
// The scheduler places a job by spec.resources, so GPUs hidden in the template would run on GPUs
// nobody accounted for (a Job with resources.gpus 0 whose container asks for 8 nvidia.com/gpu):
// admission rejects such a template, and the operator refuses a stored Job that has one (written
// without the webhook, or let through by its failurePolicy Ignore).
//
// Per pod, Kubernetes counts an extended resource as
//   effective = max(sum over containers and sidecars (initContainers with restartPolicy
//                   Always), largest other init container)
// and a container's count is its limit, else its request (they must be equal when both are
// set). Values are whole numbers (a JSON integer or a string of digits). Other GPU resources
// (amd.com/gpu, gpu.intel.com/*, nvidia.com/mig-*, nvidia.com/gpu.shared, ...) are not
// accounted by Fairway and are refused.
//
// Errors are kInvalidArgument with the field path from the Job's root
// ("spec.template.spec.containers[1].resources"). Nothing here throws.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "api/job_types.h"
#include "common/status.h"

namespace fairway::api {

// The GPU resource Fairway accounts (the NVIDIA device plugin's).
inline constexpr std::string_view kGpuResource = "nvidia.com/gpu";

struct TemplateGpus {
  bool any = false;              // some container names nvidia.com/gpu
  int64_t per_pod = 0;           // the effective count above
  bool first_container = false;  // spec.containers[0] exists
};

// The parts of the template (the value of spec.template) the GPU count reads: the template is
// an object; its spec is absent/null or an object; spec.containers and spec.initContainers are
// absent/null or lists of objects; a container's resources, and their limits and requests, are
// absent/null or objects. An error says what the field "must be".
[[nodiscard]] Status CheckPodTemplateShape(const nlohmann::json& pod_template);

// Counts the template's nvidia.com/gpu as above. Errors: a count that is not a whole number or
// is above kMaxGpuCount, a request that differs from the limit, another GPU resource.
// REQUIRES: CheckPodTemplateShape(pod_template) is OK.
[[nodiscard]] StatusOr<TemplateGpus> CountTemplateGpus(const nlohmann::json& pod_template);

// GPUs per node the job asks for: the count of spec.resources.gres when set, else
// spec.resources.gpus (0 for a gres that does not parse; the decoder refuses it).
int64_t PerNodeGpus(const JobSpec& spec);

// The template's GPUs against spec.resources: CountTemplateGpus' errors, or, when the template
// names GPUs, a per-pod count other than PerNodeGpus(spec) (field "spec.template"; the message
// gives both numbers).
// REQUIRES: CheckPodTemplateShape(spec.pod_template) is OK.
[[nodiscard]] Status CheckTemplateGpusMatch(const JobSpec& spec);

}  // namespace fairway::api
