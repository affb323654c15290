#include "core/backfill.h"

#include <algorithm>
#include <tuple>

namespace fairway::core {

BackfillPlanner::BackfillPlanner(const NodePool& pool, const std::vector<Occupation>& occupations,
                                 int64_t now, const BackfillConfig& config)
    : pool_(pool),
      config_(config),
      now_(now),
      resolution_s_(std::max<int64_t>(1, config.resolution.count())),
      horizon_(now + config.window.count()) {
  timelines_.reserve(pool.node_count());
  for (size_t n = 0; n < pool.node_count(); ++n) {
    timelines_.emplace_back(now, pool.free(static_cast<int32_t>(n)));
  }
  candidates_.push_back(now);
  for (const Occupation& o : occupations) {
    if (o.end_s >= NodeTimeline::kForever) continue;
    // A job past its limit is about to be killed: it gives its resources back right after now.
    int64_t end = std::max(o.end_s, now + 1);
    for (int32_t n : o.nodes) timelines_[static_cast<size_t>(n)].Release(end, o.per_node);
    candidates_.push_back(end);
  }
  std::sort(candidates_.begin(), candidates_.end());
  candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
}

void BackfillPlanner::AddCandidate(int64_t t) {
  auto it = std::lower_bound(candidates_.begin(), candidates_.end(), t);
  if (it == candidates_.end() || *it != t) candidates_.insert(it, t);
}

std::optional<BackfillPlan> BackfillPlanner::EarliestStart(const Job& job, int32_t p,
                                                           int64_t duration_s) {
  if (job.node_count <= 0) return std::nullopt;
  // Candidates up to the horizon; coverage_[k] counts nodes that can start the job at
  // candidates_[k] (difference array over candidate indices).
  size_t usable = static_cast<size_t>(
      std::upper_bound(candidates_.begin(), candidates_.end(), horizon_) - candidates_.begin());
  if (usable == 0) return std::nullopt;
  coverage_.assign(usable + 1, 0);
  node_intervals_.clear();
  for (int32_t n : pool_.PartitionNodes(p)) {
    if (!pool_.schedulable(n) || !pool_.Accepts(job, n)) continue;
    intervals_.clear();
    timelines_[static_cast<size_t>(n)].FeasibleStarts(job.per_node, duration_s, job.exclusive,
                                                      pool_.node(n).allocatable, &intervals_);
    for (const auto& [a, b] : intervals_) {
      // A feasible run starts where resources come back (a candidate) and may start any time
      // up to b; only candidate times are tried, as a start between two of them is no earlier.
      auto end = candidates_.begin() + static_cast<std::ptrdiff_t>(usable);
      size_t first = a <= now_ ? 0
                               : static_cast<size_t>(std::lower_bound(candidates_.begin(), end, a) -
                                                     candidates_.begin());
      size_t last_plus_one =
          b >= horizon_ ? usable
                        : static_cast<size_t>(std::upper_bound(candidates_.begin(), end, b) -
                                              candidates_.begin());
      if (first >= last_plus_one) continue;
      coverage_[first] += 1;
      coverage_[last_plus_one] -= 1;
      node_intervals_.push_back({n, {static_cast<int64_t>(first), static_cast<int64_t>(last_plus_one) - 1}});
    }
  }
  // The first candidate that enough nodes cover.
  int64_t chosen = -1;
  int32_t covering = 0;
  for (size_t k = 0; k < usable; ++k) {
    covering += coverage_[k];
    if (covering >= job.node_count) {
      chosen = static_cast<int64_t>(k);
      break;
    }
  }
  if (chosen < 0) return std::nullopt;
  BackfillPlan plan;
  plan.start_s = candidates_[static_cast<size_t>(chosen)];
  // Best fit among the nodes free then: least free GPUs, CPU, memory, then node order.
  std::vector<std::tuple<int64_t, int64_t, int64_t, int32_t>>& fits = fits_;
  fits.clear();
  for (const auto& [n, range] : node_intervals_) {
    if (range.first <= chosen && chosen <= range.second) {
      Resources f = timelines_[static_cast<size_t>(n)].FreeAt(plan.start_s);
      fits.emplace_back(f.gpus, f.cpu_millis, f.memory_bytes, n);
    }
  }
  std::sort(fits.begin(), fits.end());
  for (const auto& fit : fits) {
    if (plan.nodes.size() == static_cast<size_t>(job.node_count)) break;
    int32_t n = std::get<3>(fit);
    if (std::find(plan.nodes.begin(), plan.nodes.end(), n) == plan.nodes.end()) {
      plan.nodes.push_back(n);
    }
  }
  if (plan.nodes.size() < static_cast<size_t>(job.node_count)) return std::nullopt;
  return plan;
}

void BackfillPlanner::Reserve(const Job& job, const BackfillPlan& plan, int64_t duration_s) {
  // Slurm's map rounds both ends of a reservation down to the resolution.
  int64_t start = std::max(now_, RoundDown(plan.start_s));
  int64_t end = duration_s >= NodeTimeline::kForever ? NodeTimeline::kForever
                                                     : RoundDown(plan.start_s + duration_s);
  if (end <= start) return;
  for (int32_t n : plan.nodes) {
    NodeTimeline& t = timelines_[static_cast<size_t>(n)];
    if (config_.reserve_whole_nodes) {
      t.TakeAll(start, end);
    } else {
      t.Take(start, end, job.per_node);
    }
  }
  if (end < NodeTimeline::kForever) AddCandidate(end);
}

void BackfillPlanner::StartNow(const Job& job, const BackfillPlan& plan, int64_t duration_s) {
  int64_t end = duration_s >= NodeTimeline::kForever ? NodeTimeline::kForever : now_ + duration_s;
  for (int32_t n : plan.nodes) timelines_[static_cast<size_t>(n)].Take(now_, end, job.per_node);
  if (end < NodeTimeline::kForever) AddCandidate(end);
}

}  // namespace fairway::core
