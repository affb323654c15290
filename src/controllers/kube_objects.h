// Reading core Kubernetes objects (Node, Pod) as nlohmann::json into the scheduling core's terms
// (kubernetes-api.md §6). Malformed fields never throw: a quantity that does not parse counts
// as 0 and is reported through the optional `error` out-parameter.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/types.h"

namespace fairway::controllers {

// string at a JSON path of objects ("metadata", "name"), or "" when absent / not a string.
std::string JsonString(const nlohmann::json& obj, std::initializer_list<const char*> path);
const nlohmann::json* JsonAt(const nlohmann::json& obj, std::initializer_list<const char*> path);

// {cpu, memory, nvidia.com/gpu} of a ResourceList ({"cpu": "4", "memory": "64Gi", ...}).
core::Resources ResourcesFromList(const nlohmann::json& list, std::string* error = nullptr);

// A Node as the core sees it: allocatable, GPU type (label fairway.dev/gpu-type, else
// nvidia.com/gpu.product; lower-cased), labels, taints, Ready condition, spec.unschedulable.
core::Node NodeFromJson(const nlohmann::json& node);

// A pod's request: max(sum of app containers + restartable init containers, largest init
// container) + spec.overhead, per resource. A container's limit stands in for a missing request.
core::Resources PodRequest(const nlohmann::json& pod);

// status.phase ("Pending", "Running", "Succeeded", "Failed", "Unknown"; "" when unset).
std::string PodPhase(const nlohmann::json& pod);
bool PodIsTerminal(const nlohmann::json& pod);
// The pods of `pods` that have not ended (phase neither Succeeded nor Failed).
std::vector<const nlohmann::json*> NotTerminal(const std::vector<const nlohmann::json*>& pods);
bool PodIsDeleting(const nlohmann::json& pod);
// The first non-zero terminated exitCode among the containers, else 0 if one terminated, else
// nullopt.
std::optional<int32_t> PodExitCode(const nlohmann::json& pod);
std::string PodLabel(const nlohmann::json& pod, std::string_view key);

}  // namespace fairway::controllers
