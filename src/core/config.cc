#include "core/config.h"

#include <cmath>

namespace fairway::core {

Status ValidateSchedulerConfig(const SchedulerConfig& config) {
  const PriorityConfig& p = config.priority;
  if (p.max_age.count() <= 0) {
    return InvalidArgumentError("must be positive (PriorityMaxAge)", "priority.maxAge");
  }
  if (p.calc_period.count() < 1) {
    return InvalidArgumentError("must be at least 1 second (PriorityCalcPeriod)",
                                "priority.calcPeriod");
  }
  if (!std::isfinite(p.weights.tres_gpu)) {
    return InvalidArgumentError("must be a finite number", "priority.weights.tresGpu");
  }
  const FairShareConfig& f = config.fair_share;
  if (f.decay_half_life.count() < 0) {
    return InvalidArgumentError("must not be negative (0 disables decay)",
                                "fairShare.decayHalfLife");
  }
  if (!std::isfinite(f.dampening_factor) || f.dampening_factor < 1.0) {
    return InvalidArgumentError("must be at least 1", "fairShare.dampeningFactor");
  }
  const BillingWeights& b = f.billing;
  for (double w : {b.cpu_per_core, b.memory_per_gib, b.gpu}) {
    if (!std::isfinite(w) || w < 0) {
      return InvalidArgumentError("billing weights must be finite and non-negative",
                                  "fairShare.billing");
    }
  }
  const BackfillConfig& bf = config.backfill;
  if (bf.resolution.count() < 1 || bf.resolution.count() > 3600) {
    return InvalidArgumentError("must be 1 to 3600 seconds (bf_resolution)",
                                "backfill.resolution");
  }
  if (bf.window.count() < 60 || bf.window.count() > 43200LL * 60) {
    return InvalidArgumentError("must be 1 to 43200 minutes (bf_window)", "backfill.window");
  }
  if (bf.window < bf.resolution) {
    return InvalidArgumentError("must not be shorter than backfill.resolution", "backfill.window");
  }
  if (bf.interval.count() < 1 || bf.interval.count() > 10800) {
    return InvalidArgumentError("must be 1 to 10800 seconds (bf_interval)", "backfill.interval");
  }
  if (bf.max_job_test < 1 || bf.max_job_test > 1000000) {
    return InvalidArgumentError("must be 1 to 1000000 (bf_max_job_test)",
                                "backfill.maxJobTest");
  }
  return OkStatus();
}

}  // namespace fairway::core
