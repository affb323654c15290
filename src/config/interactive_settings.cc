#include "config/interactive_settings.h"

#include <yaml-cpp/yaml.h>

#include <string>

#include "common/status_macros.h"
#include "config/internal/yaml_keys.h"

namespace fairway::config {
namespace {

StatusOr<InteractiveSettings> ParseDocument(const YAML::Node& root) {
  InteractiveSettings s;
  if (!root || root.IsNull() || !root.IsMap() || !root["interactive"]) return s;
  const YAML::Node node = root["interactive"];
  FAIRWAY_RETURN_IF_ERROR(internal::CheckKeys(node, "interactive", {"idleGrace"}));
  if (YAML::Node n = node["idleGrace"]) {
    int64_t value = 0;
    if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, value) || value < 1 ||
        value > kMaxIdleGraceS) {
      return InvalidArgumentError(
          "must be a whole number of seconds from 1 to " + std::to_string(kMaxIdleGraceS),
          "interactive.idleGrace");
    }
    s.idle_grace_s = value;
  }
  return s;
}

}  // namespace

StatusOr<InteractiveSettings> ParseInteractiveSettings(std::string_view yaml_text) {
  // yaml-cpp reports syntax problems by throwing: this is the library edge.
  try {
    return ParseDocument(YAML::Load(std::string(yaml_text)));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("settings are not valid YAML: line " +
                                std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace fairway::config
