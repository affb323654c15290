// Multifactor job priority, as Slurm's priority/multifactor computes it (slurm-semantics.md §1):
//
//   prio = W_age  * F_age  + W_fs   * F_fs   + W_size * F_size
//        + W_part * F_part + W_qos  * F_qos  + W_assoc * F_assoc
//        + W_tres_gpu * F_tres_gpu - nice
//   prio = clamp(prio, 1, 2^32 - 1), truncated to an integer; 0 is reserved for held jobs.
//
// Each factor is its own pure function below, in [0, 1]. The result keeps the weighted
// contribution of every factor for a sprio-style explanation.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "core/config.h"
#include "core/model.h"
#include "core/runtime_prediction.h"

namespace fairway::core {

// Cluster-wide normalisers, computed once per cycle.
struct PriorityContext {
  // The time priorities are computed as of: the last priority pass (PriorityPassTime), so the
  // age factor moves once per PriorityCalcPeriod, as in Slurm.
  Timestamp now{};
  int64_t total_nodes = 0;
  double total_cpus = 0;  // cores
  int64_t total_gpus = 0;
  uint32_t max_partition_job_factor = 1;
  uint32_t max_qos_priority = 0;
  // For the expansion factor: the run-time history when backfill plans with predictions (the
  // factor then uses the predicted run, else the job's limit); null otherwise.
  const RuntimeHistory* history = nullptr;
};

// sprio columns: weighted contributions (already multiplied by their weights).
struct PriorityBreakdown {
  double age = 0;
  double fair_share = 0;
  double job_size = 0;
  double partition = 0;
  double qos = 0;
  double assoc = 0;
  double tres = 0;
  double expansion = 0;
  int64_t nice = 0;
  uint32_t priority = 0;  // the final integer
};

// The last priority pass at or before `now`. Slurm recomputes every pending job's priority (age
// included) once per PriorityCalcPeriod, and sprio/squeue show the values of the last pass
// (tools/slurm-lab FINDINGS.md "b"). Passes fall on whole multiples of `calc_period` since the
// Unix epoch, so the operator (also after a restart or failover) and the simulator see the
// same passes for the same clock. REQUIRES: calc_period > 0.
Timestamp PriorityPassTime(Timestamp now, Seconds calc_period);

// F_age = min(1, (now - accrue_time) / max_age). accrue_time = eligible_time when the driver
// set it, else max(submit_time, begin_time); submit_time with accrue_always. Held jobs: 0.
double AgeFactor(const Job& job, const PriorityConfig& config, Timestamp now);

// F_size (favor large): (min_nodes / total_nodes + cpus / total_cpus) / 2, only the node term
// when the job asks for no CPUs; favor_small: ((N - nodes)/N + (C - cpus)/C) / 2.
// With JobSizeBasis::kGpus: gpus / total_gpus (favor_small: (G - gpus) / G). Clamped to [0, 1].
double JobSizeFactor(const Job& job, const PriorityConfig& config, const PriorityContext& ctx);

// F_part = PriorityJobFactor(partition) / max PriorityJobFactor over all partitions.
double PartitionFactor(const Partition& partition, const PriorityContext& ctx);

// F_qos = QOS.Priority / max QOS.Priority (0 when the maximum is 0 or the job has no QoS).
double QosFactor(const Qos* qos, const PriorityContext& ctx);

// F_tres_gpu = job GPUs / GPUs in the partition (0 when the partition has none).
double GpuTresFactor(const Job& job, int64_t partition_gpus);

// Fairway's expansion factor (not in Slurm): waited / (waited + run), run = the job's predicted
// run time (ctx.history) or its own time limit, at least 10 s as bounded slowdown counts it;
// 0 for a job without either. It is 1 - 1 / (expected slowdown if started now): short jobs gain
// priority as fast as their slowdown grows, long ones slowly, and every waiting job keeps
// gaining (no starvation), which is what mean bounded slowdown rewards.
double ExpansionFactor(const Job& job, const PriorityConfig& config, const PriorityContext& ctx);

// The full computation. `fair_share_factor` is F_fs of the job's association; `partition_gpus`
// feeds the TRES factor. Held jobs get priority 0; a pinned priority is returned as is.
PriorityBreakdown ComputePriority(const Job& job, const Partition& partition, const Qos* qos,
                                  double fair_share_factor, int64_t partition_gpus,
                                  const PriorityConfig& config, const PriorityContext& ctx);

}  // namespace fairway::core
