#include "core/partition_rules.h"

#include <algorithm>

namespace fairway::core {

bool NodeInPartition(const Node& node, const Partition& partition) {
  bool by_name = std::find(partition.node_names.begin(), partition.node_names.end(), node.name) !=
                 partition.node_names.end();
  if (by_name) return true;
  for (const Labels& pool : partition.pool_node_labels) {
    if (LabelsInclude(node.labels, pool)) return true;
  }
  if (partition.node_selector.empty()) {
    return partition.node_names.empty() && partition.pool_node_labels.empty();
  }
  return partition.node_selector.Matches(node.labels);
}

std::optional<Seconds> AccountMaxWall(const AccountTree& tree, const AccountName& account) {
  for (int32_t index : tree.PathToRoot(tree.FindAccount(account))) {
    const Account* spec = tree.at(index).spec;
    if (spec != nullptr && spec->limits.max_wall.has_value()) return spec->limits.max_wall;
  }
  return std::nullopt;
}

std::optional<Seconds> EffectiveTimeLimit(const Job& job, const Partition& partition,
                                          const Qos* qos, const AccountTree& tree) {
  if (job.time_limit.has_value()) return job.time_limit;
  if (partition.default_time.has_value()) return partition.default_time;
  if (partition.max_time.has_value()) return partition.max_time;
  if (qos != nullptr && qos->limits.max_wall.has_value()) return qos->limits.max_wall;
  return AccountMaxWall(tree, job.account);
}

std::optional<PendingReason> CheckPartition(const Job& job, const QosName& qos,
                                            const Partition& partition, const AccountTree& tree,
                                            std::optional<Seconds> time_limit,
                                            int64_t partition_nodes) {
  if (partition.state == PartitionState::kDown) return PendingReason::kPartitionDown;
  if (partition.state == PartitionState::kInactive) return PendingReason::kPartitionInactive;

  // AllowAccounts / DenyAccounts are hierarchical: a sub-account of a listed account matches.
  auto listed = [&](const std::vector<AccountName>& accounts) {
    return std::any_of(accounts.begin(), accounts.end(), [&](const AccountName& a) {
      return job.account == a || tree.IsWithin(job.account, a);
    });
  };
  if (!partition.allow_accounts.empty()) {
    if (!listed(partition.allow_accounts)) return PendingReason::kAccountNotAllowed;
  } else if (listed(partition.deny_accounts)) {
    return PendingReason::kAccountNotAllowed;
  }
  if (!partition.allow_groups.empty()) {
    bool member = std::any_of(job.groups.begin(), job.groups.end(), [&](const GroupName& g) {
      return std::find(partition.allow_groups.begin(), partition.allow_groups.end(), g) !=
             partition.allow_groups.end();
    });
    if (!member) return PendingReason::kPartitionConfig;
  }
  if (!partition.allow_qos.empty() &&
      std::find(partition.allow_qos.begin(), partition.allow_qos.end(), qos) ==
          partition.allow_qos.end()) {
    return PendingReason::kQosNotAllowed;
  }
  if (partition.max_nodes.has_value() && job.node_count > *partition.max_nodes) {
    return PendingReason::kPartitionNodeLimit;
  }
  if (job.node_count > partition_nodes) return PendingReason::kPartitionNodeLimit;
  if (partition.max_time.has_value()) {
    if (!time_limit.has_value() || *time_limit > *partition.max_time) {
      return PendingReason::kPartitionTimeLimit;
    }
  }
  return std::nullopt;
}

}  // namespace fairway::core
