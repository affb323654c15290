// Helpers shared by the settings parsers (scheduler_settings.cc, admission_settings.cc): one
// settings file, one way to name a key and to refuse an unknown one.
//
// Thread-safety: pure functions.
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

#include "common/status.h"

namespace fairway::config::internal {

// "path.key", or "key" at the top level (empty path).
std::string Join(const std::string& path, const std::string& key);

// `node` (at `path`) must be a mapping whose keys are all in `allowed`; the error names the
// unknown key's full path and lists the accepted ones, so a typo never falls back to a default.
Status CheckKeys(const YAML::Node& node, const std::string& path,
                 const std::set<std::string>& allowed);

}  // namespace fairway::config::internal
