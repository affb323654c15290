#include "core/account_context.h"

#include <algorithm>
#include <string>
#include <unordered_set>

namespace fairway::core {
namespace {

bool IsOpen(const Account& a) { return a.users.empty() && a.groups.empty(); }

}  // namespace

std::vector<std::pair<AccountName, UserName>> ImplicitUsers(const ClusterState& cluster,
                                                             const std::vector<Job>& pending,
                                                             const UsageLedger* usage) {
  std::unordered_set<std::string> open_accounts;
  for (const Account& a : cluster.accounts) {
    if (IsOpen(a)) open_accounts.insert(a.name.str());
  }
  std::vector<std::pair<AccountName, UserName>> users;
  if (open_accounts.empty()) return users;
  std::unordered_set<std::string> seen;
  auto add = [&](const AccountName& account, const UserName& user) {
    if (open_accounts.count(account.str()) == 0) return;
    std::string key = account.str();
    key += '\0';
    key += user.str();
    if (seen.insert(std::move(key)).second) users.emplace_back(account, user);
  };
  for (const Job& j : pending) add(j.account, j.user);
  for (const Job& j : cluster.running) add(j.account, j.user);
  if (usage != nullptr) {
    for (const auto& [account, user] : usage->UsersWithUsage()) add(account, user);
  }
  std::sort(users.begin(), users.end());
  return users;
}

std::shared_ptr<const AccountTree> BuildAccountTree(const ClusterState& cluster,
                                                    const std::vector<Job>& pending,
                                                    const UsageLedger* usage) {
  return std::make_shared<const AccountTree>(
      AccountTree::Build(cluster.accounts, ImplicitUsers(cluster, pending, usage)));
}

std::shared_ptr<const AccountContext> ComputeAccountContext(
    std::shared_ptr<const AccountTree> tree, const UsageLedger* usage,
    const FairShareConfig& config) {
  auto context = std::make_shared<AccountContext>();
  context->tree = std::move(tree);
  UsageLedger no_usage;
  context->fair_share = ComputeFairShare(*context->tree, usage ? *usage : no_usage, config);
  return context;
}

std::shared_ptr<const AccountContext> BuildAccountContext(const ClusterState& cluster,
                                                          const std::vector<Job>& pending,
                                                          const UsageLedger* usage,
                                                          const FairShareConfig& config) {
  return ComputeAccountContext(BuildAccountTree(cluster, pending, usage), usage, config);
}

bool MissesImplicitUsers(const AccountTree& tree, const ClusterState& cluster,
                         const std::vector<Job>& pending) {
  bool any_open = std::any_of(cluster.accounts.begin(), cluster.accounts.end(), IsOpen);
  if (!any_open) return false;
  auto missing = [&](const Job& j) {
    int32_t index = tree.FindAccount(j.account);
    if (index <= AccountTree::kRoot) return false;
    const Account* spec = tree.at(index).spec;
    return spec != nullptr && IsOpen(*spec) && tree.FindUser(j.account, j.user) == AccountTree::kNone;
  };
  return std::any_of(pending.begin(), pending.end(), missing) ||
         std::any_of(cluster.running.begin(), cluster.running.end(), missing);
}

}  // namespace fairway::core
