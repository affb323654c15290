#include "config/directory_settings.h"

#include <yaml-cpp/yaml.h>

#include "common/status_macros.h"
#include "config/internal/yaml_keys.h"

namespace fairway::config {
namespace {

using internal::CheckKeys;

Status ReadString(const YAML::Node& parent, const std::string& key, std::string* out) {
  YAML::Node n = parent[key];
  if (!n) return OkStatus();
  if (!n.IsScalar() || n.Scalar().empty()) {
    return InvalidArgumentError("must be a non-empty string", "directory." + key);
  }
  *out = n.Scalar();
  return OkStatus();
}

Status ReadSeconds(const YAML::Node& parent, const std::string& key, std::chrono::seconds* out) {
  YAML::Node n = parent[key];
  if (!n) return OkStatus();
  int64_t value = 0;
  if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, value) || value < 1 || value > 86400) {
    return InvalidArgumentError("must be a whole number of seconds from 1 to 86400",
                                "directory." + key);
  }
  *out = std::chrono::seconds(value);
  return OkStatus();
}

Status ReadMappings(const YAML::Node& parent, std::vector<DirectoryGroupMapping>* out) {
  YAML::Node n = parent["accounts"];
  if (!n) return OkStatus();
  if (!n.IsSequence()) return InvalidArgumentError("must be a list", "directory.accounts");
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string path = "directory.accounts[" + std::to_string(i) + "]";
    FAIRWAY_RETURN_IF_ERROR(CheckKeys(n[i], path, {"group", "account"}));
    DirectoryGroupMapping m;
    if (!n[i]["group"] || !n[i]["group"].IsScalar() || n[i]["group"].Scalar().empty() ||
        !n[i]["account"] || !n[i]["account"].IsScalar() || n[i]["account"].Scalar().empty()) {
      return InvalidArgumentError("needs a group and an account", path);
    }
    m.group = n[i]["group"].Scalar();
    m.account = n[i]["account"].Scalar();
    out->push_back(std::move(m));
  }
  return OkStatus();
}

// What an enabled sync cannot do without.
Status CheckEnabled(const DirectorySettings& s) {
  if (!s.enabled) return OkStatus();
  if (s.url.rfind("ldap://", 0) != 0 && s.url.rfind("ldaps://", 0) != 0) {
    return InvalidArgumentError("must start with ldap:// or ldaps://", "directory.url");
  }
  if (s.base_dn.empty()) return InvalidArgumentError("required when enabled", "directory.baseDN");
  if (s.accounts.empty()) {
    return InvalidArgumentError("required when enabled: which group fills which Account",
                                "directory.accounts");
  }
  return OkStatus();
}

StatusOr<DirectorySettings> ParseDocument(const YAML::Node& root) {
  DirectorySettings s;
  if (!root || root.IsNull() || !root.IsMap() || !root["directory"]) return s;
  const YAML::Node d = root["directory"];
  FAIRWAY_RETURN_IF_ERROR(
      CheckKeys(d, "directory",
                {"enabled", "url", "caFile", "bindSecret", "baseDN", "groupFilter",
                 "groupNameAttribute", "memberAttribute", "interval", "timeout", "accounts"}));
  if (YAML::Node e = d["enabled"]) {
    if (!e.IsScalar() || !YAML::convert<bool>::decode(e, s.enabled)) {
      return InvalidArgumentError("must be true or false", "directory.enabled");
    }
  }
  FAIRWAY_RETURN_IF_ERROR(ReadString(d, "url", &s.url));
  FAIRWAY_RETURN_IF_ERROR(ReadString(d, "caFile", &s.ca_file));
  FAIRWAY_RETURN_IF_ERROR(ReadString(d, "bindSecret", &s.bind_secret));
  FAIRWAY_RETURN_IF_ERROR(ReadString(d, "baseDN", &s.base_dn));
  FAIRWAY_RETURN_IF_ERROR(ReadString(d, "groupFilter", &s.group_filter));
  FAIRWAY_RETURN_IF_ERROR(ReadString(d, "groupNameAttribute", &s.group_name_attribute));
  FAIRWAY_RETURN_IF_ERROR(ReadString(d, "memberAttribute", &s.member_attribute));
  FAIRWAY_RETURN_IF_ERROR(ReadSeconds(d, "interval", &s.interval));
  FAIRWAY_RETURN_IF_ERROR(ReadSeconds(d, "timeout", &s.timeout));
  FAIRWAY_RETURN_IF_ERROR(ReadMappings(d, &s.accounts));
  FAIRWAY_RETURN_IF_ERROR(CheckEnabled(s));
  return s;
}

}  // namespace

StatusOr<DirectorySettings> ParseDirectorySettings(std::string_view yaml_text) {
  // yaml-cpp reports syntax problems by throwing: this is the library edge.
  try {
    return ParseDocument(YAML::Load(std::string(yaml_text)));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("settings are not valid YAML: line " +
                                std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace fairway::config
