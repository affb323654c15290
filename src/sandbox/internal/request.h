// Parsing of API request targets: path segments into group/version/namespace/resource/name/
// subresource (upstream's RequestInfo rules), and the query string.
//
// Thread-safety: pure functions over values.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace fairway::sandbox::internal {

using Query = std::map<std::string, std::string>;

// Percent-decodes (and '+' -> ' ' when `plus_is_space`).
std::string UrlDecode(const std::string& s, bool plus_is_space);
// Splits "path?query" and decodes both; a repeated query parameter keeps its first value.
void SplitTarget(const std::string& target, std::string* path, Query* query);
std::vector<std::string> SplitPath(const std::string& path);

struct ResourcePath {
  std::string group;  // "" for /api/v1
  std::string version;
  std::string ns;
  std::string resource;
  std::string name;
  std::string subresource;
  bool watch_prefix = false;  // legacy /api/v1/watch/...
};

// Parses /api/v1/... or /apis/G/V/...; false when the path names no resource.
bool ParseResourcePath(const std::vector<std::string>& segs, ResourcePath* out);

}  // namespace fairway::sandbox::internal
