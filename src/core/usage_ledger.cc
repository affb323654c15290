#include "core/usage_ledger.h"

#include <algorithm>
#include <cmath>

namespace fairway::core {

double DecayFactorPerSecond(Seconds half_life) {
  if (half_life.count() <= 0) return 1.0;
  return 1.0 - 0.693 / static_cast<double>(half_life.count());
}

void UsageLedger::Advance(Timestamp now, Seconds half_life, const AccountTree& tree,
                          const std::vector<UsageCharge>& charges) {
  double d = DecayFactorPerSecond(half_life);
  int64_t elapsed = (now - last_update_).count();
  if (elapsed > 0 && d < 1.0) {
    double decay = std::pow(d, static_cast<double>(elapsed));
    for (auto& [key, value] : usage_) value *= decay;
  }
  for (const UsageCharge& c : charges) {
    double ran = static_cast<double>(c.ran.count());
    if (ran <= 0 || c.billing <= 0) continue;
    double amount = c.billing * ran * std::pow(d, ran) * c.usage_factor;
    Charge(tree, c.account, c.user, amount);
  }
  if (now > last_update_) last_update_ = now;
}

std::string UsageLedger::Key(const AccountName& account, const UserName& user) {
  std::string key = account.str();
  key += '\0';
  key += user.str();
  return key;
}

void UsageLedger::Charge(const AccountTree& tree, const AccountName& account, const UserName& user,
                         double billing_seconds) {
  int32_t index = user.empty() ? AccountTree::kNone : tree.FindUser(account, user);
  if (index == AccountTree::kNone) {
    // The user is not (yet) in the tree: charge the user key directly, then the account path
    // (no user: the account path only; its key is the account's own).
    if (!user.empty()) usage_[Key(account, user)] += billing_seconds;
    index = tree.FindAccount(account);
    if (index == AccountTree::kNone) {
      usage_[Key(account, UserName())] += billing_seconds;
      index = AccountTree::kRoot;
    }
  }
  AddAlongPath(tree, index, billing_seconds);
}

void UsageLedger::AddAlongPath(const AccountTree& tree, int32_t index, double amount) {
  for (int32_t i = index; i != AccountTree::kNone; i = tree.at(i).parent) {
    const AccountTree::Association& a = tree.at(i);
    usage_[Key(a.account, a.user)] += amount;
  }
}

double UsageLedger::Usage(const AssociationKey& key) const {
  auto it = usage_.find(Key(key.account, key.user));
  return it == usage_.end() ? 0.0 : it->second;
}

void UsageLedger::Set(const AssociationKey& key, double usage) {
  usage_[Key(key.account, key.user)] = usage;
}

std::map<AssociationKey, double> UsageLedger::entries() const {
  std::map<AssociationKey, double> out;
  for (const auto& [key, value] : usage_) {
    size_t split = key.find('\0');
    out[{AccountName(key.substr(0, split)), UserName(key.substr(split + 1))}] = value;
  }
  return out;
}

std::vector<std::pair<AccountName, UserName>> UsageLedger::UsersWithUsage() const {
  std::vector<std::pair<AccountName, UserName>> users;
  for (const auto& [key, value] : usage_) {
    size_t split = key.find('\0');
    if (split + 1 < key.size()) {
      users.emplace_back(AccountName(key.substr(0, split)), UserName(key.substr(split + 1)));
    }
  }
  std::sort(users.begin(), users.end());
  return users;
}

}  // namespace fairway::core
