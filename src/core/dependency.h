// Job dependencies (slurm-semantics.md §6 --dependency): evaluation of a parsed dependency
// against what is known about its targets. The driver calls this (targets may have finished and
// left the scheduler's view) and puts the outcome in Job::dependency; `singleton` is checked by
// the cycle itself against running jobs.
//
//   after:id[+min]  target started at least `min` minutes ago, or was cancelled
//   afterany:id     target ended, in any state
//   afterok:id      target completed with exit code 0      (ended otherwise: never)
//   afternotok:id   target ended other than COMPLETED      (completed: never)
//   a,b             all must hold (one never -> never)
//   a?b             any may hold  (all never -> never)
// A target that is not known any more is treated as ended: after/afterany hold, afterok and
// afternotok can never be decided and count as never satisfied.
//
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/job_state.h"
#include "core/model.h"

namespace fairway::core {

enum class DependencyKind { kAfter, kAfterAny, kAfterOk, kAfterNotOk };

struct DependencyTarget {
  std::string ref;             // job id, name or array task id, as the user wrote it
  uint32_t delay_minutes = 0;  // after:id+min
};

struct DependencyCondition {
  DependencyKind kind = DependencyKind::kAfterAny;
  std::vector<DependencyTarget> targets;
};

struct DependencySpec {
  bool any = false;  // '?' joined: any condition suffices; ',' joined: all must hold
  std::vector<DependencyCondition> conditions;
};

// What the driver knows about one target (for an array: the whole array).
struct TargetFacts {
  JobState state = JobState::kPending;
  std::optional<Timestamp> start_time;
  bool ended() const { return IsTerminal(state); }
};

using TargetLookup = std::function<std::optional<TargetFacts>(const std::string& ref)>;

DependencyState EvaluateDependency(const DependencySpec& spec, const TargetLookup& lookup,
                                   Timestamp now);

}  // namespace fairway::core
