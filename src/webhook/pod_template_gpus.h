// Admission's part in the GPUs of a Job's pod template (spec.template): when the template names
// no GPUs, the mutating webhook copies spec.resources' GPUs into its first container. Reading
// the template's GPUs, and checking them against spec.resources, is api/pod_template_gpus.h,
// shared with the operator.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace fairway::webhook {

// JSON-patch operations (paths from the object root) that give the first container of
// spec.template a limit of `gpus` nvidia.com/gpu.
// REQUIRES: api::CountTemplateGpus(pod_template) succeeded with first_container true and any
// false.
nlohmann::json FillFirstContainerGpus(const nlohmann::json& pod_template, int64_t gpus);

}  // namespace fairway::webhook
