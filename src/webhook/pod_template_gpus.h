// GPUs asked for in a Job's pod template (spec.template), against what spec.resources asks for.
//
// The scheduler places a job by spec.resources, so GPUs hidden in the template would run on GPUs
// nobody accounted for (a Job with resources.gpus 0 whose container asks for 8 nvidia.com/gpu).
// Admission therefore fills the template from spec.resources when it names no GPUs, and rejects
// a template whose GPUs differ.
//
// Per pod, Kubernetes counts an extended resource as
//   effective = max(sum over containers and sidecars (initContainers with restartPolicy
//                   Always), largest other init container)
// and a container's count is its limit, else its request (they must be equal when both are
// set). Values are whole numbers (a JSON integer or a string of digits). Other GPU resources
// (amd.com/gpu, gpu.intel.com/*, nvidia.com/mig-*, nvidia.com/gpu.shared, ...) are not
// accounted by Fairway and are rejected.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "api/job_types.h"
#include "webhook/internal/violation.h"

namespace fairway::webhook {

// The GPU resource Fairway accounts (the NVIDIA device plugin's).
inline constexpr std::string_view kGpuResource = "nvidia.com/gpu";

struct TemplateGpus {
  bool any = false;              // some container names nvidia.com/gpu
  int64_t per_pod = 0;           // the effective count above
  bool first_container = false;  // spec.containers[0] exists (mutation fills it)
};

// GPUs per node the job asks for: the count of spec.resources.gres when set, else
// spec.resources.gpus. REQUIRES: `spec` decoded (gres parses).
int64_t PerNodeGpus(const api::JobSpec& spec);

// Reads the template (the value of spec.template; path names it "spec.template"). A violation
// for a malformed containers list, a GPU count that is not a whole number, limit != request,
// or another GPU resource.
internal::MaybeViolation ReadTemplateGpus(const nlohmann::json& pod_template, TemplateGpus* out);

// JSON-patch operations (paths from the object root) that give the first container of
// spec.template a limit of `gpus` nvidia.com/gpu.
// REQUIRES: ReadTemplateGpus succeeded with first_container true and any false.
nlohmann::json FillFirstContainerGpus(const nlohmann::json& pod_template, int64_t gpus);

}  // namespace fairway::webhook
