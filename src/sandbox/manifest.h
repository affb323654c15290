// Reading Kubernetes manifests (YAML or JSON, multi-document) into JSON objects, e.g. the CRDs
// given to `fairway sandbox --crds DIR`. yaml-cpp throws; this adapter catches at the call site.
//
// YAML scalars become JSON by YAML 1.2 core-schema rules: plain `true`/`false`, `null`/`~`/empty,
// integers and floats convert; quoted scalars stay strings. `kind: List` documents are expanded.
//
// Thread-safety: free functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace fairway::sandbox {

StatusOr<std::vector<nlohmann::json>> ParseManifests(const std::string& text,
                                                     const std::string& source = "<input>");
// A file, or every *.yaml / *.yml / *.json file of a directory (sorted by name).
StatusOr<std::vector<nlohmann::json>> ReadManifests(const std::string& path);

}  // namespace fairway::sandbox
