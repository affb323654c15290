// The run times of ended Jobs as the scheduling core's RuntimeHistory (core/runtime_prediction.h),
// for `backfill.runtimePrediction: userHistory`. The simulator records each job as it ends; the
// operator rebuilds the same history every cycle from the Jobs it lists, in end order (ties by
// key), so both plan with the same predictions.
//
// Jobs deleted since they ended are not counted (their JobRecords are not read here): a user's
// history restarts from the Jobs still listed.
//
// Thread-safety: pure function.
#pragma once

#include <vector>

#include "controllers/cycle_job.h"
#include "core/runtime_prediction.h"

namespace fairway::controllers {

// Every ended run (a whole Job, or a task record of an array) with a start and an end time.
core::RuntimeHistory RuntimeHistoryOf(const std::vector<CycleJob>& jobs);

}  // namespace fairway::controllers
