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
      base_(now - now % resolution_s_),
      buckets_(std::max<int64_t>(0, config.window.count() / resolution_s_)) {
  timelines_.reserve(pool.node_count());
  for (size_t n = 0; n < pool.node_count(); ++n) {
    timelines_.emplace_back(now, pool.free(static_cast<int32_t>(n)));
  }
  for (const Occupation& o : occupations) {
    int64_t end = o.end_s >= NodeTimeline::kForever ? NodeTimeline::kForever : RoundUp(o.end_s);
    for (int32_t n : o.nodes) timelines_[static_cast<size_t>(n)].Release(end, o.per_node);
  }
}

int64_t BackfillPlanner::RoundUp(int64_t t) const {
  if (t <= now_) return base_ + resolution_s_;  // overdue: assume it ends within one quantum
  return (t + resolution_s_ - 1) / resolution_s_ * resolution_s_;
}

int64_t BackfillPlanner::BucketTime(int64_t k) const {
  return k == 0 ? now_ : base_ + k * resolution_s_;
}

std::optional<BackfillPlan> BackfillPlanner::EarliestStart(const Job& job, int32_t p,
                                                           int64_t duration_s) {
  if (job.node_count <= 0) return std::nullopt;
  // Round the duration up to whole quanta, as reservations are.
  int64_t duration = duration_s >= NodeTimeline::kForever
                         ? NodeTimeline::kForever
                         : (duration_s + resolution_s_ - 1) / resolution_s_ * resolution_s_;
  coverage_.assign(static_cast<size_t>(buckets_) + 2, 0);
  node_intervals_.clear();
  for (int32_t n : pool_.PartitionNodes(p)) {
    if (!pool_.schedulable(n) || !pool_.Accepts(job, n)) continue;
    intervals_.clear();
    timelines_[static_cast<size_t>(n)].FeasibleStarts(job.per_node, duration, job.exclusive,
                                                      pool_.node(n).allocatable, &intervals_);
    for (const auto& [a, b] : intervals_) {
      // Candidate starts: now (bucket 0), then the resolution boundaries after it.
      int64_t first = a <= now_ ? 0 : (a - base_ + resolution_s_ - 1) / resolution_s_;
      int64_t last = b >= NodeTimeline::kForever ? buckets_ : (b - base_) / resolution_s_;
      last = std::min(last, buckets_);
      if (first > last) continue;
      coverage_[static_cast<size_t>(first)] += 1;
      coverage_[static_cast<size_t>(last) + 1] -= 1;
      node_intervals_.push_back({n, {first, last}});
    }
  }
  // The first bucket that enough nodes cover.
  int64_t chosen = -1;
  int32_t running = 0;
  for (int64_t k = 0; k <= buckets_; ++k) {
    running += coverage_[static_cast<size_t>(k)];
    if (running >= job.node_count) {
      chosen = k;
      break;
    }
  }
  if (chosen < 0) return std::nullopt;
  BackfillPlan plan;
  plan.start_s = BucketTime(chosen);
  // Best fit among the nodes free at that time: least free GPUs, CPU, memory, then node order.
  std::vector<std::tuple<int64_t, int64_t, int64_t, int32_t>> candidates;
  for (const auto& [n, range] : node_intervals_) {
    if (range.first <= chosen && chosen <= range.second) {
      Resources f = timelines_[static_cast<size_t>(n)].FreeAt(plan.start_s);
      candidates.emplace_back(f.gpus, f.cpu_millis, f.memory_bytes, n);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  for (size_t i = 0; i < candidates.size() && plan.nodes.size() < static_cast<size_t>(job.node_count);
       ++i) {
    int32_t n = std::get<3>(candidates[i]);
    if (plan.nodes.empty() || plan.nodes.back() != n) plan.nodes.push_back(n);
  }
  if (plan.nodes.size() < static_cast<size_t>(job.node_count)) return std::nullopt;
  return plan;
}

void BackfillPlanner::Reserve(const Job& job, const BackfillPlan& plan, int64_t duration_s) {
  int64_t end = duration_s >= NodeTimeline::kForever ? NodeTimeline::kForever
                                                     : RoundUp(plan.start_s + duration_s);
  for (int32_t n : plan.nodes) {
    NodeTimeline& t = timelines_[static_cast<size_t>(n)];
    if (config_.reserve_whole_nodes) {
      t.TakeAll(plan.start_s, end);
    } else {
      t.Take(plan.start_s, end, job.per_node);
    }
  }
}

void BackfillPlanner::StartNow(const Job& job, const BackfillPlan& plan, int64_t duration_s) {
  int64_t end = duration_s >= NodeTimeline::kForever ? NodeTimeline::kForever
                                                     : RoundUp(now_ + duration_s);
  for (int32_t n : plan.nodes) timelines_[static_cast<size_t>(n)].Take(now_, end, job.per_node);
}

}  // namespace fairway::core
