// The association tree: root -> accounts -> sub-accounts, with users as leaves
// (slurm-semantics.md §2). Fair share and association limits walk it.
//
// Users come from each Account's `users` list; an account that lists neither users nor groups
// admits any user, and such users join the tree as implicit associations with 1 share once they
// have jobs or usage (the caller passes them to Build).
//
// Thread-safety: immutable after Build; safe to share between threads.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/model.h"

namespace fairway::core {

class AccountTree {
 public:
  static constexpr int32_t kRoot = 0;
  static constexpr int32_t kNone = -1;

  struct Association {
    int32_t parent = kNone;  // index; kNone for the root
    AccountName account;     // for a user: the account it belongs to
    UserName user;           // empty for accounts and the root
    uint32_t shares = 1;
    bool shares_parent = false;
    UserLimits user_limits;         // a user association's own limits
    std::vector<int32_t> children;  // sorted: users first, then accounts, each by name
    const Account* spec = nullptr;  // the Account this node stands for (accounts only)
    bool is_user() const { return !user.empty(); }
  };

  // Builds the tree. Tolerant, so a cycle never fails on bad account objects: an unknown parent
  // or a parent cycle attaches the account below the root (ValidateAccounts reports these).
  // `implicit_users` lists (account, user) pairs seen in jobs or usage; those not already members
  // are added with 1 share when the account admits them.
  static AccountTree Build(
      const std::vector<Account>& accounts,
      const std::vector<std::pair<AccountName, UserName>>& implicit_users = {});

  const Association& at(int32_t index) const { return nodes_[static_cast<size_t>(index)]; }
  size_t size() const { return nodes_.size(); }
  // Number of user associations (Fair Tree's N).
  int32_t user_count() const { return user_count_; }

  // Index of the account node, or kNone.
  int32_t FindAccount(const AccountName& account) const;
  // Index of the user association under `account`, or kNone.
  int32_t FindUser(const AccountName& account, const UserName& user) const;
  // True if `account` is `ancestor` or lies below it.
  bool IsWithin(const AccountName& account, const AccountName& ancestor) const;
  // True if the user may submit under the account: a listed user, a member of a listed group, or
  // the account lists neither.
  bool AdmitsUser(const AccountName& account, const UserName& user,
                  const std::vector<GroupName>& groups) const;

  // Indices from `index` up to (and including) the root.
  std::vector<int32_t> PathToRoot(int32_t index) const;
  // Every index, parents before their children (depth-first from the root, children in order).
  const std::vector<int32_t>& TopDown() const { return top_down_; }

 private:
  int32_t AddUser(int32_t account_index, const AccountUser& user);

  std::vector<Association> nodes_;
  std::vector<int32_t> top_down_;
  static std::string UserKey(const AccountName& account, const UserName& user);

  std::unordered_map<std::string, int32_t> account_index_;
  std::unordered_map<std::string, int32_t> user_index_;  // key: UserKey(account, user)
  int32_t user_count_ = 0;
};

// Reports the first structural problem of an account set: duplicate or empty names, an unknown
// parent, a parent cycle, zero shares on everything. For admission and config loading.
Status ValidateAccounts(const std::vector<Account>& accounts);

}  // namespace fairway::core
