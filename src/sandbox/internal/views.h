// Conversion between stored objects and the version/view a request addresses: stamps
// apiVersion/kind, and maps events.k8s.io/v1 Events onto the core/v1 Events they are stored as
// (regarding/involvedObject, note/message, reportingController/reportingComponent, ...).
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "sandbox/resource_registry.h"

namespace fairway::sandbox::internal {

// The object as the resource `info` presents it (with apiVersion and kind).
nlohmann::json ToView(const ResourceInfo& info, const nlohmann::json& stored);
// A request body of resource `info` in storage form.
nlohmann::json FromView(const ResourceInfo& info, const nlohmann::json& body);

bool IsEventsV1(const ResourceInfo& info);

}  // namespace fairway::sandbox::internal
