#include "config/internal/yaml_keys.h"

namespace fairway::config::internal {

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

Status CheckKeys(const YAML::Node& node, const std::string& path,
                 const std::set<std::string>& allowed) {
  if (!node.IsMap()) return InvalidArgumentError("must be a mapping", path);
  for (const auto& entry : node) {
    std::string key = entry.first.as<std::string>();
    if (allowed.count(key) == 0) {
      std::string list;
      for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return InvalidArgumentError("unknown key \"" + key + "\" (accepted: " + list + ")",
                                  Join(path, key));
    }
  }
  return OkStatus();
}

}  // namespace fairway::config::internal
