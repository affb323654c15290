#include "core/cycle.h"

#include <algorithm>
#include <utility>

#include "core/account_tree.h"
#include "core/internal/cycle_state.h"
#include "core/limits.h"
#include "core/partition_rules.h"
#include "core/placement.h"

namespace fairway::core {
namespace internal {

CycleState::CycleState(const CycleInput& input, std::shared_ptr<const AccountContext> accounts_in)
    : in(input),
      jobs(*input.pending),
      config(*input.config),
      accounts(std::move(accounts_in)),
      tree(*accounts->tree),
      fair_share(accounts->fair_share),
      pool(input.cluster->nodes, input.cluster->partitions, input.cluster->running),
      limits(tree, input.cluster->qos, input.cluster->running),
      work(input.pending->size()) {
  running_qos.reserve(input.cluster->running.size());
  for (const Job& job : input.cluster->running) {
    running_qos.push_back(limits.FindQos(limits.EffectiveQos(job)));
  }
}

namespace {

// Moves the cursor past exhausted ranges so it points at the next task (or past the end).
TaskCursor Normalized(TaskCursor cursor, const std::vector<IndexRange>& ranges) {
  while (cursor.range < ranges.size() && cursor.offset >= ranges[cursor.range].size()) {
    ++cursor.range;
    cursor.offset = 0;
  }
  return cursor;
}

}  // namespace

std::optional<uint32_t> CycleState::NextTask(size_t job) const {
  const Job& j = jobs[job];
  const JobWork& w = work[job];
  if (!j.array.has_value()) {
    if (w.started) return std::nullopt;
    return 0;
  }
  const std::vector<IndexRange>& ranges = j.array->pending;
  TaskCursor at = Normalized(w.cursor, ranges);
  if (at.range >= ranges.size()) return std::nullopt;
  const IndexRange& r = ranges[at.range];
  return static_cast<uint32_t>(r.first + at.offset * r.step);
}

std::optional<PendingReason> CycleState::TaskBlocker(size_t job) const {
  const Job& j = jobs[job];
  if (j.array.has_value() && j.array->max_running > 0 &&
      j.array->running + work[job].tasks_started >= j.array->max_running) {
    return PendingReason::kJobArrayTaskLimit;
  }
  if (j.singleton && running_names.count({j.name, j.user.str()}) > 0) {
    return PendingReason::kDependency;
  }
  return std::nullopt;
}

void CycleState::Start(const QueuedPair& pair, const std::vector<int32_t>& nodes, bool backfilled) {
  const Job& job = jobs[pair.job];
  JobWork& w = work[pair.job];
  std::optional<uint32_t> task = NextTask(pair.job);
  pool.Allocate(job, nodes);
  limits.RecordStart(job, w.ref);
  running_names.insert({job.name, job.user.str()});
  StartDecision start;
  start.pending_index = pair.job;
  start.id = job.id;
  start.partition = pool.partition(pair.partition).name;
  for (int32_t n : nodes) start.nodes.push_back(pool.node(n).name);
  start.time_limit = pair.time_limit;
  start.qos = limits.EffectiveQos(job);
  start.priority = pair.breakdown;
  start.backfilled = backfilled;
  if (job.array.has_value()) {
    start.array_task = task;
    w.cursor = Normalized(w.cursor, job.array->pending);
    ++w.cursor.offset;
    ++w.tasks_started;
    w.started = !NextTask(pair.job).has_value();
  } else {
    w.started = true;
  }
  result.started.push_back(std::move(start));
}

std::optional<Seconds> RunningTimeLimit(size_t running_index, const CycleState& state) {
  const Job& job = state.in.cluster->running[running_index];
  if (job.time_limit.has_value()) return job.time_limit;
  int32_t p = state.pool.FindPartition(job.running_partition);
  if (p < 0) return std::nullopt;
  return EffectiveTimeLimit(job, state.pool.partition(p), state.running_qos[running_index],
                            state.tree);
}

}  // namespace internal

namespace {

using internal::CycleState;
using internal::JobWork;
using internal::QueuedPair;

PriorityContext MakePriorityContext(const CycleInput& in) {
  PriorityContext ctx;
  ctx.now = PriorityPassTime(in.now, in.config->priority.calc_period);
  for (const Node& n : in.cluster->nodes) {
    // Nodes a pool may add are not in the cluster (and may carry unbounded CPU and memory).
    if (n.provisionable) continue;
    ctx.total_nodes += 1;
    ctx.total_cpus += static_cast<double>(n.allocatable.cpu_millis) / 1000.0;
    ctx.total_gpus += n.allocatable.gpus;
  }
  ctx.max_partition_job_factor = 0;
  for (const Partition& p : in.cluster->partitions) {
    ctx.max_partition_job_factor = std::max(ctx.max_partition_job_factor, p.priority_job_factor);
  }
  for (const Qos& q : in.cluster->qos) {
    ctx.max_qos_priority = std::max(ctx.max_qos_priority, q.priority);
  }
  if (in.config->backfill.runtime_prediction != RuntimePrediction::kOff) ctx.history = in.history;
  return ctx;
}

// The QoS a job runs under (LimitTracker::EffectiveQos), named in *resolved; nullptr when none
// applies. Sets *invalid when that QoS does not exist or the job's account does not allow it.
const Qos* ResolveQos(const Job& job, const CycleState& state, bool* invalid, QosName* resolved) {
  *invalid = false;
  QosName& name = *resolved;
  name = state.limits.EffectiveQos(job);
  if (name.empty()) return nullptr;
  const Qos* qos = state.limits.FindQos(name);
  if (qos == nullptr) {
    *invalid = true;
    return nullptr;
  }
  int32_t account = state.tree.FindAccount(job.account);
  const Account* spec = account > AccountTree::kRoot ? state.tree.at(account).spec : nullptr;
  if (spec != nullptr && !spec->allowed_qos.empty() &&
      std::find(spec->allowed_qos.begin(), spec->allowed_qos.end(), name) ==
          spec->allowed_qos.end()) {
    *invalid = true;
  }
  return qos;
}

// Appends the partitions a job asks for to `out`, resolved to pool indices and sorted by tier
// (desc) then name; the default partition when it names none. Returns how many were appended.
uint32_t AppendRequestedPartitions(const Job& job, const NodePool& pool,
                                   std::vector<int32_t>* out) {
  size_t begin = out->size();
  if (job.partitions.empty()) {
    for (size_t p = 0; p < pool.partition_count(); ++p) {
      if (pool.partition(static_cast<int32_t>(p)).is_default) {
        out->push_back(static_cast<int32_t>(p));
        break;
      }
    }
    return static_cast<uint32_t>(out->size() - begin);
  }
  for (const PartitionName& name : job.partitions) {
    int32_t p = pool.FindPartition(name);
    if (p >= 0 &&
        std::find(out->begin() + static_cast<std::ptrdiff_t>(begin), out->end(), p) == out->end()) {
      out->push_back(p);
    }
  }
  std::stable_sort(out->begin() + static_cast<std::ptrdiff_t>(begin), out->end(),
                   [&](int32_t a, int32_t b) {
                     if (pool.partition(a).priority_tier != pool.partition(b).priority_tier) {
                       return pool.partition(a).priority_tier > pool.partition(b).priority_tier;
                     }
                     return pool.partition(a).name < pool.partition(b).name;
                   });
  return static_cast<uint32_t>(out->size() - begin);
}

// Reasons that keep a job out of the queue whatever the partition, or nullopt.
std::optional<PendingReason> JobLevelReason(const Job& job, const CycleState& state,
                                            bool invalid_qos, bool no_partition) {
  if (job.hold != HoldKind::kNone) {
    return job.hold == HoldKind::kAdmin ? PendingReason::kJobHeldAdmin
                                        : PendingReason::kJobHeldUser;
  }
  if (job.begin_time.has_value() && *job.begin_time > state.in.now) {
    return PendingReason::kBeginTime;
  }
  if (job.dependency == DependencyState::kWaiting) return PendingReason::kDependency;
  if (job.dependency == DependencyState::kNeverSatisfied) {
    return PendingReason::kDependencyNeverSatisfied;
  }
  if (job.array.has_value() && job.array->pending.empty()) return PendingReason::kNone;
  if (state.tree.FindAccount(job.account) <= AccountTree::kRoot ||
      !state.tree.AdmitsUser(job.account, job.user, job.groups)) {
    return PendingReason::kInvalidAccount;
  }
  if (invalid_qos) return PendingReason::kInvalidQos;
  if (no_partition) return PendingReason::kPartitionConfig;
  return std::nullopt;
}

// Phase 2: per-job checks and the sorted (job, partition) queue.
void BuildQueue(CycleState& state, const FairShareTable& fair_share, const PriorityContext& ctx) {
  std::vector<int64_t> partition_gpus(state.pool.partition_count());
  std::vector<int64_t> partition_nodes(state.pool.partition_count());
  for (size_t p = 0; p < state.pool.partition_count(); ++p) {
    partition_gpus[p] = state.pool.PartitionGpus(static_cast<int32_t>(p));
    partition_nodes[p] = state.pool.PartitionNodeCount(static_cast<int32_t>(p));
  }
  state.queue.reserve(state.jobs.size());
  state.job_partitions.reserve(state.jobs.size());
  std::vector<PriorityBreakdown> priorities;  // scratch, per job
  for (size_t i = 0; i < state.jobs.size(); ++i) {
    const Job& job = state.jobs[i];
    JobWork& w = state.work[i];
    bool invalid_qos = false;
    QosName qos_name;
    w.qos = ResolveQos(job, state, &invalid_qos, &qos_name);
    w.ref = state.limits.Resolve(job, qos_name);
    w.partitions_begin = static_cast<uint32_t>(state.job_partitions.size());
    w.partitions_count = AppendRequestedPartitions(job, state.pool, &state.job_partitions);
    const int32_t* parts = state.job_partitions.data() + w.partitions_begin;
    double fs = fair_share.FactorAt(w.ref.user);
    // One priority per partition (the partition factor differs); the best partition's is shown.
    priorities.clear();
    for (uint32_t k = 0; k < w.partitions_count; ++k) {
      int32_t p = parts[k];
      priorities.push_back(ComputePriority(job, state.pool.partition(p), w.qos, fs,
                                           partition_gpus[static_cast<size_t>(p)],
                                           state.config.priority, ctx));
    }
    if (!priorities.empty()) w.priority = priorities.front();
    if (job.hold != HoldKind::kNone) w.priority.priority = 0;

    w.reason = JobLevelReason(job, state, invalid_qos, w.partitions_count == 0);
    // A job waiting for its begin time (or a requeued job for the requeue delay) expects to
    // start then, as Slurm shows it (squeue --start).
    if (w.reason == PendingReason::kBeginTime) w.expected_start = job.begin_time;
    if (w.reason.has_value()) continue;
    for (uint32_t k = 0; k < w.partitions_count; ++k) {
      int32_t p = parts[k];
      const Partition& partition = state.pool.partition(p);
      std::optional<Seconds> limit = EffectiveTimeLimit(job, partition, w.qos, state.tree);
      std::optional<PendingReason> blocked = CheckPartition(
          job, qos_name, partition, state.tree, limit, partition_nodes[static_cast<size_t>(p)]);
      if (blocked.has_value()) {
        if (!w.reason.has_value()) w.reason = blocked;
        continue;
      }
      QueuedPair pair;
      pair.job = i;
      pair.partition = p;
      pair.tier = partition.priority_tier;
      pair.breakdown = priorities[k];
      pair.priority = pair.breakdown.priority;
      pair.submit_s = job.submit_time.time_since_epoch().count();
      pair.id = job.id.value;
      pair.time_limit = limit;
      state.queue.push_back(std::move(pair));
    }
  }
  const std::vector<Job>& jobs = state.jobs;
  std::sort(state.queue.begin(), state.queue.end(), [&](const QueuedPair& a, const QueuedPair& b) {
    if (a.tier != b.tier) return a.tier > b.tier;
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.submit_s != b.submit_s) return a.submit_s < b.submit_s;
    if (a.id != b.id) return a.id < b.id;
    if (a.job != b.job) return jobs[a.job].key < jobs[b.job].key;
    return a.partition < b.partition;
  });
  state.result.stats.pairs = static_cast<int64_t>(state.queue.size());

