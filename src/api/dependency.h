// Slurm job dependencies (`sbatch --dependency`): parsing and formatting.
//
// Accepted forms (slurm-semantics.md §6; type names are case-insensitive):
//   type:ref[:ref...]        one item; type is after, afterany, afterok, afternotok, aftercorr
//   after:ref+M[:ref+M...]   `after` only: start M minutes after the target started
//   singleton                at most one running job per name and user; takes no refs
//   ref[:ref...]             bare refs mean afterany; bare refs must be job ids or array tasks
//   item,item,...            all items must hold
//   item?item?...            any item suffices (',' and '?' cannot be mixed)
// A ref is a numeric job id ("123"), an array task ("123_4"), or — a Fairway extension — the
// name of a Job object in the same namespace (DNS-1123 subdomain, e.g. "prep-data").
// Surrounding whitespace is ignored; whitespace inside is not.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fairway::api {

enum class DependencyType {
  kAfter,       // target started (or was cancelled), plus delay_minutes
  kAfterAny,    // target ended in any state
  kAfterOk,     // target completed with exit code 0
  kAfterNotOk,  // target failed (non-zero exit, node failure, timeout, ...)
  kAfterCorr,   // array task i waits for task i of the target array
  kSingleton,   // no other running job with the same name and user
};

// "after", "afterany", ... as Slurm spells them.
std::string_view DependencyTypeName(DependencyType type);

struct DependencyTarget {
  enum class Kind { kJobId, kArrayTask, kJobName };

  // Canonical text: "123" (no leading zeros), "123_4", or a Job name.
  std::string ref;
  Kind kind = Kind::kJobId;
  // `after` only: minutes to wait after the target started.
  uint32_t delay_minutes = 0;

  bool operator==(const DependencyTarget&) const = default;
};

struct DependencyItem {
  DependencyType type = DependencyType::kAfterAny;
  std::vector<DependencyTarget> targets;  // empty only for kSingleton

  bool operator==(const DependencyItem&) const = default;
};

struct DependencySpec {
  enum Combine { kAll, kAny };

  Combine combine = kAll;  // ',' = kAll, '?' = kAny
  std::vector<DependencyItem> items;

  bool operator==(const DependencySpec&) const = default;
};

// Parses a dependency expression. Errors are kInvalidArgument and name the accepted forms.
[[nodiscard]] StatusOr<DependencySpec> ParseDependency(std::string_view text);

// Renders a spec so that ParseDependency gives it back: "afterok:12:13,after:14+5",
// "afterany:7?singleton". Bare refs print with their implied "afterany:".
std::string FormatDependency(const DependencySpec& spec);

}  // namespace fairway::api
