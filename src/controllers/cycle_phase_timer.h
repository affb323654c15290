// Times the phases of one scheduling cycle (metrics.h, kCyclePhases) on the controller's clock:
// each End(phase) observes the time since the previous End, or since the cycle started.
//
// Thread-safety: one cycle's thread only.
#pragma once

#include <chrono>

#include "common/clock.h"
#include "controllers/metrics.h"

namespace fairway::controllers {

class CyclePhaseTimer {
 public:
  // REQUIRES: clock and metrics outlive the timer.
  CyclePhaseTimer(Clock* clock, OperatorMetrics* metrics, MonotonicTime start)
      : clock_(clock), metrics_(metrics), last_(start) {}

  void End(const char* phase) {
    const MonotonicTime now = clock_->Monotonic();
    metrics_->ObserveCyclePhase(phase, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

 private:
  Clock* const clock_;
  OperatorMetrics* const metrics_;
  MonotonicTime last_;
};

}  // namespace fairway::controllers
