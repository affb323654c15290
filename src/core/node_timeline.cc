#include "core/node_timeline.h"

#include <algorithm>

namespace fairway::core {

NodeTimeline::NodeTimeline(int64_t now, const Resources& free_now) {
  times_.reserve(4);
  free_.reserve(4);
  times_.push_back(now);
  free_.push_back(free_now);
}

size_t NodeTimeline::SplitAt(int64_t t) {
  auto it = std::upper_bound(times_.begin(), times_.end(), t);
  size_t index = static_cast<size_t>(it - times_.begin());  // first step starting after t
  if (index > 0 && times_[index - 1] == t) return index - 1;
  if (index == 0) {
    // Before now: clamp to the first step.
    return 0;
  }
  times_.insert(times_.begin() + static_cast<std::ptrdiff_t>(index), t);
  free_.insert(free_.begin() + static_cast<std::ptrdiff_t>(index), free_[index - 1]);
  return index;
}

void NodeTimeline::Release(int64_t t, const Resources& r) {
  if (t >= kForever) return;
  for (size_t i = SplitAt(std::max(t, times_.front())); i < free_.size(); ++i) free_[i] += r;
}

void NodeTimeline::Take(int64_t from, int64_t to, const Resources& r) {
  from = std::max(from, times_.front());
  if (to <= from) return;
  size_t first = SplitAt(from);
  // Splitting at `to` (> from) inserts after `first`, so `first` stays valid.
  size_t last = to >= kForever ? free_.size() : SplitAt(to);
  for (size_t i = first; i < last; ++i) free_[i] -= r;
}

void NodeTimeline::TakeAll(int64_t from, int64_t to) {
  from = std::max(from, times_.front());
  if (to <= from) return;
  size_t first = SplitAt(from);
  // Splitting at `to` (> from) inserts after `first`, so `first` stays valid.
  size_t last = to >= kForever ? free_.size() : SplitAt(to);
  for (size_t i = first; i < last; ++i) free_[i] = Resources{};
}

Resources NodeTimeline::FreeAt(int64_t t) const {
  auto it = std::upper_bound(times_.begin(), times_.end(), t);
  if (it == times_.begin()) return free_.front();
  return free_[static_cast<size_t>(it - times_.begin()) - 1];
}

Resources NodeTimeline::MaxFreeUntil(int64_t t) const {
  Resources most = free_.front();
  for (size_t i = 1; i < times_.size() && times_[i] <= t; ++i) {
    most.cpu_millis = std::max(most.cpu_millis, free_[i].cpu_millis);
    most.memory_bytes = std::max(most.memory_bytes, free_[i].memory_bytes);
    most.gpus = std::max(most.gpus, free_[i].gpus);
  }
  return most;
}

void NodeTimeline::FeasibleStarts(const Resources& request, int64_t duration, bool exclusive,
                                  const Resources& full, int64_t latest_start,
                                  std::vector<std::pair<int64_t, int64_t>>* out) const {
  size_t n = times_.size();
  size_t i = 0;
  while (i < n && times_[i] <= latest_start) {
    bool ok = exclusive ? free_[i] == full && full.Fits(request) : free_[i].Fits(request);
    if (!ok) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j + 1 < n && (exclusive ? free_[j + 1] == full : free_[j + 1].Fits(request))) {
      ++j;
    }
    int64_t run_start = times_[i];
    int64_t run_end = j + 1 < n ? times_[j + 1] : kForever;
    int64_t latest = run_end >= kForever ? kForever : run_end - duration;
    if (duration >= kForever && run_end < kForever) latest = run_start - 1;  // never fits
    if (latest >= run_start) out->emplace_back(run_start, latest);
    i = j + 1;
  }
}

}  // namespace fairway::core
