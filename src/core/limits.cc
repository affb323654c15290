#include "core/limits.h"

#include "core/partition_rules.h"

namespace fairway::core {

int64_t JobGpus(const Job& job) { return job.per_node.gpus * job.node_count; }

LimitTracker::LimitTracker(const AccountTree& tree, const std::vector<Qos>& qos,
                           const std::vector<Job>& running)
    : tree_(tree) {
  for (const Qos& q : qos) qos_.emplace(q.name, &q);
  for (const Job& job : running) RecordStart(job);
}

const Qos* LimitTracker::FindQos(const QosName& name) const {
  auto it = qos_.find(name);
  return it == qos_.end() ? nullptr : it->second;
}

void LimitTracker::RecordStart(const Job& job) {
  int64_t gpus = JobGpus(job);
  if (!job.qos.empty()) {
    Usage& q = qos_usage_[job.qos];
    q.jobs += 1;
    q.gpus += gpus;
    Usage& qu = qos_user_usage_[{job.qos, job.user}];
    qu.jobs += 1;
    qu.gpus += gpus;
  }
  Usage& u = user_usage_[{job.account, job.user}];
  u.jobs += 1;
  u.gpus += gpus;
  int32_t index = tree_.FindAccount(job.account);
  if (index == AccountTree::kNone) return;
  for (int32_t i : tree_.PathToRoot(index)) {
    Usage& a = account_usage_[i];
    a.jobs += 1;
    a.gpus += gpus;
  }
}

std::optional<int64_t> LimitTracker::NearestUserLimit(
    const AccountName& account, std::optional<int64_t> Limits::*field) const {
  int32_t index = tree_.FindAccount(account);
  if (index == AccountTree::kNone) return std::nullopt;
  for (int32_t i : tree_.PathToRoot(index)) {
    const Account* spec = tree_.at(i).spec;
    if (spec != nullptr && (spec->limits.*field).has_value()) return spec->limits.*field;
  }
  return std::nullopt;
}

void LimitTracker::CountSubmitted(const std::vector<const Job*>& pending_in_submit_order) {
  // Running jobs already hold their submit slots.
  std::map<QosName, int64_t> qos_count;
  std::map<std::pair<QosName, UserName>, int64_t> qos_user_count;
  std::map<int32_t, int64_t> account_count;
  std::map<std::pair<AccountName, UserName>, int64_t> user_count;
  for (const auto& [name, usage] : qos_usage_) qos_count[name] = usage.jobs;
  for (const auto& [key, usage] : qos_user_usage_) qos_user_count[key] = usage.jobs;
  for (const auto& [index, usage] : account_usage_) account_count[index] = usage.jobs;
  for (const auto& [key, usage] : user_usage_) user_count[key] = usage.jobs;

  for (const Job* job : pending_in_submit_order) {
    std::optional<PendingReason> reason;
    const Qos* qos = FindQos(job->qos);
    if (qos != nullptr) {
      if (qos->limits.grp_submit_jobs && qos_count[job->qos] >= *qos->limits.grp_submit_jobs) {
        reason = PendingReason::kQosGrpSubmitJobsLimit;
      } else if (qos->limits.max_submit_jobs_per_user &&
                 qos_user_count[{job->qos, job->user}] >=
                     *qos->limits.max_submit_jobs_per_user) {
        reason = PendingReason::kQosMaxSubmitJobsPerUserLimit;
      }
    }
    int32_t index = tree_.FindAccount(job->account);
    if (!reason && index != AccountTree::kNone) {
      auto per_user = NearestUserLimit(job->account, &Limits::max_submit_jobs_per_user);
      if (per_user && user_count[{job->account, job->user}] >= *per_user) {
        reason = PendingReason::kAssocMaxSubmitJobsLimit;
      }
      for (int32_t i : tree_.PathToRoot(index)) {
        if (reason) break;
        const Account* spec = tree_.at(i).spec;
        if (spec != nullptr && spec->limits.grp_submit_jobs &&
            account_count[i] >= *spec->limits.grp_submit_jobs) {
          reason = PendingReason::kAssocGrpSubmitJobsLimit;
        }
      }
    }
    if (reason) {
      submit_blocked_[job] = *reason;
      continue;
    }
    qos_count[job->qos] += 1;
    qos_user_count[{job->qos, job->user}] += 1;
    user_count[{job->account, job->user}] += 1;
    if (index != AccountTree::kNone) {
      for (int32_t i : tree_.PathToRoot(index)) account_count[i] += 1;
    }
  }
}

std::optional<PendingReason> LimitTracker::Check(const Job& job,
                                                 std::optional<Seconds> time_limit) const {
  auto blocked = submit_blocked_.find(&job);
  if (blocked != submit_blocked_.end()) return blocked->second;

  int64_t gpus = JobGpus(job);
  auto usage_of = [](const auto& map, const auto& key) {
    auto it = map.find(key);
    return it == map.end() ? Usage{} : it->second;
  };
  auto over_wall = [&](const std::optional<Seconds>& max_wall) {
    return max_wall.has_value() && (!time_limit.has_value() || *time_limit > *max_wall);
  };

  if (const Qos* qos = FindQos(job.qos); qos != nullptr) {
    const Limits& l = qos->limits;
    Usage q = usage_of(qos_usage_, job.qos);
    Usage qu = usage_of(qos_user_usage_, std::make_pair(job.qos, job.user));
    if (l.grp_jobs && q.jobs + 1 > *l.grp_jobs) return PendingReason::kQosGrpJobsLimit;
    if (l.max_jobs_per_user && qu.jobs + 1 > *l.max_jobs_per_user) {
      return PendingReason::kQosMaxJobsPerUserLimit;
    }
    if (over_wall(l.max_wall)) return PendingReason::kQosMaxWallDurationPerJobLimit;
    if (l.grp_gpus && q.gpus + gpus > *l.grp_gpus) return PendingReason::kQosGrpGres;
    if (l.max_gpus_per_user && qu.gpus + gpus > *l.max_gpus_per_user) {
      return PendingReason::kQosMaxGresPerUser;
    }
  }

  int32_t index = tree_.FindAccount(job.account);
  if (index == AccountTree::kNone) return std::nullopt;
  Usage u = usage_of(user_usage_, std::make_pair(job.account, job.user));
  auto max_jobs = NearestUserLimit(job.account, &Limits::max_jobs_per_user);
  if (max_jobs && u.jobs + 1 > *max_jobs) return PendingReason::kAssocMaxJobsLimit;
  if (over_wall(AccountMaxWall(tree_, job.account))) {
    return PendingReason::kAssocMaxWallDurationPerJobLimit;
  }
  auto max_gpus = NearestUserLimit(job.account, &Limits::max_gpus_per_user);
  if (max_gpus && u.gpus + gpus > *max_gpus) return PendingReason::kAssocGrpGres;
  for (int32_t i : tree_.PathToRoot(index)) {
    const Account* spec = tree_.at(i).spec;
    if (spec == nullptr) continue;
    Usage a = usage_of(account_usage_, i);
    if (spec->limits.grp_jobs && a.jobs + 1 > *spec->limits.grp_jobs) {
      return PendingReason::kAssocGrpJobsLimit;
    }
    if (spec->limits.grp_gpus && a.gpus + gpus > *spec->limits.grp_gpus) {
      return PendingReason::kAssocGrpGres;
    }
  }
  return std::nullopt;
}

}  // namespace fairway::core
