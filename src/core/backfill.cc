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
  max_free_.reserve(timelines_.size());
  free_now_.reserve(timelines_.size());
  for (const NodeTimeline& t : timelines_) {
    max_free_.push_back(t.MaxFreeUntil(horizon_));
    free_now_.push_back(t.FreeAt(now_));
  }
}

void BackfillPlanner::UpdateBounds(int32_t n) {
  const NodeTimeline& t = timelines_[static_cast<size_t>(n)];
  max_free_[static_cast<size_t>(n)] = t.MaxFreeUntil(horizon_);
  free_now_[static_cast<size_t>(n)] = t.FreeAt(now_);
}

void BackfillPlanner::AddCandidate(int64_t t) {
  auto it = std::lower_bound(candidates_.begin(), candidates_.end(), t);
  if (it == candidates_.end() || *it != t) candidates_.insert(it, t);
}

std::optional<BackfillPlan> BackfillPlanner::EarliestStart(const Job& job, int32_t p,
                                                           int64_t duration_s) {
  if (job.node_count <= 0) return std::nullopt;
  size_t usable = static_cast<size_t>(
      std::upper_bound(candidates_.begin(), candidates_.end(), horizon_) - candidates_.begin());
  if (usable == 0) return std::nullopt;
  if (failures_.Covers(job, p, duration_s)) return std::nullopt;
  CollectFeasibleRanges(job, p, duration_s, usable);
  int64_t chosen = FirstCoveredCandidate(job, usable);
  if (chosen < 0) {
    failures_.Add(job, p, duration_s);
    return std::nullopt;
  }
  BackfillPlan plan;
  plan.start_s = candidates_[static_cast<size_t>(chosen)];
  if (!PickBestFit(job, chosen, &plan)) return std::nullopt;
  hint_ = plan.nodes.front();
  return plan;
}

bool BackfillPlanner::CannotHold(int32_t n, const Job& job, int64_t latest_start) const {
  // No step starting by `latest_start` has room: the job cannot start on n by then. Only two
  // bounds are kept per node: up to now (the first step) and up to the horizon.
  const Resources& most =
      latest_start <= now_ ? free_now_[static_cast<size_t>(n)] : max_free_[static_cast<size_t>(n)];
  if (job.exclusive) {
    const Resources& full = pool_.node(n).allocatable;
    return !most.Fits(full) || !full.Fits(job.per_node);
  }
  return !most.Fits(job.per_node);
}

void BackfillPlanner::CollectFeasibleRanges(const Job& job, int32_t p, int64_t duration_s,
                                            size_t usable) {
  node_ranges_.clear();
  tail_firsts_.clear();
  // `bound`: a candidate index the job can surely start at by now, so the chosen start is no
  // later and runs starting after it can neither be chosen nor cover the choice. The node the
  // previous plan chose goes first: it often gives an early bound at once. (The order of
  // node_ranges_ changes no decision: the choice is a minimum, best fit a total order.)
  size_t bound = usable;
  const std::vector<int32_t>& nodes = pool_.PartitionNodes(p);
  bool hinted = hint_ >= 0 && std::binary_search(nodes.begin(), nodes.end(), hint_);
  if (hinted) AddFeasibleRanges(hint_, job, duration_s, usable, &bound);
  for (int32_t n : nodes) {
    if (!hinted || n != hint_) AddFeasibleRanges(n, job, duration_s, usable, &bound);
  }
}

void BackfillPlanner::TightenBound(const Job& job, const NodeRange& range, size_t* bound) {
  if (job.node_count == 1) {
    // One node covering a candidate is enough to start there.
    *bound = std::min(*bound, range.first);
    return;
  }
  // Several nodes: those whose run lasts past the horizon cover every candidate from their
  // first on, so the node_count-th smallest such first is covered by node_count nodes.
  if (range.latest < horizon_) return;
  tail_firsts_.push_back(range.first);
  std::push_heap(tail_firsts_.begin(), tail_firsts_.end());
  if (tail_firsts_.size() > static_cast<size_t>(job.node_count)) {
    std::pop_heap(tail_firsts_.begin(), tail_firsts_.end());
    tail_firsts_.pop_back();
  }
  if (tail_firsts_.size() == static_cast<size_t>(job.node_count)) {
    *bound = std::min(*bound, tail_firsts_.front());
  }
}