  // Submit limits count every pending job in submit order.
  std::vector<LimitTracker::Submitted> by_submit;
  by_submit.reserve(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    // Each pending task of an array counts as a job.
    int64_t weight =
        jobs[i].array.has_value() ? static_cast<int64_t>(jobs[i].array->pending_count()) : 1;
    by_submit.push_back({&jobs[i], state.work[i].ref, i, weight});
  }
  std::stable_sort(by_submit.begin(), by_submit.end(),
                   [](const LimitTracker::Submitted& a, const LimitTracker::Submitted& b) {
                     if (a.job->submit_time != b.job->submit_time) {
                       return a.job->submit_time < b.job->submit_time;
                     }
                     return a.job->id < b.job->id;
                   });
  state.limits.CountSubmitted(by_submit);
}

// Phase 3: the main pass in queue order. An array record starts as many tasks as fit, one at a
// time; its first task that does not fit blocks the partition like any job.
void RunMainPass(CycleState& state) {
  std::vector<bool> blocked(state.pool.partition_count(), false);
  CycleStats& stats = state.result.stats;
  for (const QueuedPair& pair : state.queue) {
    JobWork& w = state.work[pair.job];
    if (w.started) continue;
    const Job& job = state.jobs[pair.job];
    if (blocked[static_cast<size_t>(pair.partition)]) {
      w.reason = PendingReason::kPriority;
      w.evaluated = true;
      continue;
    }
    if (state.config.main_queue_depth > 0 &&
        stats.pairs_tried >= static_cast<int64_t>(state.config.main_queue_depth)) {
      continue;
    }
    ++stats.pairs_tried;
    w.evaluated = true;
    while (state.NextTask(pair.job).has_value()) {
      if (std::optional<PendingReason> own = state.TaskBlocker(pair.job)) {
        w.reason = own;
        break;
      }
      if (std::optional<PendingReason> limit =
              state.limits.Check(job, w.ref, pair.time_limit, pair.job)) {
        w.reason = limit;
        break;
      }
      PlacementResult placement = state.pool.Place(job, pair.partition);
      if (!placement.placed()) {
        w.reason = placement.reason;
        if (placement.reason == PendingReason::kResources) {
          // Room made (or being made) by preemption is held for the job; it starts once the
          // victims are gone. Lower-priority jobs of the partition still wait behind it.
          TryPreemption(state, pair);
        }
        if (!IsJobSpecificReason(placement.reason)) {
          // The first job short of resources blocks its partition, and its nodes are held back
          // from lower-priority jobs of overlapping partitions (Slurm's main scheduler).
          blocked[static_cast<size_t>(pair.partition)] = true;
          state.pool.Withhold(pair.partition);
        }
        break;
      }
      state.Start(pair, placement.nodes, /*backfilled=*/false);
    }
  }
}

// Running jobs past their time limit: the driver ends them as TIMEOUT.
void CollectTimeouts(CycleState& state) {
  const std::vector<Job>& running = state.in.cluster->running;
  for (size_t i = 0; i < running.size(); ++i) {
    const Job& job = running[i];
    std::optional<Seconds> limit = internal::RunningTimeLimit(i, state);
    if (!limit.has_value() || !job.start_time.has_value()) continue;
    if (state.in.now >= *job.start_time + *limit) {
      state.result.timed_out.push_back({i, job.id, *job.start_time + *limit});
    }
  }
}

// Phase 6: a decision for every job not started, in input order.
void CollectPending(CycleState& state) {
  CycleResult& result = state.result;
  result.pending.reserve(state.jobs.size());
  for (size_t i = 0; i < state.jobs.size(); ++i) {
    JobWork& w = state.work[i];
    if (w.started) continue;
    PendingDecision d;
    d.pending_index = i;
    d.id = state.jobs[i].id;
    d.reason = w.reason.value_or(PendingReason::kNone);
    d.priority = w.priority;
    d.evaluated = w.evaluated || w.reason.has_value();
    d.expected_start = w.expected_start;
    d.partitions_begin = w.partitions_begin;
    d.partitions_count = w.partitions_count;
    result.pending.push_back(d);
  }
  result.stats.started = static_cast<int64_t>(result.started.size());
  result.pending_partitions = std::move(state.job_partitions);
  for (size_t p = 0; p < state.pool.partition_count(); ++p) {
    result.partition_names.push_back(state.pool.partition(static_cast<int32_t>(p)).name);
  }
}

}  // namespace

