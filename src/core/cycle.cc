#include "core/cycle.h"

#include <algorithm>
#include <set>
#include <utility>

#include "core/account_tree.h"
#include "core/limits.h"
#include "core/partition_rules.h"
#include "core/placement.h"

namespace fairway::core {
namespace {

// One (job, partition) pair of the queue.
struct QueuedPair {
  size_t job = 0;         // index into pending
  int32_t partition = 0;  // NodePool partition index
  uint32_t tier = 0;
  uint32_t priority = 0;
  std::optional<Seconds> time_limit;
  PriorityBreakdown breakdown;
};

// Per-job working state of the cycle.
struct JobWork {
  std::optional<PendingReason> reason;
  PriorityBreakdown priority;
  std::vector<int32_t> partitions;  // queued partitions
  bool started = false;
  bool evaluated = false;
};

std::vector<std::pair<AccountName, UserName>> ImplicitUsers(const CycleInput& in) {
  std::set<std::pair<AccountName, UserName>> users;
  for (const Job& j : *in.pending) users.emplace(j.account, j.user);
  for (const Job& j : in.cluster->running) users.emplace(j.account, j.user);
  if (in.usage != nullptr) {
    for (auto& u : in.usage->UsersWithUsage()) users.insert(std::move(u));
  }
  return {users.begin(), users.end()};
}

PriorityContext MakePriorityContext(const CycleInput& in) {
  PriorityContext ctx;
  ctx.now = in.now;
  for (const Node& n : in.cluster->nodes) {
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
  return ctx;
}

// The QoS a job runs under: its own, else its account's default. nullptr when it names none.
// Sets *invalid when it names a QoS that does not exist or that the account does not allow.
const Qos* ResolveQos(const Job& job, const AccountTree& tree, const LimitTracker& limits,
                      bool* invalid) {
  *invalid = false;
  QosName name = job.qos;
  int32_t account = tree.FindAccount(job.account);
  const Account* spec = account > 0 ? tree.at(account).spec : nullptr;
  if (name.empty() && spec != nullptr) name = spec->default_qos;
  if (name.empty()) return nullptr;
  const Qos* qos = limits.FindQos(name);
  if (qos == nullptr) {
    *invalid = true;
    return nullptr;
  }
  if (spec != nullptr && !spec->allowed_qos.empty() &&
      std::find(spec->allowed_qos.begin(), spec->allowed_qos.end(), name) ==
          spec->allowed_qos.end()) {
    *invalid = true;
  }
  return qos;
}

// Partitions a job asks for, resolved to pool indices; the default partition when it names none.
std::vector<int32_t> RequestedPartitions(const Job& job, const NodePool& pool) {
  std::vector<int32_t> result;
  if (job.partitions.empty()) {
    for (size_t p = 0; p < pool.partition_count(); ++p) {
      if (pool.partition(static_cast<int32_t>(p)).is_default) {
        result.push_back(static_cast<int32_t>(p));
        break;
      }
    }
    return result;
  }
  for (const PartitionName& name : job.partitions) {
    int32_t p = pool.FindPartition(name);
    if (p >= 0 && std::find(result.begin(), result.end(), p) == result.end()) result.push_back(p);
  }
  return result;
}

bool PairBefore(const QueuedPair& a, const QueuedPair& b, const std::vector<Job>& jobs) {
  if (a.tier != b.tier) return a.tier > b.tier;
  if (a.priority != b.priority) return a.priority > b.priority;
  const Job& x = jobs[a.job];
  const Job& y = jobs[b.job];
  if (x.submit_time != y.submit_time) return x.submit_time < y.submit_time;
  if (x.id != y.id) return x.id < y.id;
  if (x.key != y.key) return x.key < y.key;
  return a.partition < b.partition;
}

}  // namespace

CycleResult RunCycle(const CycleInput& in) {
  CycleResult result;
  const std::vector<Job>& jobs = *in.pending;
  const SchedulerConfig& config = *in.config;

  // Phase 1: the cycle's view of the cluster.
  AccountTree tree = AccountTree::Build(in.cluster->accounts, ImplicitUsers(in));
  UsageLedger no_usage;
  result.fair_share = ComputeFairShare(tree, in.usage ? *in.usage : no_usage, config.fair_share);
  NodePool pool(in.cluster->nodes, in.cluster->partitions, in.cluster->running);
  LimitTracker limits(tree, in.cluster->qos, in.cluster->running);
  PriorityContext ctx = MakePriorityContext(in);
  std::vector<int64_t> partition_gpus(pool.partition_count());
  std::vector<int64_t> partition_nodes(pool.partition_count());
  for (size_t p = 0; p < pool.partition_count(); ++p) {
    partition_gpus[p] = pool.PartitionGpus(static_cast<int32_t>(p));
    partition_nodes[p] = pool.PartitionNodeCount(static_cast<int32_t>(p));
  }

  // Phase 2: per-job checks and the (job, partition) queue.
  std::vector<JobWork> work(jobs.size());
  std::vector<QueuedPair> queue;
  queue.reserve(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Job& job = jobs[i];
    JobWork& w = work[i];
    bool invalid_qos = false;
    const Qos* qos = ResolveQos(job, tree, limits, &invalid_qos);
    double fs = result.fair_share.Factor(job.account, job.user);
    std::vector<int32_t> parts = RequestedPartitions(job, pool);
    std::stable_sort(parts.begin(), parts.end(), [&](int32_t a, int32_t b) {
      if (pool.partition(a).priority_tier != pool.partition(b).priority_tier) {
        return pool.partition(a).priority_tier > pool.partition(b).priority_tier;
      }
      return pool.partition(a).name < pool.partition(b).name;
    });
    w.partitions = parts;
    // One priority per partition (the partition factor differs); the best partition's is shown.
    std::vector<PriorityBreakdown> priorities;
    priorities.reserve(parts.size());
    for (int32_t p : parts) {
      priorities.push_back(ComputePriority(job, pool.partition(p), qos, fs, partition_gpus[p],
                                           config.priority, ctx));
    }
    if (!priorities.empty()) w.priority = priorities.front();

    if (job.hold != HoldKind::kNone) {
      w.reason = job.hold == HoldKind::kAdmin ? PendingReason::kJobHeldAdmin
                                              : PendingReason::kJobHeldUser;
      w.priority.priority = 0;
      continue;
    }
    if (job.begin_time.has_value() && *job.begin_time > in.now) {
      w.reason = PendingReason::kBeginTime;
      continue;
    }
    if (tree.FindAccount(job.account) <= AccountTree::kRoot ||
        !tree.AdmitsUser(job.account, job.user, job.groups)) {
      w.reason = PendingReason::kInvalidAccount;
      continue;
    }
    if (invalid_qos) {
      w.reason = PendingReason::kInvalidQos;
      continue;
    }
    if (parts.empty()) {
      w.reason = PendingReason::kPartitionConfig;
      continue;
    }
    for (size_t k = 0; k < parts.size(); ++k) {
      int32_t p = parts[k];
      const Partition& partition = pool.partition(p);
      std::optional<Seconds> limit = EffectiveTimeLimit(job, partition, qos, tree);
      std::optional<PendingReason> blocked =
          CheckPartition(job, partition, tree, limit, partition_nodes[p]);
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
      pair.time_limit = limit;
      queue.push_back(std::move(pair));
    }
  }
  std::sort(queue.begin(), queue.end(),
            [&](const QueuedPair& a, const QueuedPair& b) { return PairBefore(a, b, jobs); });
  result.stats.pairs = static_cast<int64_t>(queue.size());

  // Submit limits count every pending job in submit order.
  std::vector<const Job*> by_submit;
  by_submit.reserve(jobs.size());
  for (const Job& j : jobs) by_submit.push_back(&j);
  std::stable_sort(by_submit.begin(), by_submit.end(), [](const Job* a, const Job* b) {
    if (a->submit_time != b->submit_time) return a->submit_time < b->submit_time;
    return a->id < b->id;
  });
  limits.CountSubmitted(by_submit);

  // Phase 3: the main pass in queue order.
  std::vector<bool> blocked(pool.partition_count(), false);
  for (const QueuedPair& pair : queue) {
    JobWork& w = work[pair.job];
    if (w.started) continue;
    const Job& job = jobs[pair.job];
    if (blocked[static_cast<size_t>(pair.partition)]) {
      w.reason = PendingReason::kPriority;
      w.evaluated = true;
      continue;
    }
    if (config.main_queue_depth > 0 &&
        result.stats.pairs_tried >= static_cast<int64_t>(config.main_queue_depth)) {
      continue;
    }
    ++result.stats.pairs_tried;
    w.evaluated = true;
    if (std::optional<PendingReason> limit = limits.Check(job, pair.time_limit)) {
      w.reason = limit;
      continue;
    }
    PlacementResult placement = pool.Place(job, pair.partition);
    if (!placement.placed()) {
      w.reason = placement.reason;
      if (placement.reason == PendingReason::kResources) {
        blocked[static_cast<size_t>(pair.partition)] = true;
      }
      continue;
    }
    pool.Allocate(job, placement.nodes);
    limits.RecordStart(job);
    w.started = true;
    StartDecision start;
    start.pending_index = pair.job;
    start.id = job.id;
    start.partition = pool.partition(pair.partition).name;
    for (int32_t n : placement.nodes) start.nodes.push_back(pool.node(n).name);
    start.time_limit = pair.time_limit;
    start.priority = pair.breakdown;
    result.started.push_back(std::move(start));
  }
  result.stats.started = static_cast<int64_t>(result.started.size());

  // Phase 4: reasons for everything not started.
  result.pending.reserve(jobs.size() - result.started.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    JobWork& w = work[i];
    if (w.started) continue;
    PendingDecision d;
    d.pending_index = i;
    d.id = jobs[i].id;
    d.reason = w.reason.value_or(PendingReason::kNone);
    d.priority = w.priority;
    d.evaluated = w.evaluated || w.reason.has_value();
    for (int32_t p : w.partitions) d.partitions.push_back(pool.partition(p).name);
    result.pending.push_back(std::move(d));
  }
  return result;
}

}  // namespace fairway::core
