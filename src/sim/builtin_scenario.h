// A built-in GPU workload, so `fairway sim` runs anywhere without a trace file: 16 nodes of
// 8 A100s, two accounts competing (physics with 2 shares and two users, biology with 1 share
// and one user), 600 jobs over about a day: mostly 1-8 GPU jobs, some 2- and 4-node jobs, run
// times from minutes to hours, time limits 1.2-2x the run time. Generated from a fixed seed with
// a linear congruential generator, so the workload is identical everywhere.
#pragma once

#include <cstdint>

#include "sim/workload.h"

namespace fairway::sim {

Workload BuiltinGpuScenario(uint64_t seed = 1);

}  // namespace fairway::sim
