// Small helpers shared inside the kube module: files, RFC 3339 times, URL encoding.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace fairway::kube::internal {

StatusOr<std::string> ReadFile(const std::string& path);
// Joins `path` to `base_dir` unless it is absolute (or base_dir is empty).
std::string ResolvePath(const std::string& base_dir, const std::string& path);
std::string DirName(const std::string& path);
// "2025-03-01T08:04:58.120455Z" (digits = 0: whole seconds).
std::string FormatTime(WallTime t, int digits);
// RFC 3339 with optional fraction and Z/+HH:MM offset.
StatusOr<WallTime> ParseTime(std::string_view text);
// Percent-encodes a query value.
std::string UrlEncode(std::string_view in);
std::string Trim(std::string_view s);

}  // namespace fairway::kube::internal
