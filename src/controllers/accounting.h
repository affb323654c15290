// Usage accounting: fair-share usage charged from facts stored in the API server, idempotently,
// so operator restarts neither lose nor double it (DESIGN.md "Contracts that matter";
// slurm-semantics.md §2, decayed usage).
//
// Facts. A run is one execution of an instance (a job, or one task of an array), keyed
// "<jobID>.<restarts>" with the instance's own jobID (the pods' labels fairway.dev/job-id and
// fairway.dev/restarts). Each pod of a run holds its allocation from its container's startedAt
// to its finishedAt (the kubelet's record); a pod being deleted stops by its deletionTimestamp
// at the latest; a pod that ended without a finishedAt (node lost) ends at the run's recorded
// endTime, else it is not charged beyond what already was. A run's pods that are gone count, once
// the run's record (Job status, or its array task record) shows the run ended, as having run from
// the record's startTime to its endTime (pods deleted on timeout, cancel, preemption, failure).
// A pod is billed BillingOf(per-node resources, 1 node) x QoS UsageFactor per second, charged
// to the Job's account and user. Runs of Jobs that are gone are not charged (their pods go too).
//
// Charging, with d = 1 - 0.693 / half_life_s (Slurm's per-second decay; d = 1 without decay) and
// lambda = -ln d: usage an allocation of rate r accrued over [a, b], as of time t >= b, is
//     r * integral_a^b d^(t - s) ds = r * (d^(t - b) - d^(t - a)) / lambda     (r * (b - a), d = 1)
// This is the continuous form of Slurm's rule (stored usage decays by d^dt; new usage is added
// scaled by d^dt); unlike Slurm's per-period approximation it does not depend on how the time is
// split between cycles or restarts, which is what makes re-charging after a crash exact.
//
// Checkpoint and invariant (one per Account object, in its status, written in one update with a
// resourceVersion precondition, so the parts never disagree):
//     T = lastDecayTime, U_u = userUsage[u], c_r = charged[r], H = chargedHorizon
//     U_u = sum over runs r of user u charged into this account of
//           the usage, as of T, of r's pod-time up to C_r,   C_r = c_r if present, else H.
// Every cycle (and after a restart, from the persisted checkpoint) advances an account to `now`:
// U_u *= d^(now - T), T = now; then each run is charged its pod-time in (C_r, E_r] and
// c_r = E_r, where E_r is the run's end once every pod's end is known, else now - settle (the
// kubelet reports an end with some delay, and a cursor never moves back). A crash between
// charging and persisting loses the in-memory state only: the restarted operator charges the
// same intervals again from the persisted cursors, never twice and never zero. Pod-time a run
// had before its cursor is never looked at again, so facts may disappear once charged.
//
// Bounded: an entry is dropped when its Job is gone (no Job, no facts: nothing more to charge),
// or when its cursor is older than `retention` (the run ended long ago); H is then raised to
// now - retention. A new account (or one without a horizon) starts with H = its lastDecayTime
// when it has one (usage persisted before cursors existed: charged up to then), else the epoch.
//
// Subtree totals: each account persists its own usage (userUsage, one entry per user
// association; "" for jobs without a user). The ledger the scheduler reads holds the subtree
// sums (account = its users + child accounts, root = all) and is derived every cycle by
// charging every association's own usage along the current tree, so re-parenting an account
// moves its usage consistently and no write ever has to touch two Account objects.
//
// Limits: pod-time after a run's cursor is lost when its pods disappear without the record
// showing the run's end (a requeue deletes the pods and resets the record): at most settle plus
// one cycle per pod. Clock skew between the kubelets and the operator shifts the settle margin;
// a pod whose end the informer delivers more than `settle` late is charged up to the cursor.
//
// Persisting: a changed checkpoint is written at the latest every usage_persist_interval, and in
// the cycle a run of the account (or of an account below it, for its rawUsage) reached its end
// (its facts may go soon after: the Job may be deleted). At most one write per account per cycle.
//
// Thread-safety: thread-compatible; the controller's loop thread owns the instance.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/account_types.h"
#include "controllers/snapshot.h"
#include "core/account_tree.h"
#include "core/config.h"
#include "core/types.h"
#include "core/usage_ledger.h"

namespace fairway::controllers {

// Part of a run's pod-time: one pod, from `start` to `end` (nullopt: still running).
struct PodSpan {
  core::Timestamp start;
  std::optional<core::Timestamp> end;
};

// What the API server records about one run.
struct RunFacts {
  std::string key;  // "<jobID>.<restarts>"
  uint64_t job_id = 0;
  core::AccountName account;
  core::UserName user;
  double rate = 0;  // billing units per pod (per second) x QoS UsageFactor
  std::vector<PodSpan> spans;
  bool ended = false;  // every pod's end is known (spans all have an end)
};

// The runs of every Job in `objects`: one per key seen in its pods or in its records (status,
// array task records). Jobs whose spec does not convert are skipped (they never ran).
std::vector<RunFacts> RunsOf(const ClusterObjects& objects, const core::ClusterState& cluster,
                             const core::BillingWeights& billing);
// The instance jobIDs of every Job, as ranges first -> last (an array's whole block).
using JobIdRanges = std::map<uint64_t, uint64_t>;
JobIdRanges LiveInstanceIds(const ClusterObjects& objects);
bool ContainsJobId(const JobIdRanges& ranges, uint64_t job_id);

// r * integral_a^b d^(t - s) ds for `lambda` = -ln d (0: no decay): see the file comment.
// REQUIRES: a <= b <= t.
double DecayedUsage(double rate, core::Timestamp a, core::Timestamp b, core::Timestamp t,
                    double lambda);

// One account's checkpoint, as persisted in its status (see the file comment).
struct UsageCheckpoint {
  std::optional<core::Timestamp> as_of;            // lastDecayTime
  std::map<std::string, double> user_usage;        // own usage per user, as of `as_of`
  std::map<std::string, core::Timestamp> charged;  // run key -> charged through
  core::Timestamp horizon{};                       // chargedHorizon

