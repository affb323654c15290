// Slurm job array specs (`sbatch --array`): parsing into a compact set of index ranges.
//
// Accepted forms (slurm-semantics.md §4): comma-separated tokens, each
//   N        one index             "7"
//   A-B      A..B inclusive        "0-99"
//   A-B:S    A, A+S, ... <= B      "0-15:4" (= 0,4,8,12)
// optionally followed by "%M": at most M tasks run at once ("1-100:10%3"). Indices are
// 0..max_array_size-1 (Slurm's MaxArraySize; 0 disables arrays). Surrounding whitespace is
// ignored; whitespace inside the spec is not.
//
// The spec is kept as ranges, never as one entry per index, so a pending 100,000-task array costs
// a few bytes. Overlapping tokens are merged, so size() counts distinct indices.
//
// Thread-safety: ArraySpec is a plain value; the functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fairway::api {

// Slurm's default MaxArraySize, and the largest value Slurm allows for it.
inline constexpr uint32_t kDefaultMaxArraySize = 1001;
inline constexpr uint32_t kMaxMaxArraySize = 4000001;

// first, first+step, ..., last. Invariant: step >= 1, first <= last, (last - first) % step == 0.
struct ArrayRange {
  uint32_t first = 0;
  uint32_t last = 0;
  uint32_t step = 1;

  uint64_t size() const { return (static_cast<uint64_t>(last) - first) / step + 1; }
  bool Contains(uint32_t index) const {
    return index >= first && index <= last && (index - first) % step == 0;
  }
  bool operator==(const ArrayRange&) const = default;
};

struct ArraySpec {
  // Sorted by `first`, spans [first, last] pairwise disjoint, adjacent step-1 runs merged.
  std::vector<ArrayRange> ranges;
  // "%M" throttle: at most this many tasks running at once. nullopt = no throttle.
  std::optional<uint32_t> max_running;
  // SLURM_ARRAY_TASK_STEP: the number after the first ':' in the spec as written, else 1.
  uint32_t step = 1;

  // Number of distinct indices (SLURM_ARRAY_TASK_COUNT).
  uint64_t size() const;
  bool empty() const { return ranges.empty(); }
  // Smallest / largest index (SLURM_ARRAY_TASK_MIN / _MAX). REQUIRES: !empty().
  uint32_t min_index() const { return ranges.front().first; }
  uint32_t max_index() const { return ranges.back().last; }
  // True if `index` is one of the array's indices. O(log ranges).
  bool Contains(uint32_t index) const;
  // Calls fn(index) for every index in ascending order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const ArrayRange& r : ranges) {
      for (uint64_t i = r.first; i <= r.last; i += r.step) {
        fn(static_cast<uint32_t>(i));
      }
    }
  }
  // All indices, ascending. Materializes: prefer size(), Contains() and ForEach().
  std::vector<uint32_t> Indices() const;
  // Slurm-style compact form that ParseArraySpec accepts back: "1,3,5-9", "0-12:4", "0-99%5".
  // Step-1 runs print as "A-B", strided runs of 3 or more as "A-B:S", the rest as single
  // indices. The "%M" throttle is appended when set.
  std::string ToString() const;

  bool operator==(const ArraySpec&) const = default;
};

// Parses an array spec. Errors are kInvalidArgument and name the accepted forms; an index above
// max_array_size-1 gives "... exceeds MaxArraySize=<max_array_size> ...". max_array_size 0
// (arrays disabled) and values above kMaxMaxArraySize are rejected. Work and memory are
// proportional to the spec's length, except that tokens with different steps that overlap are
// merged through a bitmap of their span (at most kMaxMaxArraySize bits).
[[nodiscard]] StatusOr<ArraySpec> ParseArraySpec(std::string_view text,
                                                 uint32_t max_array_size = kDefaultMaxArraySize);

}  // namespace fairway::api
