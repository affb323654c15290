// Index lists of individual array tasks, as carried by the per-task user-action annotations
// (fairway.dev/cancel-tasks, hold-tasks, release-tasks, requeue-tasks; controllers/names.h):
// array-spec syntax (array_spec.h: "4,7-9", "0-15:4"), without the "%M" throttle.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "common/status.h"

namespace fairway::api {

// Parses "4,7-9" into {4,7,8,9}. Empty (or blank) text: the empty set. Errors are
// kInvalidArgument (bad syntax, a "%M" throttle, an index above MaxArraySize).
[[nodiscard]] StatusOr<std::set<uint32_t>> ParseTaskIndexList(std::string_view text);

// The compact form ParseTaskIndexList accepts back ("4,7-9"); "" for the empty set.
std::string FormatTaskIndexList(const std::set<uint32_t>& indices);

// Set helpers for merging lists.
std::set<uint32_t> UnionIndices(const std::set<uint32_t>& a, const std::set<uint32_t>& b);
std::set<uint32_t> MinusIndices(const std::set<uint32_t>& a, const std::set<uint32_t>& b);

}  // namespace fairway::api