  bool operator==(const UsageCheckpoint&) const = default;
};

// The checkpoint stored in an Account's status (H defaults as the file comment says).
UsageCheckpoint CheckpointFromStatus(const api::AccountStatus& status);
// Writes the checkpoint's fields into a status (the other fields are left alone).
void PutCheckpoint(const UsageCheckpoint& checkpoint, api::AccountStatus* status);

struct AccountingOptions {
  core::Seconds half_life{0};     // PriorityDecayHalfLife; 0 = no decay
  core::Seconds settle{5};        // running pods are charged up to now - settle
  core::Seconds retention{3600};  // entries older than this are dropped (horizon raised)
};

class UsageAccounting {
 public:
  // True if the state of `account` was restored from the Account object with this uid (an
  // account deleted and created again starts over from the new object's status).
  bool Knows(const std::string& account, const std::string& uid) const;
  // Replaces the account's state with the checkpoint in the status of the Account object `uid`;
  // that checkpoint is also what Persisted() returns until the next MarkPersisted.
  void Restore(const std::string& account, const std::string& uid,
               const api::AccountStatus& status);
  // Advances every account to `now` (decay), charges every run from its cursor to its end or
  // now - settle, advances the cursors, then drops entries of runs whose jobID is not in
  // `live_ids` or whose cursor is older than the retention.
  void Charge(const std::vector<RunFacts>& runs, const JobIdRanges& live_ids, core::Timestamp now,
              const AccountingOptions& options);

  // Own usage per association ((account, user) -> usage), in ledger form, for the tree's
  // implicit users.
  core::UsageLedger OwnUsage() const;
  // The ledger the scheduler reads: every own usage charged along `tree` (subtree sums).
  core::UsageLedger Ledger(const core::AccountTree& tree, core::Timestamp now) const;
  // Own usage per association as of `at` (the start of a priority period), for the fair-share
  // factors Slurm computes once per PriorityCalcPeriod: the current usage with the pod-time of
  // `runs` between each run's cursor and `at` added (cursor before `at`) or taken out (cursor
  // after it), decayed to `at`. A function of the facts and `at` only, so it comes out the same
  // whenever it is computed and after a restart, provided the facts up to `at` have settled
  // (at <= now - settle) and are still there (a run whose Job was deleted after being charged
  // past `at` stays charged). REQUIRES: Charge ran at a time >= `at` with the same half-life.
  core::UsageLedger OwnUsageAt(const std::vector<RunFacts>& runs, core::Timestamp at,
                               core::Seconds half_life) const;

  // The account's current checkpoint. REQUIRES: it has a state (restored or charged into).
  const UsageCheckpoint& Checkpoint(const std::string& account) const;
  // What was last persisted (or restored) for the account; nullptr if nothing.
  const UsageCheckpoint* Persisted(const std::string& account) const;
  // True if a run of the account reached its end since the account was last persisted.
  bool NeedsFlush(const std::string& account) const;
  // Records that `checkpoint` is now what the account's status holds.
  void MarkPersisted(const std::string& account, const UsageCheckpoint& checkpoint);

 private:
  struct AccountState {
    std::string uid;  // of the Account object restored from; "" if none
    UsageCheckpoint current;
    std::optional<UsageCheckpoint> persisted;
    bool run_ended = false;  // since the last MarkPersisted
  };
  AccountState& StateOf(const std::string& account, core::Timestamp now);
  void ChargeRun(const RunFacts& run, core::Timestamp now, const AccountingOptions& options,
                 double lambda);
  void Prune(const JobIdRanges& live_ids, core::Timestamp now, const AccountingOptions& options);

  std::map<std::string, AccountState> accounts_;
};

// Every own usage of `own` charged along `tree` (subtree sums), as of `as_of`.
core::UsageLedger SubtreeLedger(const core::AccountTree& tree, const core::UsageLedger& own,
                                core::Timestamp as_of);

// The Accounts to write in this cycle besides the periodic writes: those a run of which ended
// since their last write (NeedsFlush), and their ancestors, whose rawUsage includes theirs.
std::set<std::string> AccountsToFlush(const UsageAccounting& accounting,
                                      const std::vector<api::AccountObject>& accounts);

}  // namespace fairway::controllers
