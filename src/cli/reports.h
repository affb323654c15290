// sprio and sshare tables from the status the operator writes: Job status.priorityFactors and
// Account spec/status (slurm-semantics.md §1, §2). sacct is sacct.h.
//
// Thread-safety: pure functions.
#pragma once

#include <set>
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

struct SshareOptions {
  std::set<std::string> accounts;  // -A: only these accounts' lines (empty: the whole tree)
  std::set<std::string> users;     // -u: only these users' lines (empty: every user)
  bool long_format = false;        // -l
  bool header = true;
};

// sshare: the account tree (root first, children indented by one space per level, each
// account followed by its users), printed as Slurm's print_fields (print_fields.h). Columns
// Account User RawShares NormShares RawUsage EffectvUsage FairShare; -l adds NormUsage (the
// share of the root's usage), LevelFS (NormShares / EffectvUsage) and the TRES-minute columns
// GrpTRESMins and TRESRunMins, which stay empty (Fairway has no TRES-minute limits).
// Recorded Slurm output: tests/testdata/slurm/sshare_long.txt.
std::string RenderSshare(const std::vector<api::AccountObject>& accounts,
                         const SshareOptions& options);

}  // namespace fairway::cli
