#include "core/dependency.h"

namespace fairway::core {
namespace {

DependencyState EvaluateTarget(DependencyKind kind, const DependencyTarget& target,
                               const TargetLookup& lookup, Timestamp now) {
  std::optional<TargetFacts> facts = lookup(target.ref);
  if (!facts.has_value()) {
    bool decidable = kind == DependencyKind::kAfter || kind == DependencyKind::kAfterAny;
    return decidable ? DependencyState::kSatisfied : DependencyState::kNeverSatisfied;
  }
  switch (kind) {
    case DependencyKind::kAfter: {
      if (facts->state == JobState::kCancelled && !facts->start_time.has_value()) {
        return DependencyState::kSatisfied;
      }
      if (!facts->start_time.has_value()) return DependencyState::kWaiting;
      Timestamp ready = *facts->start_time + Seconds(60LL * target.delay_minutes);
      return now >= ready ? DependencyState::kSatisfied : DependencyState::kWaiting;
    }
    case DependencyKind::kAfterAny:
      return facts->ended() ? DependencyState::kSatisfied : DependencyState::kWaiting;
    case DependencyKind::kAfterOk:
      if (!facts->ended()) return DependencyState::kWaiting;
      return facts->state == JobState::kCompleted ? DependencyState::kSatisfied
                                                  : DependencyState::kNeverSatisfied;
    case DependencyKind::kAfterNotOk:
      if (!facts->ended()) return DependencyState::kWaiting;
      return facts->state == JobState::kCompleted ? DependencyState::kNeverSatisfied
                                                  : DependencyState::kSatisfied;
  }
  return DependencyState::kWaiting;
}

// Folds outcomes: `all` needs every one satisfied; `any` needs one.
DependencyState Combine(const std::vector<DependencyState>& parts, bool any) {
  bool waiting = false;
  bool never = false;
  bool satisfied = false;
  for (DependencyState s : parts) {
    waiting |= s == DependencyState::kWaiting;
    never |= s == DependencyState::kNeverSatisfied;
    satisfied |= s == DependencyState::kSatisfied;
  }
  if (parts.empty()) return DependencyState::kSatisfied;
  if (any) {
    if (satisfied) return DependencyState::kSatisfied;
    return waiting ? DependencyState::kWaiting : DependencyState::kNeverSatisfied;
  }
  if (never) return DependencyState::kNeverSatisfied;
  return waiting ? DependencyState::kWaiting : DependencyState::kSatisfied;
}

}  // namespace

DependencyState EvaluateDependency(const DependencySpec& spec, const TargetLookup& lookup,
                                   Timestamp now) {
  std::vector<DependencyState> conditions;
  for (const DependencyCondition& c : spec.conditions) {
    // Every target of one condition must hold (afterok:a:b means a and b).
    std::vector<DependencyState> targets;
    for (const DependencyTarget& t : c.targets) targets.push_back(EvaluateTarget(c.kind, t, lookup, now));
    conditions.push_back(Combine(targets, /*any=*/false));
  }
  return Combine(conditions, spec.any);
}

}  // namespace fairway::core
