// Preemption marks: a preemption decision recorded on the victim's Job.
//
// A running instance chosen as a preemption victim is marked in annotation
// fairway.dev/preempted-by of its Job before its pods are deleted, so the choice survives a
// restart (the snapshot maps it to core::Job::preempted_by and the core keeps the victim's room
// for its preemptor). The value is a comma list of
//   <victim instance jobID>.<restarts>=<preemptor jobID>:<cancel|requeue>:<grace seconds>
// one entry per victim instance (an array may have several tasks marked). The run (restarts)
// qualifies an entry, so a mark never applies to a later run.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/job_types.h"
#include "core/model.h"

namespace fairway::controllers {

struct PreemptMark {
  uint64_t victim = 0;  // the instance's own jobID (a task's id for array tasks)
  int32_t restarts = 0;
  uint64_t preemptor = 0;
  core::PreemptMode mode = core::PreemptMode::kCancel;
  int64_t grace_seconds = 0;
  bool operator==(const PreemptMark&) const = default;
};
std::vector<PreemptMark> ParsePreemptMarks(const std::string& text);  // bad entries are skipped
std::string FormatPreemptMarks(const std::vector<PreemptMark>& marks);
const PreemptMark* FindPreemptMark(const std::vector<PreemptMark>& marks, uint64_t victim,
                                   int32_t restarts);
// The marks of a Job (its annotation).
std::vector<PreemptMark> PreemptMarksOf(const api::JobObject& job);

}  // namespace fairway::controllers
