// Base64 (RFC 4648) as Kubernetes uses it: Secret data, kubeconfig *-data fields, webhook
// caBundle, AdmissionReview JSON patches. One implementation for every module.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace fairway {

// Standard alphabet with '=' padding.
std::string Base64Encode(std::string_view data);
// Accepts the standard and the URL-safe alphabet, with or without padding; whitespace (line
// breaks of PEM-style wrapping) is skipped. kInvalidArgument on any other character.
[[nodiscard]] StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace fairway
