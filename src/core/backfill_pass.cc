// Phase 4 of a cycle: the backfill planner over the queue (slurm-semantics.md §3 steps 3-7).

#include <algorithm>

#include "core/backfill.h"
#include "core/internal/cycle_state.h"

namespace fairway::core::internal {
namespace {

int64_t ToSeconds(Timestamp t) { return t.time_since_epoch().count(); }

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
    std::optional<Seconds> limit = RunningTimeLimit(i, state);
    if (limit.has_value()) {
      Timestamp start = job.start_time.value_or(state.in.now);
      o.end_s = ToSeconds(start) + limit->count();
    }
    occupations.push_back(std::move(o));
  }
  for (const StartDecision& s : state.result.started) {
    Occupation o;
    o.nodes = to_indices(s.nodes);
    o.per_node = state.jobs[s.pending_index].per_node;
    if (s.time_limit.has_value()) o.end_s = ToSeconds(state.in.now) + s.time_limit->count();
    occupations.push_back(std::move(o));
  }
  return occupations;
}

}  // namespace

void RunBackfillPass(CycleState& state) {
  const BackfillConfig& config = state.config.backfill;
  int64_t now = ToSeconds(state.in.now);
  // Nothing left to plan (everything started in the main pass, or only held/ineligible jobs):
  // skip building the map.
  bool any_left = std::any_of(state.queue.begin(), state.queue.end(),
                              [&](const QueuedPair& p) { return !state.work[p.job].started; });
  if (!any_left) return;
  BackfillPlanner planner(state.pool, CollectOccupations(state), now, config);
  std::vector<uint32_t> reservations_per_partition(state.pool.partition_count(), 0);
  CycleStats& stats = state.result.stats;

  for (const QueuedPair& pair : state.queue) {
    JobWork& w = state.work[pair.job];
    if (w.started) continue;
    if (stats.backfill_tested >= static_cast<int64_t>(config.max_job_test)) break;
    if (config.max_job_start > 0 &&
        stats.backfill_started >= static_cast<int64_t>(config.max_job_start)) {
      break;
    }
    ++stats.backfill_tested;
    const Job& job = state.jobs[pair.job];
    int64_t duration =
        pair.time_limit.has_value() ? pair.time_limit->count() : NodeTimeline::kForever;
    // Start tasks now while they fit without touching a reservation (one for a plain job);
    // the first that cannot start now reserves, and the rest of an array waits behind it.
    while (state.NextTask(pair.job).has_value()) {
      // Jobs over a limit (or their own throttle) neither start nor reserve, as in Slurm.
      if (std::optional<PendingReason> own = state.TaskBlocker(pair.job)) {
        w.reason = own;
        break;
      }
      if (std::optional<PendingReason> limit =
              state.limits.Check(job, w.ref, pair.time_limit, pair.job)) {
        w.reason = limit;
        break;
      }
      std::optional<BackfillPlan> plan = planner.EarliestStart(job, pair.partition, duration);
      if (!plan.has_value()) break;  // not within the window
      if (plan->start_s == now) {
        planner.StartNow(job, *plan, duration);
        state.Start(pair, plan->nodes, /*backfilled=*/true);
        ++stats.backfill_started;
        if (config.max_job_start > 0 &&
            stats.backfill_started >= static_cast<int64_t>(config.max_job_start)) {
          break;
        }
        continue;
      }
      uint32_t& count = reservations_per_partition[static_cast<size_t>(pair.partition)];
      bool may_reserve =
          pair.priority >= config.min_prio_reserve &&
          (config.job_part_count_reserve == 0 || count < config.job_part_count_reserve);
      if (may_reserve) {
        planner.Reserve(job, *plan, duration);
        ++count;
        ++stats.reservations;
        Timestamp start{Seconds(plan->start_s)};
        if (!w.expected_start.has_value() || start < *w.expected_start) w.expected_start = start;
      }
      break;
    }
  }
}

}  // namespace fairway::core::internal
