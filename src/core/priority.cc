#include "core/priority.h"

#include <algorithm>
#include <cmath>

namespace fairway::core {
namespace {

double Clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

// Seconds the job has accrued age by `now` (0 if held or not yet eligible).
double Waited(const Job& job, const PriorityConfig& config, Timestamp now) {
  if (job.hold != HoldKind::kNone) return 0.0;
  Timestamp accrue = job.submit_time;
  if (!config.accrue_always) {
    // Without an explicit eligible time the job accrues from when its begin time allowed it.
    accrue = job.eligible_time.value_or(
        std::max(job.submit_time, job.begin_time.value_or(job.submit_time)));
  }
  return std::max(0.0, static_cast<double>((now - accrue).count()));
}

}  // namespace

Timestamp PriorityPassTime(Timestamp now, Seconds calc_period) {
  const int64_t t = now.time_since_epoch().count();
  const int64_t p = calc_period.count();
  // Floor division, also for times before the epoch.
  const int64_t passes = t >= 0 ? t / p : -((-t + p - 1) / p);
  return Timestamp(Seconds(passes * p));
}

double AgeFactor(const Job& job, const PriorityConfig& config, Timestamp now) {
  return std::min(1.0, Waited(job, config, now) / static_cast<double>(config.max_age.count()));
}

double JobSizeFactor(const Job& job, const PriorityConfig& config, const PriorityContext& ctx) {
  if (config.job_size_basis == JobSizeBasis::kGpus) {
    if (ctx.total_gpus <= 0) return 0.0;
    double g = static_cast<double>(job.per_node.gpus) * job.node_count;
    double total = static_cast<double>(ctx.total_gpus);
    return Clamp01(config.favor_small ? (total - g) / total : g / total);
  }
  if (ctx.total_nodes <= 0) return 0.0;
  double n = static_cast<double>(ctx.total_nodes);
  double nodes = static_cast<double>(std::max(1, job.node_count));
  double cpus = static_cast<double>(job.per_node.cpu_millis) / 1000.0 * job.node_count;
  double factor = config.favor_small ? (n - nodes) / n : nodes / n;
  if (cpus > 0 && ctx.total_cpus > 0) {
    factor += config.favor_small ? (ctx.total_cpus - cpus) / ctx.total_cpus : cpus / ctx.total_cpus;
    factor /= 2;
  }
  return Clamp01(factor);
}

double PartitionFactor(const Partition& partition, const PriorityContext& ctx) {
  if (ctx.max_partition_job_factor == 0) return 0.0;
  return Clamp01(static_cast<double>(partition.priority_job_factor) / ctx.max_partition_job_factor);
}

double QosFactor(const Qos* qos, const PriorityContext& ctx) {
  if (qos == nullptr || ctx.max_qos_priority == 0) return 0.0;
  return Clamp01(static_cast<double>(qos->priority) / ctx.max_qos_priority);
}

double GpuTresFactor(const Job& job, int64_t partition_gpus) {
  if (partition_gpus <= 0) return 0.0;
  return Clamp01(static_cast<double>(job.per_node.gpus) * job.node_count /
                 static_cast<double>(partition_gpus));
}

double ExpansionFactor(const Job& job, const PriorityConfig& config, const PriorityContext& ctx) {
  if (config.weights.expansion == 0) return 0.0;
  std::optional<Seconds> prediction =
      ctx.history != nullptr ? ctx.history->Predict(job.user) : std::nullopt;
  std::optional<Seconds> run = PlannedDuration(prediction, job.time_limit, Seconds(0));
  if (!run.has_value()) return 0.0;
  double waited = Waited(job, config, ctx.now);  // as the age factor counts it
  double planned = std::max<double>(static_cast<double>(run->count()), 10.0);
  return waited / (waited + planned);
}

PriorityBreakdown ComputePriority(const Job& job, const Partition& partition, const Qos* qos,
                                  double fair_share_factor, int64_t partition_gpus,
                                  const PriorityConfig& config, const PriorityContext& ctx) {
  PriorityBreakdown b;
  const PriorityWeights& w = config.weights;
  b.age = w.age * AgeFactor(job, config, ctx.now);
  b.fair_share = w.fair_share * Clamp01(fair_share_factor);
  b.job_size = w.job_size * JobSizeFactor(job, config, ctx);
  b.partition = w.partition * PartitionFactor(partition, ctx);
  b.qos = w.qos * QosFactor(qos, ctx);
  b.assoc = 0;  // association priority is not modelled (no per-association Priority field)
  b.tres = w.tres_gpu * GpuTresFactor(job, partition_gpus);
  b.expansion = w.expansion * ExpansionFactor(job, config, ctx);
  b.nice = job.nice;
  if (job.hold != HoldKind::kNone) {
    b.priority = 0;
    return b;
  }
  if (job.pinned_priority.has_value()) {
    b.priority = *job.pinned_priority;
    return b;
  }
  double sum = b.age + b.fair_share + b.job_size + b.partition + b.qos + b.assoc + b.tres +
               b.expansion - static_cast<double>(b.nice);
  constexpr double kMax = 4294967295.0;  // 2^32 - 1
  sum = std::clamp(sum, 1.0, kMax);
  b.priority = static_cast<uint32_t>(sum);
  return b;
}

}  // namespace fairway::core
