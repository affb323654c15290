// Decayed fair-share usage, in billing-seconds, per association (slurm-semantics.md §2).
//
// Invariants:
//  - Every stored value is "as of last_update()": Advance() first decays all entries by
//    d^dt, where d = 1 - 0.693 / half_life_s (Slurm's per-second factor; d = 1 without decay),
//    then adds the usage of the jobs that ran during dt, itself scaled by d^dt (Slurm's
//    _apply_new_usage: added = billing * dt * d^dt * QoS.UsageFactor).
//  - Usage is charged to the user association, its account and every ancestor up to the root,
//    so an account's value is the sum of its subtree.
//  - Only keys with usage are stored; a missing key reads as 0.
//
// Thread-safety: thread-compatible.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/account_tree.h"
#include "core/types.h"

namespace fairway::core {

// (account, user); user empty for the account itself; account "root" for the root.
struct AssociationKey {
  AccountName account;
  UserName user;
  auto operator<=>(const AssociationKey&) const = default;
};

// Per-second decay factor for a half-life: 1 - 0.693 / half_life_s; 1 when half_life is 0.
double DecayFactorPerSecond(Seconds half_life);

// The usage one running job contributes over an interval (before the tree walk).
struct UsageCharge {
  AccountName account;
  UserName user;
  double billing = 0;       // billing units of the allocation (see BillingOf in fair_share.h)
  double usage_factor = 1;  // QoS UsageFactor
  Seconds ran{0};           // seconds of the interval the job ran (<= the interval)
};

class UsageLedger {
 public:
  UsageLedger() = default;
  explicit UsageLedger(Timestamp last_update) : last_update_(last_update) {}

  // Decays all usage from last_update() to `now`, adds each charge (scaled by d^ran) to the
  // association and its ancestors in `tree`, and sets last_update() = now. A `now` earlier than
  // last_update() only adds the charges (time never runs backwards here).
  void Advance(Timestamp now, Seconds half_life, const AccountTree& tree,
               const std::vector<UsageCharge>& charges);

  // Adds raw billing-seconds to the association and its ancestors without decay (an empty
  // user: to the account and its ancestors).
  void Charge(const AccountTree& tree, const AccountName& account, const UserName& user,
              double billing_seconds);

  double Usage(const AssociationKey& key) const;
  double RootUsage() const { return Usage({AccountName("root"), UserName()}); }
  Timestamp last_update() const { return last_update_; }

  // Persistence: restore a stored value (as of last_update()).
  void Set(const AssociationKey& key, double usage);
  void set_last_update(Timestamp t) { last_update_ = t; }
  // Every stored value, ordered by key (for persistence and reports).
  std::map<AssociationKey, double> entries() const;

  // (account, user) pairs with usage: the implicit users AccountTree::Build should include.
  std::vector<std::pair<AccountName, UserName>> UsersWithUsage() const;

 private:
  void AddAlongPath(const AccountTree& tree, int32_t index, double amount);
  // "account\0user": short names stay within std::string's small buffer (no allocation).
  static std::string Key(const AccountName& account, const UserName& user);

  Timestamp last_update_{};
  std::unordered_map<std::string, double> usage_;
};

}  // namespace fairway::core
