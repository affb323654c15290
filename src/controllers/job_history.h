// Job history: Slurm keeps every finished job in slurmdbd, so `sacct` shows it long after
// slurmctld forgot it (MinJobAge). Fairway's equivalent is one JobRecord per finished Job
// (crds/fairway.dev_jobrecords.yaml): the Job as it ended (metadata, spec without the pod
// template, status) in spec.job, in the Job's namespace, so whoever may read the namespace's Jobs
// may read its records, and `kubectl fairway sacct` (cli/job_records.h) shows jobs whose Job
// object was deleted and the GPU-seconds they used.
//
//   Job reaches a final state --(this cycle, or a later one within the write budget)-->
//   JobRecord <job uid> created --(end date older than retention_days)--> deleted
//
// Idempotent across restarts and leader changes: a record is named by the Job's uid, so a
// second create answers AlreadyExists, which counts as written. Only the uids of Jobs that still
// exist are remembered, so memory follows the Job count, not the history's size. Records whose
// end date (UTC, label fairway.dev/end-date) falls outside the kept days are deleted, listed by
// that label so a pass reads only expired records; each cycle deletes what is left of the last
// pass's list within its write budget, and a new pass starts prune_interval after the last.
// A create answered NotFound means the API server does not serve JobRecords (the CRD is not
// installed): the history pauses for prune_interval instead of failing every cycle.
//
// Thread-safety: not thread-safe (the scheduler loop's thread only).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "controllers/cycle_job.h"
#include "core/types.h"
#include "kube/api_client.h"
#include "kube/informer.h"

namespace fairway::controllers {

struct JobHistoryOptions {
  // Days of history kept (the day a job ended and this many before today, UTC). 0: no history
  // is written and none is pruned.
  int retention_days = 30;
  // API writes (creates and deletes) per cycle, so a backlog never stalls scheduling.
  int writes_per_cycle = 64;
  // How often expired records are looked for when the last pass left none.
  Duration prune_interval = std::chrono::hours(1);
};

// The label a JobRecord carries with the UTC date its Job ended ("2026-12-07").
inline constexpr char kJobRecordEndDateLabel[] = "fairway.dev/end-date";

// The record of an ended Job (the stored object `job`): name = the Job's uid.
nlohmann::json JobRecordFor(const nlohmann::json& job);

class JobHistory {
 public:
  // REQUIRES: client outlives the history.
  JobHistory(kube::ApiClient* client, JobHistoryOptions options)
      : client_(client), options_(options) {}

  // Writes the records of the ended Jobs in `jobs` that have none yet, and prunes expired
  // records when a pass is due.
  void Update(const std::vector<CycleJob>& jobs, core::Timestamp now, MonotonicTime mono,
              const Logger& log);

 private:
  // Creates missing records; returns the writes left in this cycle's budget.
  int WriteRecords(const std::vector<CycleJob>& jobs, int budget, const Logger& log);
  // Lists expired records when a pass is due, and deletes up to `budget` of those listed.
  void Prune(core::Timestamp now, MonotonicTime mono, int budget, const Logger& log);

  kube::ApiClient* const client_;
  const JobHistoryOptions options_;
  std::set<std::string> recorded_;             // uids of existing Jobs whose record exists
  std::optional<MonotonicTime> next_prune_;    // unset: a pass is due
  bool missing_kind_ = false;                  // a create found no jobrecords resource
  std::optional<MonotonicTime> paused_until_;  // set while the CRD is missing
  std::vector<std::pair<std::string, std::string>> expired_;  // namespace, name: to delete
};

}  // namespace fairway::controllers
