// Fair-share factors from the account tree and decayed usage (slurm-semantics.md §2).
//
// Two algorithms, chosen by FairShareConfig::algorithm:
//
// Fair Tree (default). Within each level, for association a among its siblings:
//   S  = shares_raw / level_shares            (NormShares within the level)
//   U  = usage_raw / parent.usage_raw         (EffectvUsage; 0 when the parent has none)
//   LF = S / U                                (S == 0 -> 0; U == 0 -> +inf; FairShare=parent ->
//   +inf)
// Visit the tree depth-first, children sorted by LF (desc; ties: users before accounts, then
// name); sibling accounts with equal LF are merged and their children ranked together. Users get
// fs = rank / N in visit order, N = number of user associations, rank counting down from N;
// consecutive users with equal LF share a rank (the rank skips after a tie, as in Slurm).
//
// Slurm's automatic user association root/root (FairShareConfig::root_user_association) is
// counted as Slurm counts it: one share among root's children (top-level NormShares 1/(k+1)
// for k top-level accounts of 1 share), one of the N users, and, having no usage, the first
// rank (tied with top-level accounts whose LF is +inf). tools/slurm-lab results/c_fairtree.txt
// (tests/testdata/slurm/fairtree_root_user.txt) has the sshare output this reproduces.
//
// Classic (PriorityFlags=NO_FAIR_TREE):
//   S  = product over the path user -> top-level account of shares_raw / level_shares
//   UN = usage_raw / root.usage_raw
//   UE = UN                                           for children of root
//   UE = UN + (UE_parent - UN) * shares_raw / level_shares   otherwise
//   F  = 2^(-(UE / S) / dampening_factor)             (0 when S == 0)
//
// Thread-safety: FairShareTable is immutable after ComputeFairShare.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/account_tree.h"
#include "core/config.h"
#include "core/usage_ledger.h"

namespace fairway::core {

// One association's fair-share state: the sshare columns.
struct FairShareRow {
  AccountName account;
  UserName user;      // empty for account rows
  int32_t depth = 0;  // 0 for root
  uint32_t raw_shares = 1;
  bool shares_parent = false;
  double norm_shares = 0;      // S (Fair Tree: within level; classic: product down the tree)
  double raw_usage = 0;        // decayed billing-seconds
  double norm_usage = 0;       // usage / root usage
  double effective_usage = 0;  // U (Fair Tree) or UE (classic)
  double level_fs = 0;         // LF (Fair Tree; +inf when U == 0)
  double fair_share = 0;       // F: users only (accounts 0 in Fair Tree, classic value otherwise)
};

// The numeric sshare columns of one association.
struct FairShareValues {
  double norm_shares = 0;
  double raw_usage = 0;
  double norm_usage = 0;
  double effective_usage = 0;
  double level_fs = 0;
  double fair_share = 0;
};

// The values of every association, by tree index. Refers to the tree it was computed from, which
// must outlive it.
class FairShareTable {
 public:
  FairShareTable() = default;

  // Fair-share factor of the user association (account, user); 0 when unknown.
  double Factor(const AccountName& account, const UserName& user) const;
  // The same by the association's index in the tree.
  double FactorAt(int32_t index) const {
    return index >= 0 && static_cast<size_t>(index) < values_.size()
               ? values_[static_cast<size_t>(index)].fair_share
               : 0.0;
  }
  // sshare rows in tree order (depth-first: an account, then its users, then its sub-accounts),
  // root/root right after root when counted.
  // Builds the names on each call: meant for reports, not for the scheduling hot path.
  std::vector<FairShareRow> rows() const;

 private:
  friend FairShareTable ComputeFairShare(const AccountTree&, const UsageLedger&,
                                         const FairShareConfig&);
  FairShareRow RootUserRow() const;

  const AccountTree* tree_ = nullptr;
  std::vector<FairShareValues> values_;  // by tree index
  // Slurm's root/root user association when FairShareConfig::root_user_association; it is not
  // in the tree (no job runs under it), only in the computation and in rows().
  std::optional<FairShareValues> root_user_;
};

FairShareTable ComputeFairShare(const AccountTree& tree, const UsageLedger& usage,
                                const FairShareConfig& config);

// Billing units of `per_node` x `nodes` under the weights (TRESBillingWeights, summed):
//   billing = nodes * (cpu_cores * w_cpu + memory_GiB * w_mem + gpus * w_gpu)
double BillingOf(const Resources& per_node, int32_t nodes, const BillingWeights& weights);

}  // namespace fairway::core
