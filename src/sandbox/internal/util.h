// Small helpers shared by the sandbox: timestamps, UIDs, random names, JSON metadata access.
//
// Thread-safety: free functions; the random source is thread-local.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace fairway::sandbox::internal {

// "2025-03-01T08:00:00Z" (RFC 3339, whole seconds, UTC).
std::string FormatTime(WallTime t);
// "2025-03-01T08:00:00.000000Z" (MicroTime: exactly six fractional digits).
std::string FormatMicroTime(WallTime t);
// Parses RFC 3339 ("...Z" or "+hh:mm", optional fraction). nullopt on garbage.
std::optional<WallTime> ParseTime(std::string_view text);
// kubectl's age rendering: "45s", "5m10s", "3h12m", "2d3h", ...
std::string HumanDuration(Duration d);

// Random version-4 UUID.
std::string NewUid();
// n characters from upstream's generateName alphabet (bcdfghjklmnpqrstvwxz2456789).
std::string RandomSuffix(size_t n);

// Null-safe accessors: return "" / nullptr when a path segment is missing or of another type.
std::string GetString(const nlohmann::json& obj, std::initializer_list<std::string_view> path);
const nlohmann::json* GetPath(const nlohmann::json& obj,
                              std::initializer_list<std::string_view> path);
// The string items of obj[key] when it is an array (other items skipped); empty otherwise.
std::vector<std::string> GetStrings(const nlohmann::json& obj, std::string_view key);
// Ensures obj[key] is an object (creating it) and returns it.
nlohmann::json& EnsureObject(nlohmann::json& obj, const std::string& key);

inline std::string NameOf(const nlohmann::json& obj) {
  return GetString(obj, {"metadata", "name"});
}
inline std::string NamespaceOf(const nlohmann::json& obj) {
  return GetString(obj, {"metadata", "namespace"});
}

// Parses a decimal resourceVersion; nullopt when it is not one.
std::optional<int64_t> ParseRv(std::string_view text);

bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::string ToLower(std::string_view s);

// Standard base64 (for certificate-authority-data and continue tokens).

}  // namespace fairway::sandbox::internal
