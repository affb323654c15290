#include "core/limits.h"

namespace fairway::core {

int64_t JobGpus(const Job& job) { return job.per_node.gpus * job.node_count; }

QosName EffectiveQosName(const Job& job, const Account* account, bool normal_exists) {
  if (!job.qos.empty()) return job.qos;
  if (account != nullptr && !account->default_qos.empty()) return account->default_qos;
  return normal_exists ? QosName(kDefaultQos) : QosName();
}

LimitTracker::LimitTracker(const AccountTree& tree, const std::vector<Qos>& qos,
                           const std::vector<Job>& running)
    : tree_(tree), inherited_(tree.size()), assoc_usage_(tree.size()) {
  for (const Qos& q : qos) {
    if (qos_index_.emplace(q.name.str(), static_cast<int32_t>(qos_.size())).second) {
      qos_.push_back(&q);
    }
  }
  qos_usage_.resize(qos_.size());
  // Parents before children, so one pass inherits limits downwards.
  for (int32_t index : tree.TopDown()) {
    size_t i = static_cast<size_t>(index);
    const AccountTree::Association& a = tree.at(index);
    InheritedLimits inherited;
    if (a.parent != AccountTree::kNone) inherited = inherited_[static_cast<size_t>(a.parent)];
    if (a.spec != nullptr) {
      const Limits& l = a.spec->limits;
      if (l.max_jobs_per_user) inherited.max_jobs_per_user = l.max_jobs_per_user;
      if (l.max_submit_jobs_per_user) {
        inherited.max_submit_jobs_per_user = l.max_submit_jobs_per_user;
      }
      if (l.max_gpus_per_user) inherited.max_gpus_per_user = l.max_gpus_per_user;
      if (l.max_wall) inherited.max_wall = l.max_wall;
    }
    inherited_[i] = inherited;
  }
  for (const Job& job : running) RecordStart(job, Resolve(job, EffectiveQos(job)));
}

std::optional<int64_t> LimitTracker::UserLimit(
    const JobRef& ref, std::optional<int64_t> UserLimits::*own,
    std::optional<int64_t> InheritedLimits::*inherited) const {
  if (ref.user != AccountTree::kNone) {
    const std::optional<int64_t>& set = tree_.at(ref.user).user_limits.*own;
    if (set.has_value()) return set;
  }
  return inherited_[static_cast<size_t>(ref.account)].*inherited;
}

std::string LimitTracker::QosUserKey(int32_t qos, const UserName& user) {
  return std::to_string(qos) + '/' + user.str();
}

const Qos* LimitTracker::FindQos(const QosName& name) const {
  auto it = qos_index_.find(name.str());
  return it == qos_index_.end() ? nullptr : qos_[static_cast<size_t>(it->second)];
}

QosName LimitTracker::EffectiveQos(const Job& job) const {
  int32_t account = tree_.FindAccount(job.account);
  const Account* spec = account > AccountTree::kRoot ? tree_.at(account).spec : nullptr;
  return EffectiveQosName(job, spec, qos_index_.count(std::string(kDefaultQos)) > 0);
}

JobRef LimitTracker::Resolve(const Job& job, const QosName& qos_name) const {
  JobRef ref;
  ref.account = tree_.FindAccount(job.account);
  ref.user = tree_.FindUser(job.account, job.user);
  if (!qos_name.empty()) {
    auto it = qos_index_.find(qos_name.str());
    if (it != qos_index_.end()) ref.qos = it->second;
  }
  return ref;
}

void LimitTracker::RecordStart(const Job& job, const JobRef& ref) { Add(job, ref, 1); }

void LimitTracker::RecordEnd(const Job& job, const JobRef& ref) { Add(job, ref, -1); }

void LimitTracker::Add(const Job& job, const JobRef& ref, int64_t sign) {
  int64_t gpus = JobGpus(job) * sign;
  auto add = [&](Usage& u) {
    u.jobs += sign;
    u.gpus += gpus;
  };
  if (ref.qos >= 0) {
    add(qos_usage_[static_cast<size_t>(ref.qos)]);
    add(qos_user_usage_[QosUserKey(ref.qos, job.user)]);
  }
  if (ref.user != AccountTree::kNone) add(assoc_usage_[static_cast<size_t>(ref.user)]);
  if (ref.account == AccountTree::kNone) return;
  for (int32_t i = ref.account; i != AccountTree::kNone; i = tree_.at(i).parent) {
    add(assoc_usage_[static_cast<size_t>(i)]);
  }
}

void LimitTracker::CountSubmitted(const std::vector<Submitted>& pending_in_submit_order) {
  // Running jobs already hold their submit slots; copy their counts.
  std::vector<int64_t> qos_count(qos_usage_.size());
  for (size_t i = 0; i < qos_usage_.size(); ++i) qos_count[i] = qos_usage_[i].jobs;
  std::unordered_map<std::string, int64_t> qos_user_count;
  for (const auto& [key, usage] : qos_user_usage_) qos_user_count[key] = usage.jobs;
  std::vector<int64_t> assoc_count(assoc_usage_.size());
  for (size_t i = 0; i < assoc_usage_.size(); ++i) assoc_count[i] = assoc_usage_[i].jobs;

  for (const Submitted& s : pending_in_submit_order) {
    const Job& job = *s.job;
    const JobRef& ref = s.ref;
    const int64_t w = s.weight;
    std::optional<PendingReason> reason;
    std::string qos_user_key;
    if (ref.qos >= 0) {
      const Limits& l = qos(ref.qos).limits;
      if (l.grp_submit_jobs && qos_count[static_cast<size_t>(ref.qos)] + w > *l.grp_submit_jobs) {
        reason = PendingReason::kQosGrpSubmitJobsLimit;
      } else if (l.max_submit_jobs_per_user) {
        qos_user_key = QosUserKey(ref.qos, job.user);
        if (qos_user_count[qos_user_key] + w > *l.max_submit_jobs_per_user) {
          reason = PendingReason::kQosMaxSubmitJobsPerUserLimit;
        }
      }
    }
    if (!reason && ref.account != AccountTree::kNone) {
      const std::optional<int64_t> per_user =
          UserLimit(ref, &UserLimits::max_submit_jobs, &InheritedLimits::max_submit_jobs_per_user);
      if (per_user && ref.user != AccountTree::kNone &&
          assoc_count[static_cast<size_t>(ref.user)] + w > *per_user) {
        reason = PendingReason::kAssocMaxSubmitJobsLimit;
      }
      for (int32_t i = ref.account; !reason && i != AccountTree::kNone; i = tree_.at(i).parent) {
        const Account* spec = tree_.at(i).spec;
        if (spec != nullptr && spec->limits.grp_submit_jobs &&
            assoc_count[static_cast<size_t>(i)] + w > *spec->limits.grp_submit_jobs) {
          reason = PendingReason::kAssocGrpSubmitJobsLimit;
        }
      }
    }
    if (reason) {
      if (submit_blocked_.size() <= s.slot) submit_blocked_.resize(s.slot + 1);
      submit_blocked_[s.slot] = reason;
      continue;
    }
    if (ref.qos >= 0) {
      qos_count[static_cast<size_t>(ref.qos)] += w;
      if (!qos_user_key.empty()) qos_user_count[qos_user_key] += w;
    }
    if (ref.user != AccountTree::kNone) assoc_count[static_cast<size_t>(ref.user)] += w;
    for (int32_t i = ref.account; i != AccountTree::kNone && ref.account != AccountTree::kNone;
         i = tree_.at(i).parent) {
      assoc_count[static_cast<size_t>(i)] += w;
    }
  }
}

std::optional<PendingReason> LimitTracker::Check(const Job& job, const JobRef& ref,
                                                 std::optional<Seconds> time_limit,
                                                 size_t slot) const {
  if (slot < submit_blocked_.size() && submit_blocked_[slot].has_value()) {
    return submit_blocked_[slot];
  }
  int64_t gpus = JobGpus(job);
  auto over_wall = [&](const std::optional<Seconds>& max_wall) {
    return max_wall.has_value() && (!time_limit.has_value() || *time_limit > *max_wall);
  };

  if (ref.qos >= 0) {
    const Limits& l = qos(ref.qos).limits;
    const Usage& q = qos_usage_[static_cast<size_t>(ref.qos)];
    Usage qu;  // this user's jobs in the QoS, looked up only when a per-user limit is set
    if (l.max_jobs_per_user || l.max_gpus_per_user) {
      auto it = qos_user_usage_.find(QosUserKey(ref.qos, job.user));
      if (it != qos_user_usage_.end()) qu = it->second;
    }
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

  if (ref.account == AccountTree::kNone) return std::nullopt;
  const InheritedLimits& inherited = inherited_[static_cast<size_t>(ref.account)];
  Usage u;
  if (ref.user != AccountTree::kNone) u = assoc_usage_[static_cast<size_t>(ref.user)];
  const std::optional<int64_t> max_jobs =
      UserLimit(ref, &UserLimits::max_jobs, &InheritedLimits::max_jobs_per_user);
  if (max_jobs && u.jobs + 1 > *max_jobs) return PendingReason::kAssocMaxJobsLimit;
  if (over_wall(inherited.max_wall)) return PendingReason::kAssocMaxWallDurationPerJobLimit;
  const std::optional<int64_t> user_gpus =
      UserLimit(ref, &UserLimits::grp_gpus, &InheritedLimits::max_gpus_per_user);
  if (user_gpus && u.gpus + gpus > *user_gpus) return PendingReason::kAssocGrpGres;
  for (int32_t i = ref.account; i != AccountTree::kNone; i = tree_.at(i).parent) {
    const Account* spec = tree_.at(i).spec;
    if (spec == nullptr) continue;
    const Usage& a = assoc_usage_[static_cast<size_t>(i)];
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
