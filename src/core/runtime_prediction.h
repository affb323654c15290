// Run-time prediction for backfill (Tsafrir, Etsion, Feitelson 2007, "Backfilling using
// system-generated predictions rather than user runtime estimates"): users' time limits are
// mostly far above what their jobs run, so a plan built on limits keeps holes it could fill.
// The planner instead plans with a prediction: the mean run time of the user's last two ended
// jobs, never above the job's limit. Jobs are still killed at their limit; only the plan
// (reservations, expected starts, what may backfill) uses the prediction.
//
// A running job that outlives its prediction is re-predicted: the prediction doubles until it is
// past the elapsed time, capped at the limit (the paper extends a violated prediction step by
// step; doubling needs no table and converges on the limit in a few steps).
//
// The operator and the simulator both keep one RuntimeHistory, record every ended job in end
// order and pass it to RunCycle; with `backfill.runtimePrediction: userHistory` the same
// history gives the same plan in both.
//
// Thread-safety: thread-compatible.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>

#include "core/types.h"

namespace fairway::core {

class RuntimeHistory {
 public:
  // Records that one of `user`'s jobs ended after running `run` (jobs must be recorded in end
  // order; a negative run counts as 0).
  void Record(const UserName& user, Seconds run);

  // The mean of the user's last two recorded run times (the last one if only one), or nullopt
  // for a user with no ended job.
  std::optional<Seconds> Predict(const UserName& user) const;

  size_t users() const { return last_.size(); }

 private:
  struct LastTwo {
    std::array<int64_t, 2> runs{};  // runs[0] the most recent
    int count = 0;
  };
  std::map<std::string, LastTwo, std::less<>> last_;
};

// The duration the planner plans a job with after it has run `elapsed`: the prediction (at
// least 1 s), doubled while it is not past `elapsed`, never above `limit`; the limit when there
// is no prediction. nullopt (no limit, no prediction) plans the job as never ending.
std::optional<Seconds> PlannedDuration(std::optional<Seconds> prediction,
                                       std::optional<Seconds> limit, Seconds elapsed);

}  // namespace fairway::core
