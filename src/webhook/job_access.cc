#include "webhook/job_access.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "webhook/identity.h"
#include "webhook/job_defaults.h"

namespace fairway::webhook {

using internal::Forbidden;
using internal::Invalid;
using internal::MaybeViolation;
using internal::Quote;

namespace {

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

MaybeViolation CheckAccount(const api::JobSpec& spec, const ClusterView& view,
                            std::optional<api::AccountObject>* account) {
  if (spec.account.empty()) {
    return Invalid("spec.account", internal::kInvalidAccount,
                   "no account given and user " + Quote(spec.user) +
                       " has no default account (an Account naming the user in spec.defaultFor, "
                       "or the only Account listing the user)");
  }
  *account = view.GetAccount(spec.account);
  if (!account->has_value()) {
    return Invalid("spec.account", internal::kInvalidAccount, "no Account " + Quote(spec.account));
  }
  if (!IsAccountMember((*account)->spec, spec.user, spec.groups)) {
    return Forbidden(
        "spec.account", internal::kInvalidAccount,
        "user " + Quote(spec.user) + " is not a member of account " + Quote(spec.account));
  }
  return std::nullopt;
}

MaybeViolation CheckQos(const api::JobSpec& spec, const ClusterView& view,
                        const std::optional<api::AccountObject>& account) {
  if (spec.qos.empty()) return std::nullopt;
  if (!view.GetQos(spec.qos).has_value()) {
    return Invalid("spec.qos", internal::kInvalidQos, "no QoS " + Quote(spec.qos));
  }
  if (account.has_value() && !account->spec.allowed_qos.empty() &&
      !Contains(account->spec.allowed_qos, spec.qos)) {
    return Forbidden("spec.qos", internal::kInvalidQos,
                     "account " + Quote(account->meta.name) + " allows QoS " +
                         JoinNames(account->spec.allowed_qos));
  }
  return std::nullopt;
}

// Access rules of one partition (state, accounts, groups, QoS).
MaybeViolation CheckPartitionAccess(const api::JobSpec& spec, const api::PartitionObject& p,
                                    const ClusterView& view) {
  const std::string& name = p.meta.name;
  if (p.spec.state == core::PartitionState::kDrain ||
      p.spec.state == core::PartitionState::kInactive) {
    return Invalid("spec.partition", internal::kPartitionNotAvailable,
                   "partition " + Quote(name) + " is " +
                       (p.spec.state == core::PartitionState::kDrain ? "DRAIN" : "INACTIVE"));
  }
  auto listed = [&](const std::vector<std::string>& accounts) {
    return std::any_of(accounts.begin(), accounts.end(),
                       [&](const std::string& a) { return AccountWithin(view, spec.account, a); });
  };
  if (!p.spec.allow_accounts.empty() && !listed(p.spec.allow_accounts)) {
    return Forbidden(
        "spec.account", internal::kInvalidAccount,
        "partition " + Quote(name) + " allows accounts " + JoinNames(p.spec.allow_accounts));
  }
  if (p.spec.allow_accounts.empty() && listed(p.spec.deny_accounts)) {
    return Forbidden("spec.account", internal::kInvalidAccount,
                     "partition " + Quote(name) + " denies account " + Quote(spec.account));
  }
  if (!p.spec.allow_groups.empty() &&
      std::none_of(spec.groups.begin(), spec.groups.end(),
                   [&](const std::string& g) { return Contains(p.spec.allow_groups, g); })) {
    return Forbidden(
        "spec.partition", internal::kPartitionGroup,
        "partition " + Quote(name) + " allows groups " + JoinNames(p.spec.allow_groups));
  }
  if (!p.spec.allow_qos.empty() && !Contains(p.spec.allow_qos, spec.qos)) {
    return Forbidden("spec.qos", internal::kInvalidQos,
                     "partition " + Quote(name) + " allows QoS " + JoinNames(p.spec.allow_qos));
  }
  return std::nullopt;
}

// Size limits of one partition (nodes, time).
MaybeViolation CheckPartitionLimits(const api::JobSpec& spec, const api::PartitionObject& p,
                                    bool check_time_limit) {
  const std::string& name = p.meta.name;
  if (p.spec.max_nodes.has_value() && spec.nodes > *p.spec.max_nodes) {
    return Invalid("spec.nodes", internal::kInvalidNodeCount,
                   "partition " + Quote(name) + " allows at most " +
                       std::to_string(*p.spec.max_nodes) + " nodes per job");
  }
  std::optional<core::Seconds> max = TimeLimitOrUnlimited(p.spec.max_time);
  if (check_time_limit && max.has_value() && !spec.time_limit.empty()) {
    std::optional<core::Seconds> limit = TimeLimitOrUnlimited(spec.time_limit);
    if (!limit.has_value() || *limit > *max) {
      return Invalid("spec.timeLimit", internal::kInvalidTimeLimit,
                     Quote(spec.time_limit) + " exceeds MaxTime " + p.spec.max_time +
                         " of partition " + Quote(name));
    }
  }
  return std::nullopt;
}

MaybeViolation CheckPartitions(const api::JobSpec& spec, const ClusterView& view,
                               const JobAccessOptions& options) {
  std::vector<std::string> names = RequestedPartitionNames(view, spec.partition);
  if (names.empty()) {
    return Invalid("spec.partition", internal::kNoDefaultPartition,
                   "no partition given and no Partition has spec.default");
  }
  for (const std::string& name : names) {
    std::optional<api::PartitionObject> p = view.GetPartition(name);
    if (!p.has_value()) {
      return Invalid("spec.partition", internal::kInvalidPartitionName,
                     "no Partition " + Quote(name));
    }
    if (options.check_partition_access) {
      if (MaybeViolation v = CheckPartitionAccess(spec, *p, view)) return v;
    }
    if (options.check_partition_limits) {
      if (MaybeViolation v = CheckPartitionLimits(spec, *p, options.check_time_limit)) return v;
    }
  }
  return std::nullopt;
}

}  // namespace

bool AccountWithin(const ClusterView& view, const std::string& name, const std::string& ancestor) {
  std::set<std::string> seen;
  std::string current = name;
  while (!current.empty() && seen.insert(current).second) {
    if (current == ancestor) return true;
    std::optional<api::AccountObject> a = view.GetAccount(current);
    if (!a.has_value()) return false;
    current = a->spec.parent;
  }
  return false;
}

MaybeViolation CheckJobAccess(const api::JobSpec& spec, const ClusterView& view,
                              const JobAccessOptions& options) {
  std::optional<api::AccountObject> account;
  if (options.check_account) {
    if (MaybeViolation v = CheckAccount(spec, view, &account)) return v;
  } else if (!spec.account.empty()) {
    account = view.GetAccount(spec.account);
  }
  if (options.check_qos) {
    if (MaybeViolation v = CheckQos(spec, view, account)) return v;
  }
  if (options.check_partition_access || options.check_partition_limits) {
    return CheckPartitions(spec, view, options);
  }
  return std::nullopt;
}

}  // namespace fairway::webhook
