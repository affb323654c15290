// Kubernetes resource quantities ("500m", "64Gi", "2", "1e3") as numbers, for extended-resource
// validation. Thread-safety: pure functions.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

namespace fairway::sandbox::internal {

// The value of a quantity given as a JSON string or number; nullopt when malformed.
std::optional<long double> ParseQuantity(const nlohmann::json& value);

}  // namespace fairway::sandbox::internal