void BackfillPlanner::AddFeasibleRanges(int32_t n, const Job& job, int64_t duration_s,
                                        size_t usable, size_t* bound) {
  int64_t latest = *bound < usable ? candidates_[*bound] : horizon_;
  if (!pool_.schedulable(n) || CannotHold(n, job, latest) || !pool_.Accepts(job, n)) return;
  intervals_.clear();
  timelines_[static_cast<size_t>(n)].FeasibleStarts(job.per_node, duration_s, job.exclusive,
                                                    pool_.node(n).allocatable, latest, &intervals_);
  auto begin = candidates_.begin();
  auto end = candidates_.begin() + static_cast<std::ptrdiff_t>(usable);
  for (const auto& [a, b] : intervals_) {
    // A feasible run starts where resources come back (a candidate) and may start any time up
    // to b; only candidate times are tried, as a start between two of them is no earlier.
    size_t first = a <= now_ ? 0 : static_cast<size_t>(std::lower_bound(begin, end, a) - begin);
    if (first >= usable || candidates_[first] > b) continue;  // no candidate in [a, b]
    node_ranges_.push_back({n, first, b});
    TightenBound(job, node_ranges_.back(), bound);
  }
}

int64_t BackfillPlanner::FirstCoveredCandidate(const Job& job, size_t usable) {
  if (node_ranges_.empty()) return -1;
  if (job.node_count == 1) {
    // One node: the earliest candidate any range covers is its first.
    size_t first = usable;
    for (const NodeRange& r : node_ranges_) first = std::min(first, r.first);
    return static_cast<int64_t>(first);
  }
  // coverage_[k] counts nodes that can start the job at candidates_[k] (a difference array).
  coverage_.assign(usable + 1, 0);
  auto begin = candidates_.begin();
  auto end = candidates_.begin() + static_cast<std::ptrdiff_t>(usable);
  for (const NodeRange& r : node_ranges_) {
    size_t last_plus_one =
        r.latest >= horizon_ ? usable
                             : static_cast<size_t>(std::upper_bound(begin, end, r.latest) - begin);
    coverage_[r.first] += 1;
    coverage_[last_plus_one] -= 1;
  }
  int32_t covering = 0;
  for (size_t k = 0; k < usable; ++k) {
    covering += coverage_[k];
    if (covering >= job.node_count) return static_cast<int64_t>(k);
  }
  return -1;
}

bool BackfillPlanner::PickBestFit(const Job& job, int64_t chosen, BackfillPlan* plan) {
  // Best fit among the nodes free then: least free GPUs, CPU, memory, then node order. A node's
  // feasible ranges are disjoint, so each node appears at most once here.
  fits_.clear();
  size_t k = static_cast<size_t>(chosen);
  for (const NodeRange& r : node_ranges_) {
    if (r.first <= k && plan->start_s <= r.latest) {
      Resources f = timelines_[static_cast<size_t>(r.node)].FreeAt(plan->start_s);
      fits_.emplace_back(f.gpus, f.cpu_millis, f.memory_bytes, r.node);
    }
  }
  size_t wanted = static_cast<size_t>(job.node_count);
  if (fits_.size() < wanted) return false;
  // Only the best `wanted` are needed in order: no sort of every fitting node.
  std::partial_sort(fits_.begin(), fits_.begin() + static_cast<std::ptrdiff_t>(wanted),
                    fits_.end());
  for (size_t i = 0; i < wanted; ++i) plan->nodes.push_back(std::get<3>(fits_[i]));
  return true;
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
    UpdateBounds(n);
  }
  if (end < NodeTimeline::kForever) AddCandidate(end);
}

void BackfillPlanner::StartNow(const Job& job, const BackfillPlan& plan, int64_t duration_s) {
  int64_t end = duration_s >= NodeTimeline::kForever ? NodeTimeline::kForever : now_ + duration_s;
  for (int32_t n : plan.nodes) {
    NodeTimeline& t = timelines_[static_cast<size_t>(n)];
    t.Take(now_, end, job.per_node);
    UpdateBounds(n);
  }
  if (end < NodeTimeline::kForever) AddCandidate(end);
}

}  // namespace fairway::core
