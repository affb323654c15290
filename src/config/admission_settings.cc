#include "config/admission_settings.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "api/array_spec.h"
#include "api/common_types.h"
#include "common/status_macros.h"
#include "config/internal/yaml_keys.h"

namespace fairway::config {
namespace {

using internal::CheckKeys;

// A sequence of user or group names (as the API server authenticates them).
Status ReadNameList(const YAML::Node& parent, const std::string& path, const std::string& key,
                    std::vector<std::string>* out) {
  YAML::Node n = parent[key];
  if (!n) return OkStatus();
  std::string field = path + "." + key;
  if (n.IsNull()) {
    out->clear();
    return OkStatus();
  }
  if (!n.IsSequence()) return InvalidArgumentError("must be a list of names", field);
  std::vector<std::string> names;
  for (size_t i = 0; i < n.size(); ++i) {
    std::string item = field + "[" + std::to_string(i) + "]";
    if (!n[i].IsScalar() || !api::json_fields::IsValidSubjectName(n[i].Scalar())) {
      return InvalidArgumentError("must be a user or group name (printable, no whitespace or ',')",
                                  item);
    }
    names.push_back(n[i].Scalar());
  }
  *out = std::move(names);
  return OkStatus();
}

Status ReadMaxArraySize(const YAML::Node& limits, int64_t* out) {
  YAML::Node n = limits["maxArraySize"];
  if (!n) return OkStatus();
  int64_t value = 0;
  if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, value) || value < 1 ||
      value > static_cast<int64_t>(api::kMaxMaxArraySize)) {
    return InvalidArgumentError("must be an integer from 1 to " +
                                    std::to_string(api::kMaxMaxArraySize) +
                                    " (Slurm's MaxArraySize)",
                                "limits.maxArraySize");
  }
  *out = value;
  return OkStatus();
}

StatusOr<AdmissionSettings> ParseDocument(const YAML::Node& root) {
  AdmissionSettings settings;
  if (!root || root.IsNull()) return settings;
  if (!root.IsMap()) return InvalidArgumentError("settings must be a mapping");
  if (YAML::Node a = root["admission"]) {
    FAIRWAY_RETURN_IF_ERROR(CheckKeys(a, "admission", {"adminGroups", "adminUsers"}));
    FAIRWAY_RETURN_IF_ERROR(ReadNameList(a, "admission", "adminGroups", &settings.admin_groups));
    FAIRWAY_RETURN_IF_ERROR(ReadNameList(a, "admission", "adminUsers", &settings.admin_users));
  }
  if (YAML::Node l = root["limits"]) {
    FAIRWAY_RETURN_IF_ERROR(CheckKeys(l, "limits", {"maxArraySize"}));
    FAIRWAY_RETURN_IF_ERROR(ReadMaxArraySize(l, &settings.max_array_size));
  }
  return settings;
}

}  // namespace

StatusOr<AdmissionSettings> ParseAdmissionSettings(std::string_view yaml_text) {
  // yaml-cpp reports syntax and conversion problems by throwing: this is the library edge.
  try {
    return ParseDocument(YAML::Load(std::string(yaml_text)));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("settings are not valid YAML: line " +
                                std::to_string(e.mark.line + 1) + ", column " +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("settings could not be read: ") + e.what());
  }
}

}  // namespace fairway::config
