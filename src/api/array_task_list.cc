#include "api/array_task_list.h"

#include <algorithm>
#include <iterator>

#include "api/array_spec.h"

namespace fairway::api {

StatusOr<std::set<uint32_t>> ParseTaskIndexList(std::string_view text) {
  std::set<uint32_t> out;
  size_t b = text.find_first_not_of(" \t\n");
  if (b == std::string_view::npos) return out;
  StatusOr<ArraySpec> spec = ParseArraySpec(text, kMaxMaxArraySize);
  if (!spec.ok()) return spec.status();
  if (spec->max_running.has_value()) {
    return InvalidArgumentError("task index list \"" + std::string(text) +
                                "\": a %M throttle is not allowed here");
  }
  spec->ForEach([&](uint32_t i) { out.insert(i); });
  return out;
}

std::string FormatTaskIndexList(const std::set<uint32_t>& indices) {
  ArraySpec s;
  for (uint32_t i : indices) {
    if (!s.ranges.empty() && s.ranges.back().last + 1 == i) {
      s.ranges.back().last = i;
    } else {
      s.ranges.push_back({i, i, 1});
    }
  }
  return s.ToString();
}

std::set<uint32_t> UnionIndices(const std::set<uint32_t>& a, const std::set<uint32_t>& b) {
  std::set<uint32_t> out = a;
  out.insert(b.begin(), b.end());
  return out;
}

std::set<uint32_t> MinusIndices(const std::set<uint32_t>& a, const std::set<uint32_t>& b) {
  std::set<uint32_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

}  // namespace fairway::api
