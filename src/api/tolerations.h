// Kubernetes tolerations (core/v1 Toleration) <-> core::Toleration, shared by a Job's pod
// template and a Partition's node pools so both accept and reject exactly the same lists.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/labels.h"

namespace fairway::api {

// A JSON list of {key, operator (Equal|Exists, default Equal), value, effect}; errors name
// `field` or `field[i].key`. tolerationSeconds is accepted and not kept (the core never
// evicts).
[[nodiscard]] StatusOr<std::vector<core::Toleration>> TolerationsFromJson(
    const nlohmann::json& list, const std::string& field);

// The inverse, in the form a pod spec takes; empty fields are left out.
nlohmann::json ToJson(const std::vector<core::Toleration>& tolerations);

bool SameTolerations(const std::vector<core::Toleration>& a,
                     const std::vector<core::Toleration>& b);

}  // namespace fairway::api
