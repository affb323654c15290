#include "core/account_tree.h"

#include <algorithm>
#include <set>

namespace fairway::core {
namespace {

// Follows parents from `name`; true if it reaches a top-level account without revisiting one.
bool ReachesRoot(const std::map<AccountName, const Account*>& by_name, const AccountName& name) {
  std::set<AccountName> seen;
  AccountName current = name;
  while (true) {
    if (!seen.insert(current).second) return false;
    auto it = by_name.find(current);
    if (it == by_name.end()) return false;
    const AccountName& parent = it->second->parent;
    if (parent.empty() || parent.str() == "root") return true;
    current = parent;
  }
}

}  // namespace

AccountTree AccountTree::Build(
    const std::vector<Account>& accounts,
    const std::vector<std::pair<AccountName, UserName>>& implicit_users) {
  AccountTree tree;
  Association root;
  root.account = AccountName("root");
  tree.nodes_.push_back(root);

  std::map<AccountName, const Account*> by_name;
  for (const Account& a : accounts) {
    if (!a.name.empty() && a.name.str() != "root") by_name.emplace(a.name, &a);
  }
  // Accounts first (in name order, deterministic), parents attached afterwards.
  for (const auto& [name, account] : by_name) {
    Association node;
    node.account = name;
    node.shares = account->shares;
    node.spec = account;
    tree.account_index_[name.str()] = static_cast<int32_t>(tree.nodes_.size());
    tree.nodes_.push_back(std::move(node));
  }
  for (const auto& [name, account] : by_name) {
    int32_t index = tree.account_index_[name.str()];
    int32_t parent = kRoot;
    if (!account->parent.empty() && account->parent.str() != "root" && ReachesRoot(by_name, name)) {
      parent = tree.account_index_[account->parent.str()];
    }
    tree.nodes_[static_cast<size_t>(index)].parent = parent;
  }
  for (const auto& [name, account] : by_name) {
    int32_t index = tree.account_index_[name.str()];
    for (const AccountUser& user : account->users) tree.AddUser(index, user);
  }
  for (const auto& [account, user] : implicit_users) {
    int32_t index = tree.FindAccount(account);
    if (index == kNone || tree.FindUser(account, user) != kNone) continue;
    AccountUser implicit;
    implicit.name = user;
    tree.AddUser(index, implicit);
  }
  // Link children: users first, then accounts, each by name.
  for (size_t i = 1; i < tree.nodes_.size(); ++i) {
    int32_t parent = tree.nodes_[i].parent;
    tree.nodes_[static_cast<size_t>(parent)].children.push_back(static_cast<int32_t>(i));
  }
  for (Association& node : tree.nodes_) {
    std::sort(node.children.begin(), node.children.end(), [&](int32_t a, int32_t b) {
      const Association& x = tree.nodes_[static_cast<size_t>(a)];
      const Association& y = tree.nodes_[static_cast<size_t>(b)];
      if (x.is_user() != y.is_user()) return x.is_user();
      if (x.is_user()) return x.user < y.user;
      return x.account < y.account;
    });
  }
  // Depth-first order from the root; parents precede children.
  std::vector<int32_t> stack = {kRoot};
  while (!stack.empty()) {
    int32_t index = stack.back();
    stack.pop_back();
    tree.top_down_.push_back(index);
    const auto& children = tree.nodes_[static_cast<size_t>(index)].children;
    for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(*it);
  }
  return tree;
}

int32_t AccountTree::AddUser(int32_t account_index, const AccountUser& user) {
  const AccountName& account = nodes_[static_cast<size_t>(account_index)].account;
  std::string key = UserKey(account, user.name);
  if (user.name.empty() || user_index_.count(key) > 0) return kNone;
  Association node;
  node.parent = account_index;
  node.account = account;
  node.user = user.name;
  node.shares = user.shares;
  node.shares_parent = user.shares_parent;
  node.user_limits = user.limits;
  int32_t index = static_cast<int32_t>(nodes_.size());
  nodes_.push_back(std::move(node));
  user_index_[key] = index;
  ++user_count_;
  return index;
}

std::string AccountTree::UserKey(const AccountName& account, const UserName& user) {
  std::string key = account.str();
  key += '\0';
  key += user.str();
  return key;
}

int32_t AccountTree::FindAccount(const AccountName& account) const {
  if (account.str() == "root") return kRoot;
  auto it = account_index_.find(account.str());
  return it == account_index_.end() ? kNone : it->second;
}

int32_t AccountTree::FindUser(const AccountName& account, const UserName& user) const {
  auto it = user_index_.find(UserKey(account, user));
  return it == user_index_.end() ? kNone : it->second;
}

bool AccountTree::IsWithin(const AccountName& account, const AccountName& ancestor) const {
  int32_t index = FindAccount(account);
  while (index != kNone) {
    if (nodes_[static_cast<size_t>(index)].account == ancestor) return true;
    index = nodes_[static_cast<size_t>(index)].parent;
  }
  return false;
}

bool AccountTree::AdmitsUser(const AccountName& account, const UserName& user,
                             const std::vector<GroupName>& groups) const {
  int32_t index = FindAccount(account);
  if (index == kNone || index == kRoot) return false;
  const Account* spec = nodes_[static_cast<size_t>(index)].spec;
  if (spec->users.empty() && spec->groups.empty()) return true;
  for (const AccountUser& u : spec->users) {
    if (u.name == user) return true;
  }
  for (const GroupName& g : spec->groups) {
    if (std::find(groups.begin(), groups.end(), g) != groups.end()) return true;
  }
  return false;
}

std::vector<int32_t> AccountTree::PathToRoot(int32_t index) const {
  std::vector<int32_t> path;
  while (index != kNone) {
    path.push_back(index);
    index = nodes_[static_cast<size_t>(index)].parent;
  }
  return path;
}

Status ValidateAccounts(const std::vector<Account>& accounts) {
  std::map<AccountName, const Account*> by_name;
  for (size_t i = 0; i < accounts.size(); ++i) {
    const Account& a = accounts[i];
    std::string field = "accounts[" + std::to_string(i) + "]";
    if (a.name.empty()) return InvalidArgumentError("account name is empty", field + ".name");
    if (a.name.str() == "root") {
      return InvalidArgumentError("\"root\" is the implicit top of the tree; it cannot be defined",
                                  field + ".name");
    }
    if (!by_name.emplace(a.name, &a).second) {
      return InvalidArgumentError("duplicate account \"" + a.name.str() + "\"", field + ".name");
    }
  }
  for (const Account& a : accounts) {
    if (!a.parent.empty() && a.parent.str() != "root" && by_name.count(a.parent) == 0) {
      return InvalidArgumentError(
          "account \"" + a.name.str() + "\" has unknown parent \"" + a.parent.str() + "\"",
          "parent");
    }
    if (!ReachesRoot(by_name, a.name)) {
      return InvalidArgumentError("account \"" + a.name.str() + "\" is part of a parent cycle",
                                  "parent");
    }
    std::set<UserName> users;
    for (const AccountUser& u : a.users) {
      if (u.name.empty()) return InvalidArgumentError("user name is empty", "users");
      if (!users.insert(u.name).second) {
        return InvalidArgumentError(
            "user \"" + u.name.str() + "\" listed twice in account \"" + a.name.str() + "\"",
            "users");
      }
    }
  }
  return OkStatus();
}

}  // namespace fairway::core
