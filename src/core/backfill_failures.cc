#include "core/backfill_failures.h"

#include <algorithm>

namespace fairway::core {
namespace {

// `smaller` asks for no more than `larger` in every respect.
bool NoLarger(const Resources& smaller_per_node, int64_t smaller_duration, int32_t smaller_nodes,
              const Resources& larger_per_node, int64_t larger_duration, int32_t larger_nodes) {
  return larger_per_node.Fits(smaller_per_node) && smaller_duration <= larger_duration &&
         smaller_nodes <= larger_nodes;
}

}  // namespace

BackfillFailures::Key BackfillFailures::KeyOf(const Job& job, int32_t p) {
  // NodePool::Accepts ignores the GPU type of a job that asks for no GPUs.
  std::string gpu_type = job.per_node.gpus > 0 ? job.gpu_type : std::string();
  return Key(p, job.exclusive, std::move(gpu_type), job.constraint);
}

bool BackfillFailures::Covers(const Job& job, int32_t p, int64_t duration_s) const {
  if (!Rememberable(job) || failures_.empty()) return false;
  auto it = failures_.find(KeyOf(job, p));
  if (it == failures_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [&](const Failure& f) {
    return NoLarger(f.per_node, f.duration_s, f.node_count, job.per_node, duration_s,
                    job.node_count);
  });
}

void BackfillFailures::Add(const Job& job, int32_t p, int64_t duration_s) {
  if (!Rememberable(job)) return;
  std::vector<Failure>& list = failures_[KeyOf(job, p)];
  // Drop the failures the new one covers: it refuses everything they refuse.
  std::erase_if(list, [&](const Failure& f) {
    return NoLarger(job.per_node, duration_s, job.node_count, f.per_node, f.duration_s,
                    f.node_count);
  });
  list.push_back({job.per_node, duration_s, job.node_count});
}

}  // namespace fairway::core
