// Kubernetes resource quantities ("500m", "2", "64Gi", "1e3") for CPU and memory.
//
// Grammar (k8s.io/apimachinery resource.Quantity): [+]DIGITS[.DIGITS] followed by one suffix
//   binary    Ki Mi Gi Ti Pi Ei          (2^10 .. 2^60)
//   decimal   n u m "" k M G T P E       (10^-9 .. 10^18)
//   exponent  e<int> or E<int>           ("1e3", "5E-1")
// Values are rounded UP to the unit asked for, as Kubernetes does ("0.0001" CPU -> 1m,
// "0.5" bytes -> 1). Negative values and values that do not fit in int64 are rejected.
// Surrounding whitespace is ignored. At most 128 characters are accepted.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace fairway::api {

// CPU in millicores: "500m" -> 500, "2" -> 2000, "1.5" -> 1500, "0.1" -> 100.
[[nodiscard]] StatusOr<int64_t> ParseCpuMillis(std::string_view text);

// Memory in bytes: "64Gi", "512Mi", "1G", "1000", "1e3", "1.5Gi", "100k".
[[nodiscard]] StatusOr<int64_t> ParseMemoryBytes(std::string_view text);

// "2" for 2000, "1500m" for 1500: the canonical Kubernetes form.
std::string FormatCpuMillis(int64_t millis);

// The largest binary suffix that divides exactly ("64Gi", "1536Mi"), else the largest decimal
// one ("1G", "100k"), else plain bytes ("1001").
std::string FormatMemoryBytes(int64_t bytes);

}  // namespace fairway::api
