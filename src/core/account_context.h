// The account view a cycle uses: the association tree and its fair-share table.
//
// Fair share moves slowly, and Slurm recomputes it only every PriorityCalcPeriod, so a driver may
// build the context once per period and hand the same one to every cycle (CycleInput::accounts).
// RunCycle builds its own when none is given, or when the given one lacks the implicit user
// association of some job (a new user of an account that admits anyone).
//
// The tree refers to the Account objects it was built from: they must outlive the context and
// stay where they are.
//
// Thread-safety: immutable after construction; share it as shared_ptr<const AccountContext>.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "core/account_tree.h"
#include "core/fair_share.h"
#include "core/model.h"
#include "core/usage_ledger.h"

namespace fairway::core {

struct AccountContext {
  std::shared_ptr<const AccountTree> tree;
  FairShareTable fair_share;  // refers to *tree
};

// (account, user) pairs the tree must add: users of jobs and of the usage ledger under accounts
// that admit any user (accounts listing users or groups admit only those).
std::vector<std::pair<AccountName, UserName>> ImplicitUsers(const ClusterState& cluster,
                                                             const std::vector<Job>& pending,
                                                             const UsageLedger* usage);

// The tree of `cluster.accounts` with the implicit users of the jobs and the ledger. Rebuild it
// when accounts change or a job brings a new implicit user (MissesImplicitUsers).
std::shared_ptr<const AccountTree> BuildAccountTree(const ClusterState& cluster,
                                                    const std::vector<Job>& pending,
                                                    const UsageLedger* usage);

// Fair share over an existing tree (cheap: no names are copied).
std::shared_ptr<const AccountContext> ComputeAccountContext(
    std::shared_ptr<const AccountTree> tree, const UsageLedger* usage,
    const FairShareConfig& config);

// Both steps.
std::shared_ptr<const AccountContext> BuildAccountContext(const ClusterState& cluster,
                                                          const std::vector<Job>& pending,
                                                          const UsageLedger* usage,
                                                          const FairShareConfig& config);

// True if some job's implicit user association is missing from `tree`.
bool MissesImplicitUsers(const AccountTree& tree, const ClusterState& cluster,
                         const std::vector<Job>& pending);

}  // namespace fairway::core
