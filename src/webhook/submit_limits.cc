#include "webhook/submit_limits.h"

#include <functional>
#include <set>

#include "webhook/job_access.h"
#include "webhook/job_defaults.h"

namespace fairway::webhook {
namespace {

using internal::MaybeViolation;
using internal::Quote;
using JobGroup = ClusterView::JobGroup;

int64_t CountJobs(const std::vector<SubmittedJob>& jobs,
                  const std::function<bool(const SubmittedJob&)>& keep) {
  int64_t n = 0;
  for (const SubmittedJob& j : jobs) {
    if (keep(j)) n += j.count;
  }
  return n;
}

internal::Violation Refusal(std::string_view reason, const std::string& what, int64_t held,
                            int64_t adding, const std::string& limit_field, int64_t limit) {
  return internal::Forbidden("", internal::kAccountingPolicy,
                             std::string(reason) + ": " + what + " has " + std::to_string(held) +
                                 " jobs pending or running, this adds " + std::to_string(adding) +
                                 "; " + limit_field + " is " + std::to_string(limit));
}

// The account chain from `name` up to the root (a broken or cyclic chain ends it).
std::vector<api::AccountObject> Ancestry(const ClusterView& view, const std::string& name) {
  std::vector<api::AccountObject> chain;
  std::set<std::string> seen;
  for (std::string current = name; !current.empty() && seen.insert(current).second;) {
    std::optional<api::AccountObject> a = view.GetAccount(current);
    if (!a) break;
    current = a->spec.parent;
    chain.push_back(std::move(*a));
  }
  return chain;
}

MaybeViolation CheckQos(const api::JobSpec& spec, const std::string& qos_name, int64_t adding,
                        const ClusterView& view) {
  std::optional<api::QosObject> qos = view.GetQos(qos_name);
  if (!qos) return std::nullopt;
  const api::LimitsSpec& l = qos->spec.limits;
  if (l.grp_submit_jobs) {
    int64_t held = CountJobs(view.UnfinishedJobs(JobGroup::kQos, qos_name),
                             [](const SubmittedJob&) { return true; });
    if (held + adding > *l.grp_submit_jobs) {
      return Refusal("QOSGrpSubmitJobsLimit", "QoS " + Quote(qos_name), held, adding,
                     "its limits.grpSubmitJobs", *l.grp_submit_jobs);
    }
  }
  if (l.max_submit_jobs_per_user && !spec.user.empty()) {
    int64_t held = CountJobs(view.UnfinishedJobs(JobGroup::kUser, spec.user),
                             [&](const SubmittedJob& j) { return j.qos == qos_name; });
    if (held + adding > *l.max_submit_jobs_per_user) {
      return Refusal("QOSMaxSubmitJobPerUserLimit",
                     "user " + Quote(spec.user) + " in QoS " + Quote(qos_name), held, adding,
                     "its limits.maxSubmitJobsPerUser", *l.max_submit_jobs_per_user);
    }
  }
  return std::nullopt;
}

// The user's MaxSubmitJobs in the account: its own, else the nearest account's per-user limit.
MaybeViolation CheckUserAssociation(const api::JobSpec& spec,
                                    const std::vector<api::AccountObject>& chain, int64_t adding,
                                    const ClusterView& view) {
  if (spec.user.empty()) return std::nullopt;
  std::optional<int64_t> limit;
  std::string field;
  auto own = chain.front().spec.user_limits.find(spec.user);
  if (own != chain.front().spec.user_limits.end() && own->second.max_submit_jobs) {
    limit = own->second.max_submit_jobs;
    field = "Account " + Quote(spec.account) + " spec.userLimits." + spec.user + ".maxSubmitJobs";
  }
  for (size_t i = 0; !limit && i < chain.size(); ++i) {
    if (chain[i].spec.limits.max_submit_jobs_per_user) {
      limit = chain[i].spec.limits.max_submit_jobs_per_user;
      field = "Account " + Quote(chain[i].meta.name) + " spec.limits.maxSubmitJobsPerUser";
    }
  }
  if (!limit) return std::nullopt;
  int64_t held = CountJobs(view.UnfinishedJobs(JobGroup::kUser, spec.user),
                           [&](const SubmittedJob& j) { return j.account == spec.account; });
  if (held + adding <= *limit) return std::nullopt;
  return Refusal("AssocMaxSubmitJobLimit",
                 "user " + Quote(spec.user) + " in account " + Quote(spec.account), held, adding,
                 field, *limit);
}

// GrpSubmitJobs of every account in the chain, over the jobs of its whole subtree.
MaybeViolation CheckAccountGroups(const std::vector<api::AccountObject>& chain, int64_t adding,
                                  const ClusterView& view) {
  std::vector<api::AccountObject> all;
  for (const api::AccountObject& a : chain) {
    if (!a.spec.limits.grp_submit_jobs) continue;
    if (all.empty()) all = view.ListAccounts();
    int64_t held = 0;
    for (const api::AccountObject& b : all) {
      if (!AccountWithin(view, b.meta.name, a.meta.name)) continue;
      held += CountJobs(view.UnfinishedJobs(JobGroup::kAccount, b.meta.name),
                        [](const SubmittedJob&) { return true; });
    }
    if (held + adding > *a.spec.limits.grp_submit_jobs) {
      return Refusal("AssocGrpSubmitJobsLimit", "account " + Quote(a.meta.name), held, adding,
                     "its spec.limits.grpSubmitJobs", *a.spec.limits.grp_submit_jobs);
    }
  }
  return std::nullopt;
}

}  // namespace

MaybeViolation CheckSubmitLimits(const api::JobSpec& spec, const ClusterView& view) {
  std::vector<api::AccountObject> chain = Ancestry(view, spec.account);
  const int64_t adding = SubmittedCount(spec.array);
  const std::string qos_name =
      !spec.qos.empty()
          ? spec.qos
          : DefaultQos(view, chain.empty() ? std::nullopt
                                           : std::optional<api::AccountObject>(chain.front()));
  if (!qos_name.empty()) {
    if (MaybeViolation v = CheckQos(spec, qos_name, adding, view)) return v;
  }
  if (chain.empty()) return std::nullopt;
  if (MaybeViolation v = CheckUserAssociation(spec, chain, adding, view)) return v;
  return CheckAccountGroups(chain, adding, view);
}

}  // namespace fairway::webhook