std::vector<PartitionName> CycleResult::PartitionsOf(const PendingDecision& d) const {
  std::vector<PartitionName> names;
  for (uint32_t k = 0; k < d.partitions_count; ++k) {
    names.push_back(
        partition_names[static_cast<size_t>(pending_partitions[d.partitions_begin + k])]);
  }
  return names;
}

CycleResult RunCycle(const CycleInput& in) {
  // Phase 1: the cycle's view of the cluster.
  std::shared_ptr<const AccountContext> accounts = in.accounts;
  if (accounts == nullptr || MissesImplicitUsers(*accounts->tree, *in.cluster, *in.pending)) {
    accounts = BuildAccountContext(*in.cluster, *in.pending, in.usage, in.config->fair_share);
  }
  CycleState state(in, accounts);
  state.result.accounts = accounts;
  for (const Job& j : in.cluster->running) state.running_names.insert({j.name, j.user.str()});
  PriorityContext ctx = MakePriorityContext(in);

  BuildQueue(state, state.fair_share, ctx);                             // phase 2
  RunMainPass(state);                                                   // phase 3
  if (state.config.backfill.enabled) internal::RunBackfillPass(state);  // phase 4
  internal::PublishLimitReleaseTimes(state);                            // phase 5
  CollectPending(state);
  CollectTimeouts(state);
  return std::move(state.result);
}

}  // namespace fairway::core
