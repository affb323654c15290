// Expected starts of jobs held back by a limit on running jobs or GPUs (issue #16): when the
// limit will let the job run.
//
// The answer is the end (start + time limit) of the running job whose end frees enough: running
// jobs, and this cycle's starts, leave the limit counts one by one in end order until the job
// passes the limits. Resources are not considered; a backfill reservation (which needs the job
// to pass its limits) never exists for these jobs.
//
// NOTE(divergence): slurm-semantics.md §11 says Slurm publishes this for AssocGrpGRES, but
// Slurm 22.05 in tools/slurm-lab (results/h_starts_names_user_limits.txt, section 3; free
// resources, sched/backfill) kept StartTime=Unknown (squeue --start N/A) for 75 s. Fairway
// publishes the estimate anyway: it is exact under the limit and costs Slurm users nothing.

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "core/internal/cycle_state.h"

namespace fairway::core::internal {
namespace {

// Reasons that clear when running jobs end. Submit limits count pending jobs and MaxWall never
// clears, so those jobs keep no expected start.
bool ClearsWhenJobsEnd(PendingReason reason) {
  switch (reason) {
    case PendingReason::kAssocGrpGres:
    case PendingReason::kAssocGrpJobsLimit:
    case PendingReason::kAssocMaxJobsLimit:
    case PendingReason::kQosGrpGres:
    case PendingReason::kQosGrpJobsLimit:
    case PendingReason::kQosMaxJobsPerUserLimit:
    case PendingReason::kQosMaxGresPerUser:
      return true;
    default:
      return false;
  }
}

// A job counted by the limit tracker, with the time its time limit ends it.
struct Counted {
  Timestamp end;
  const Job* job;
  JobRef ref;
};

// Running jobs and this cycle's starts, by end (jobs without a limit never end).
std::vector<Counted> CountedByEnd(const CycleState& state) {
  std::vector<Counted> counted;
  const std::vector<Job>& running = state.in.cluster->running;
  for (size_t i = 0; i < running.size(); ++i) {
    std::optional<Seconds> limit = RunningTimeLimit(i, state);
    if (!limit.has_value()) continue;
    const Job& job = running[i];
    counted.push_back({job.start_time.value_or(state.in.now) + *limit, &job,
                       state.limits.Resolve(job, state.limits.EffectiveQos(job))});
  }
  for (const StartDecision& s : state.result.started) {
    if (!s.time_limit.has_value()) continue;
    const Job& job = state.jobs[s.pending_index];
    counted.push_back({state.in.now + *s.time_limit, &job, state.work[s.pending_index].ref});
  }
  std::stable_sort(counted.begin(), counted.end(),
                   [](const Counted& a, const Counted& b) { return a.end < b.end; });
  return counted;
}

// The top-level account above `account` (the level below the root), or kNone.
int32_t TopLevelAccount(const AccountTree& tree, int32_t account) {
  if (account <= AccountTree::kRoot) return AccountTree::kNone;
  while (tree.at(account).parent != AccountTree::kRoot) account = tree.at(account).parent;
  return account;
}

// True if the end of `c` can lower a count the job's limits read: same QoS, or an account
// subtree in common (the root sets no limits, so the top-level account decides).
bool SharesALimit(const AccountTree& tree, const Counted& c, const JobRef& ref) {
  if (ref.qos >= 0 && c.ref.qos == ref.qos) return true;
  int32_t top = TopLevelAccount(tree, ref.account);
  return top != AccountTree::kNone && TopLevelAccount(tree, c.ref.account) == top;
}

// When `job` would pass its limits: ends counted jobs in order, then restores them.
std::optional<Timestamp> ReleaseTime(CycleState& state, const Job& job, const JobRef& ref,
                                     const std::vector<Counted>& counted) {
  // The job's reason is not MaxWall (that never clears), so its time limit is not in question:
  // check with a zero limit.
  const std::optional<Seconds> no_wall = Seconds(0);
  std::optional<Timestamp> when;
  std::vector<const Counted*> ended;
  for (const Counted& c : counted) {
    if (!SharesALimit(state.tree, c, ref)) continue;
    state.limits.RecordEnd(*c.job, c.ref);
    ended.push_back(&c);
    if (!state.limits.Check(job, ref, no_wall, SIZE_MAX).has_value()) {
      when = c.end;
      break;
    }
  }
  for (const Counted* c : ended) state.limits.RecordStart(*c->job, c->ref);
  return when;
}

}  // namespace

void PublishLimitReleaseTimes(CycleState& state) {
  std::vector<Counted> counted;
  bool counted_built = false;
  // Jobs of one association, QoS and size get the same answer: ask once.
  using Key = std::tuple<int32_t, int32_t, int32_t, int64_t, PendingReason>;
  std::map<Key, std::optional<Timestamp>> answers;
  for (size_t i = 0; i < state.jobs.size(); ++i) {
    JobWork& w = state.work[i];
    if (w.started || !w.reason.has_value() || !ClearsWhenJobsEnd(*w.reason)) continue;
    const Job& job = state.jobs[i];
    Key key{w.ref.account, w.ref.user, w.ref.qos, JobGpus(job), *w.reason};
    auto it = answers.find(key);
    if (it == answers.end()) {
      if (!counted_built) {
        counted = CountedByEnd(state);
        counted_built = true;
      }
      it = answers.emplace(key, ReleaseTime(state, job, w.ref, counted)).first;
    }
    if (it->second.has_value()) w.expected_start = std::max(*it->second, state.in.now);
  }
}

}  // namespace fairway::core::internal
