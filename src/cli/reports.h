// sprio, sshare and sacct tables from the status the operator writes: Job
// status.priorityFactors, Account spec/status, and finished Jobs (slurm-semantics.md §1, §2).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "api/account_types.h"
#include "api/job_types.h"
#include "cli/squeue.h"
#include "core/types.h"

namespace fairway::cli {

// sprio: pending jobs with a priority factor breakdown, ordered by priority descending.
// Columns JOBID PARTITION USER PRIORITY SITE AGE ASSOC FAIRSHARE JOBSIZE PARTITION QOS NICE TRES.
std::string RenderSprio(const std::vector<api::JobObject>& jobs, const JobFilter& filter,
                        bool header);

// sshare: the account tree (root first, children indented by one space per level, each
// account followed by its users). Columns Account User RawShares NormShares RawUsage
// EffectvUsage FairShare. `users` limits the user rows (empty: all).
std::string RenderSshare(const std::vector<api::AccountObject>& accounts,
                         const std::set<std::string>& users, bool header);

// sacct: one line per job row (array tasks separately). Columns JobID JobName Partition Account
// AllocGPUS State ExitCode Start End Elapsed GPUSeconds, with sacct's dashed rule under the
// header.
std::string RenderSacct(const std::vector<JobRow>& rows, core::Timestamp now, bool header);

}  // namespace fairway::cli
