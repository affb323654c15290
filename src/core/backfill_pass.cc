// Phase 4 of a cycle: the backfill planner over the queue (slurm-semantics.md §3 steps 3-7).

#include <algorithm>

#include "core/backfill.h"
#include "core/internal/cycle_state.h"

namespace fairway::core::internal {
namespace {

int64_t ToSeconds(Timestamp t) { return t.time_since_epoch().count(); }

// The duration the plan gives a job of `user` with `limit` that has run `elapsed`: the limit,
// or the user's predicted run time when backfill.runtime_prediction asks for it.
std::optional<Seconds> Planned(const CycleState& state, const UserName& user,
                               std::optional<Seconds> limit, Seconds elapsed) {
  if (state.config.backfill.runtime_prediction == RuntimePrediction::kOff ||
      state.in.history == nullptr) {
    return limit;
  }
  return PlannedDuration(state.in.history->Predict(user), limit, elapsed);
}

// Running jobs and this cycle's main-pass starts give their resources back at their end.
std::vector<Occupation> CollectOccupations(const CycleState& state) {
  auto to_indices = [&](const std::vector<NodeName>& names) { return state.pool.FindNodes(names); };
  std::vector<Occupation> occupations;
  const std::vector<Job>& running = state.in.cluster->running;
  for (size_t i = 0; i < running.size(); ++i) {
    const Job& job = running[i];
    Occupation o;
    o.nodes = to_indices(job.allocated_nodes);
    o.per_node = job.per_node;
    Timestamp start = job.start_time.value_or(state.in.now);
    std::optional<Seconds> planned =
        Planned(state, job.user, RunningTimeLimit(i, state), state.in.now - start);
    if (planned.has_value()) o.end_s = ToSeconds(start) + planned->count();
    occupations.push_back(std::move(o));
  }
  for (const StartDecision& s : state.result.started) {
    Occupation o;
    o.nodes = to_indices(s.nodes);
    const Job& job = state.jobs[s.pending_index];
    o.per_node = job.per_node;
    std::optional<Seconds> planned = Planned(state, job.user, s.time_limit, Seconds(0));
    if (planned.has_value()) o.end_s = ToSeconds(state.in.now) + planned->count();
    occupations.push_back(std::move(o));
  }
  return occupations;
}

// The planner's walk over the queue: each tested pair starts now where it fits without touching
// a reservation, or reserves if its partition still may.
class BackfillWalk {
 public:
  BackfillWalk(CycleState& state, BackfillPlanner& planner)
      : state_(state),
        config_(state.config.backfill),
        planner_(planner),
        now_(ToSeconds(state.in.now)),
        reservations_(state.pool.partition_count(), 0) {}

  // max_job_test or max_job_start reached: nothing more is tested this cycle.
  bool Capped() const {
    const CycleStats& stats = state_.result.stats;
    return stats.backfill_tested >= static_cast<int64_t>(config_.max_job_test) ||
           (config_.max_job_start > 0 &&
            stats.backfill_started >= static_cast<int64_t>(config_.max_job_start));
  }

  // The partition has made all the reservations bf_job_part_count_reserve allows.
  bool ReservationsUsedUp(int32_t partition) const {
    return config_.job_part_count_reserve > 0 &&
           reservations_[static_cast<size_t>(partition)] >= config_.job_part_count_reserve;
  }

  int64_t Duration(const QueuedPair& pair) const {
    std::optional<Seconds> planned =
        Planned(state_, state_.jobs[pair.job].user, pair.time_limit, Seconds(0));
    return planned.has_value() ? planned->count() : NodeTimeline::kForever;
  }

  // Start tasks now while they fit without touching a reservation (one for a plain job); the
  // first that cannot start now reserves, and the rest of an array waits behind it.
  void Test(const QueuedPair& pair) {
    JobWork& w = state_.work[pair.job];
    CycleStats& stats = state_.result.stats;
    ++stats.backfill_tested;
    const Job& job = state_.jobs[pair.job];
    const int64_t duration = Duration(pair);
    while (state_.NextTask(pair.job).has_value()) {
      // Jobs over a limit (or their own throttle) neither start nor reserve, as in Slurm.
      if (std::optional<PendingReason> own = state_.TaskBlocker(pair.job)) {
        w.reason = own;
        break;
      }
      if (std::optional<PendingReason> limit =
              state_.limits.Check(job, w.ref, pair.time_limit, pair.job)) {
        w.reason = limit;
        break;
      }
      std::optional<BackfillPlan> plan = planner_.EarliestStart(job, pair.partition, duration);
      if (!plan.has_value()) break;  // not within the window
      if (plan->start_s == now_) {
        planner_.StartNow(job, *plan, duration);
        state_.Start(pair, plan->nodes, /*backfilled=*/true);
        ++stats.backfill_started;
        if (Capped()) break;
        continue;
      }
      if (pair.priority >= config_.min_prio_reserve && !ReservationsUsedUp(pair.partition)) {
        planner_.Reserve(job, *plan, duration);
        ++reservations_[static_cast<size_t>(pair.partition)];
        ++stats.reservations;
        Timestamp start{Seconds(plan->start_s)};
        if (!w.expected_start.has_value() || start < *w.expected_start) w.expected_start = start;
      }
      break;
    }
  }

 private:
  CycleState& state_;
  const BackfillConfig& config_;
  BackfillPlanner& planner_;
  const int64_t now_;
  std::vector<uint32_t> reservations_;  // per partition
};

// Shortest-job backfilling (backfill.order: shortestFirst): pairs whose partition has used up
// its reservations can only start now; they are tried after the walk, shortest planned
// duration first (ties in queue order), which fills holes with the most jobs (Tsafrir et al.'s
// EASY++ pairs this with run-time prediction).
void BackfillShortestFirst(CycleState& state, BackfillWalk& walk,
                           const std::vector<const QueuedPair*>& deferred) {
  std::vector<std::pair<int64_t, const QueuedPair*>> by_duration;
  by_duration.reserve(deferred.size());
  for (const QueuedPair* pair : deferred) by_duration.emplace_back(walk.Duration(*pair), pair);
  std::stable_sort(by_duration.begin(), by_duration.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [duration, pair] : by_duration) {
    if (state.work[pair->job].started) continue;
    if (walk.Capped()) break;
    walk.Test(*pair);
  }
}

}  // namespace

void RunBackfillPass(CycleState& state) {
  const BackfillConfig& config = state.config.backfill;
  // Nothing left to plan (everything started in the main pass, or only held/ineligible jobs):
  // skip building the map.
  bool any_left = std::any_of(state.queue.begin(), state.queue.end(),
                              [&](const QueuedPair& p) { return !state.work[p.job].started; });
  if (!any_left) return;
  BackfillPlanner planner(state.pool, CollectOccupations(state), ToSeconds(state.in.now), config);
  BackfillWalk walk(state, planner);
  const bool shortest_first = config.order == BackfillOrder::kShortestFirst;
  std::vector<const QueuedPair*> deferred;
  for (const QueuedPair& pair : state.queue) {
    if (state.work[pair.job].started) continue;
    if (walk.Capped()) break;
    if (shortest_first && walk.ReservationsUsedUp(pair.partition)) {
      deferred.push_back(&pair);
      continue;
    }
    walk.Test(pair);
  }
  BackfillShortestFirst(state, walk, deferred);
}

}  // namespace fairway::core::internal
