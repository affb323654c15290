// Preemption in the main pass (slurm-semantics.md §8):
//   preempt/qos             the preemptor's QoS lists the victim's QoS in `preempt`; the
//                           victim's QoS PreemptMode applies
//   preempt/partition_prio  the victim runs in a partition of lower PriorityTier whose
//                           PreemptMode is not OFF; that mode applies
// REQUEUE falls back to CANCEL for jobs that may not be requeued. Victims are tried lowest QoS
// priority first, then most recently started; only as many as the preemptor needs are kept, and
// nothing is preempted for a job that would still not fit.
//
// Victims take time to stop (grace period, pod deletion): until they are gone they keep their
// nodes, marked with Job::preempted_by, and those nodes stay reserved for the preemptor.
#include <algorithm>
#include <tuple>

#include "core/internal/cycle_state.h"

namespace fairway::core::internal {
namespace {

struct Candidate {
  size_t running_index;
  std::vector<int32_t> nodes;
  PreemptMode mode;
  Seconds grace;
  uint32_t qos_priority;
  int64_t start_s;
};

// The mode under which running job `v` may be preempted by the job of `pair`, or nullopt.
// Both sides are judged by the QoS they run under, named or defaulted (slurm-semantics.md §11).
std::optional<std::pair<PreemptMode, Seconds>> PreemptionMode(const CycleState& state,
                                                              const QueuedPair& pair, size_t v) {
  const Job& victim = state.in.cluster->running[v];
  const Qos* preemptor_qos = state.work[pair.job].qos;
  const Qos* victim_qos = state.running_qos[v];
  std::optional<std::pair<PreemptMode, Seconds>> mode;
  if (state.config.preemption.by_qos && preemptor_qos != nullptr && victim_qos != nullptr &&
      std::find(preemptor_qos->preempt.begin(), preemptor_qos->preempt.end(), victim_qos->name) !=
          preemptor_qos->preempt.end() &&
      victim_qos->preempt_mode != PreemptMode::kOff) {
    mode = std::make_pair(victim_qos->preempt_mode, victim_qos->grace_period);
  }
  if (!mode && state.config.preemption.by_partition_tier) {
    int32_t p = state.pool.FindPartition(victim.running_partition);
    if (p >= 0) {
      const Partition& part = state.pool.partition(p);
      if (part.priority_tier < pair.tier && part.preempt_mode != PreemptMode::kOff) {
        Seconds grace = victim_qos != nullptr ? victim_qos->grace_period : Seconds(0);
        mode = std::make_pair(part.preempt_mode, grace);
      }
    }
  }
  if (mode && mode->first == PreemptMode::kRequeue && !victim.requeue) {
    mode->first = PreemptMode::kCancel;
  }
  return mode;
}

bool SharesPartitionNodes(const CycleState& state, int32_t p, const std::vector<int32_t>& nodes) {
  const std::vector<int32_t>& members = state.pool.PartitionNodes(p);
  return std::any_of(nodes.begin(), nodes.end(), [&](int32_t n) {
    return std::binary_search(members.begin(), members.end(), n);
  });
}

// Holds the freed room for the job: allocates it on the nodes placement picks now.
bool HoldRoom(CycleState& state, const QueuedPair& pair) {
  PlacementResult placement = state.pool.Place(state.jobs[pair.job], pair.partition);
  if (!placement.placed()) return false;
  state.pool.Allocate(state.jobs[pair.job], placement.nodes);
  return true;
}

}  // namespace

bool TryPreemption(CycleState& state, const QueuedPair& pair) {
  const Job& job = state.jobs[pair.job];
  const std::vector<Job>& running = state.in.cluster->running;
  if (state.victim_taken.size() != running.size()) state.victim_taken.assign(running.size(), false);

  // Victims chosen in an earlier cycle for this job are still stopping: their room is its.
  std::vector<std::pair<const Job*, std::vector<int32_t>>> stopping;
  for (size_t i = 0; i < running.size(); ++i) {
    if (job.id.value != 0 && running[i].preempted_by == job.id) {
      stopping.emplace_back(&running[i], state.pool.FindNodes(running[i].allocated_nodes));
      state.victim_taken[i] = true;
    }
  }
  for (const auto& [victim, nodes] : stopping) state.pool.Release(*victim, nodes);
  if (!stopping.empty() && HoldRoom(state, pair)) return true;

  std::vector<Candidate> candidates;
  for (size_t i = 0; i < running.size(); ++i) {
    const Job& victim = running[i];
    if (state.victim_taken[i] || victim.preempted_by.value != 0) continue;
    auto mode = PreemptionMode(state, pair, i);
    if (!mode) continue;
    std::vector<int32_t> nodes = state.pool.FindNodes(victim.allocated_nodes);
    if (!SharesPartitionNodes(state, pair.partition, nodes)) continue;
    const Qos* q = state.running_qos[i];
    int64_t start = victim.start_time ? victim.start_time->time_since_epoch().count() : 0;
    candidates.push_back(
        {i, std::move(nodes), mode->first, mode->second, q != nullptr ? q->priority : 0, start});
  }
  // Lowest QoS priority first, then the most recently started, then the highest id.
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    if (a.qos_priority != b.qos_priority) return a.qos_priority < b.qos_priority;
    if (a.start_s != b.start_s) return a.start_s > b.start_s;
    return running[a.running_index].id > running[b.running_index].id;
  });

  // Free victims one at a time until the job fits.
  std::vector<size_t> chosen;
  bool fits = false;
  for (size_t k = 0; k < candidates.size() && !fits; ++k) {
    state.pool.Release(running[candidates[k].running_index], candidates[k].nodes);
    chosen.push_back(k);
    fits = state.pool.Place(job, pair.partition).placed();
  }
  if (!fits) {
    for (size_t k : chosen)
      state.pool.Allocate(running[candidates[k].running_index], candidates[k].nodes);
    for (const auto& [victim, nodes] : stopping) state.pool.Allocate(*victim, nodes);
    return false;
  }
  // Keep only the victims the job needs: give back each one whose room is not required.
  std::vector<size_t> needed;
  for (size_t k : chosen) {
    const Candidate& c = candidates[k];
    state.pool.Allocate(running[c.running_index], c.nodes);
    if (state.pool.Place(job, pair.partition).placed()) continue;  // not needed
    state.pool.Release(running[c.running_index], c.nodes);
    needed.push_back(k);
  }
  PreemptDecision decision;
  decision.pending_index = pair.job;
  decision.preemptor = job.id;
  for (size_t k : needed) {
    const Candidate& c = candidates[k];
    state.victim_taken[c.running_index] = true;
    decision.victims.push_back({c.running_index, running[c.running_index].id, c.mode, c.grace});
  }
  state.result.preemptions.push_back(std::move(decision));
  HoldRoom(state, pair);
  return true;
}

}  // namespace fairway::core::internal
