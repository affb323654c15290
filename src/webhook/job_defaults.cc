#include "webhook/job_defaults.h"

#include <algorithm>

#include "api/job_types.h"
#include "api/time_limit.h"
#include "webhook/identity.h"

namespace fairway::webhook {

std::optional<std::string> DefaultAccount(const ClusterView& view, const std::string& user,
                                          const std::vector<std::string>& groups) {
  std::vector<api::AccountObject> accounts = view.ListAccounts();
  std::sort(accounts.begin(), accounts.end(),
            [](const api::AccountObject& a, const api::AccountObject& b) {
              return a.meta.name < b.meta.name;
            });
  for (const api::AccountObject& a : accounts) {
    const std::vector<std::string>& d = a.spec.default_for;
    if (!user.empty() && std::find(d.begin(), d.end(), user) != d.end()) return a.meta.name;
  }
  std::optional<std::string> only;
  for (const api::AccountObject& a : accounts) {
    if (!AccountListsUser(a.spec, user, groups)) continue;
    if (only.has_value()) return std::nullopt;  // several: the user must choose
    only = a.meta.name;
  }
  return only;
}

std::optional<api::PartitionObject> DefaultPartition(const ClusterView& view) {
  std::optional<api::PartitionObject> best;
  for (api::PartitionObject& p : view.ListPartitions()) {
    if (p.spec.is_default && (!best.has_value() || p.meta.name < best->meta.name)) {
      best = std::move(p);
    }
  }
  return best;
}

std::string DefaultQos(const ClusterView& view, const std::optional<api::AccountObject>& account) {
  if (account.has_value() && !account->spec.default_qos.empty()) return account->spec.default_qos;
  return view.GetQos("normal").has_value() ? "normal" : "";
}

std::optional<core::Seconds> TimeLimitOrUnlimited(const std::string& text) {
  if (text.empty()) return std::nullopt;
  StatusOr<api::TimeLimit> t = api::ParseTimeLimit(text);
  if (!t.ok()) return std::nullopt;
  return t->limit;
}

std::string PartitionDefaultTimeLimit(const api::PartitionSpec& partition) {
  if (TimeLimitOrUnlimited(partition.default_time).has_value()) return partition.default_time;
  if (TimeLimitOrUnlimited(partition.max_time).has_value()) return partition.max_time;
  return "";
}

std::vector<std::string> RequestedPartitionNames(const ClusterView& view,
                                                 const std::string& partition_field) {
  std::vector<std::string> names;
  if (partition_field.empty()) {
    if (std::optional<api::PartitionObject> d = DefaultPartition(view))
      names.push_back(d->meta.name);
    return names;
  }
  StatusOr<std::vector<core::PartitionName>> parts = api::ParsePartitionList(partition_field);
  if (!parts.ok()) return names;
  for (const core::PartitionName& p : *parts) names.push_back(p.str());
  return names;
}

}  // namespace fairway::webhook
