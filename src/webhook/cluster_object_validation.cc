#include "webhook/cluster_object_validation.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/account_types.h"
#include "api/partition_types.h"
#include "api/qos_types.h"
#include "webhook/identity.h"
#include "webhook/internal/violation.h"
#include "webhook/job_defaults.h"

namespace fairway::webhook {

using internal::Forbidden;
using internal::Invalid;
using internal::MaybeViolation;
using internal::Quote;
using Warnings = std::vector<std::string>;

namespace {

constexpr size_t kMaxLabelValue = 63;

std::string Index(const std::string& field, size_t i) {
  return field + "[" + std::to_string(i) + "]";
}

MaybeViolation DecodeViolation(const Status& s) { return internal::Plain(s.field(), s.message()); }

// Account and Partition names become pod label values (fairway.dev/account, .../partition).
MaybeViolation CheckLabelName(const std::string& name, const std::string& label) {
  if (name.size() <= kMaxLabelValue) return std::nullopt;
  return internal::Plain(
      "metadata.name", "must be no more than 63 characters (it has " + std::to_string(name.size()) +
                           "; the name is the value of the " + label +
                           " label on job pods, and Kubernetes label values are limited to 63 "
                           "characters)");
}

void WarnMissingQos(const ClusterView& view, const std::string& name, const std::string& field,
                    Warnings* warnings) {
  if (!view.GetQos(name).has_value()) {
    warnings->push_back(field + ": no QoS " + Quote(name) + " exists (yet)");
  }
}

void WarnMissingQos(const ClusterView& view, const std::vector<std::string>& names,
                    const std::string& field, Warnings* warnings) {
  for (size_t i = 0; i < names.size(); ++i)
    WarnMissingQos(view, names[i], Index(field, i), warnings);
}

void WarnMissingAccounts(const ClusterView& view, const std::vector<std::string>& names,
                         const std::string& field, Warnings* warnings) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (!view.GetAccount(names[i]).has_value()) {
      warnings->push_back(Index(field, i) + ": no Account " + Quote(names[i]) + " exists (yet)");
    }
  }
}

// spec.parent exists, is not the account itself, and its chain of parents never comes back.
MaybeViolation CheckParent(const std::string& name, const std::string& parent,
                           const ClusterView& view) {
  if (parent.empty()) return std::nullopt;
  if (parent == name) {
    return Invalid("spec.parent", internal::kInvalidParentAccount,
                   "an account cannot be its own parent");
  }
  std::string path = name + " -> " + parent;
  std::set<std::string> seen = {name};
  for (std::string current = parent; !current.empty() && seen.insert(current).second;) {
    std::optional<api::AccountObject> a = view.GetAccount(current);
    if (!a.has_value()) {
      if (current != parent) return std::nullopt;  // a broken chain further up is not ours
      return Invalid("spec.parent", internal::kInvalidParentAccount, "no Account " + Quote(parent));
    }
    current = a->spec.parent;
    if (current.empty()) break;
    path += " -> " + current;
    if (current == name) {
      return Invalid("spec.parent", internal::kInvalidParentAccount, path + " would form a cycle");
    }
  }
  return std::nullopt;
}

// A user has one default account (Slurm's DefaultAccount).
MaybeViolation CheckDefaultFor(const std::string& name, const api::AccountSpec& spec,
                               const ClusterView& view) {
  if (spec.default_for.empty()) return std::nullopt;
  for (const api::AccountObject& other : view.ListAccounts()) {
    if (other.meta.name == name) continue;
    for (size_t i = 0; i < spec.default_for.size(); ++i) {
      const std::vector<std::string>& d = other.spec.default_for;
      if (std::find(d.begin(), d.end(), spec.default_for[i]) != d.end()) {
        return internal::Plain(Index("spec.defaultFor", i),
                               "user " + Quote(spec.default_for[i]) +
                                   " already has a default account: " + Quote(other.meta.name) +
                                   " names the user in its spec.defaultFor");
      }
    }
  }
  return std::nullopt;
}

MaybeViolation ValidateAccount(const AdmissionRequest& request, const ClusterView& view,
                               Warnings* warnings) {
  StatusOr<api::AccountObject> account = api::AccountFromJson(request.object);
  if (!account.ok()) return DecodeViolation(account.status());
  std::string name = account->meta.name.empty() ? request.name : account->meta.name;
  if (MaybeViolation v = CheckLabelName(name, "fairway.dev/account")) return v;
  if (MaybeViolation v = CheckParent(name, account->spec.parent, view)) return v;
  if (MaybeViolation v = CheckDefaultFor(name, account->spec, view)) return v;
  if (!account->spec.default_qos.empty()) {
    WarnMissingQos(view, account->spec.default_qos, "spec.defaultQos", warnings);
  }
  WarnMissingQos(view, account->spec.allowed_qos, "spec.allowedQos", warnings);
  return std::nullopt;
}

MaybeViolation ValidatePartition(const AdmissionRequest& request, const ClusterView& view,
                                 Warnings* warnings) {
  StatusOr<api::PartitionObject> partition = api::PartitionFromJson(request.object);
  if (!partition.ok()) return DecodeViolation(partition.status());
  const api::PartitionSpec& spec = partition->spec;
  std::string name = partition->meta.name.empty() ? request.name : partition->meta.name;
  if (MaybeViolation v = CheckLabelName(name, "fairway.dev/partition")) return v;
  std::optional<core::Seconds> max = TimeLimitOrUnlimited(spec.max_time);
  if (!spec.default_time.empty() && max.has_value()) {
    std::optional<core::Seconds> def = TimeLimitOrUnlimited(spec.default_time);
    if (!def.has_value() || *def > *max) {
      return internal::Plain("spec.defaultTime", "must not exceed spec.maxTime (" +
                                                     Quote(spec.default_time) + " > " +
                                                     Quote(spec.max_time) + ")");
    }
  }
  WarnMissingAccounts(view, spec.allow_accounts, "spec.allowAccounts", warnings);
  WarnMissingAccounts(view, spec.deny_accounts, "spec.denyAccounts", warnings);
  WarnMissingQos(view, spec.allow_qos, "spec.allowQos", warnings);
  if (spec.is_default) {
    for (const api::PartitionObject& other : view.ListPartitions()) {
      if (other.meta.name != name && other.spec.is_default) {
        warnings->push_back("spec.default: partition " + Quote(other.meta.name) +
                            " is the default too; jobs without a partition go to the first by "
                            "name");
      }
    }
  }
  return std::nullopt;
}

// Breadth-first through the preempt lists; the path back to `name`, or "".
std::string PreemptionLoop(const std::string& name, const std::vector<std::string>& preempt,
                           const ClusterView& view) {
  std::map<std::string, std::string> parent;
  std::deque<std::string> queue;
  for (const std::string& p : preempt) {
    if (parent.emplace(p, name).second) queue.push_back(p);
  }
  while (!queue.empty()) {
    std::string current = queue.front();
    queue.pop_front();
    std::optional<api::QosObject> q = view.GetQos(current);
    if (!q.has_value()) continue;
    for (const std::string& next : q->spec.preempt) {
      if (next == name) {
        std::string path = name;
        for (std::string n = current; n != name; n = parent[n]) path = n + " -> " + path;
        return name + " -> " + path;
      }
      if (parent.emplace(next, current).second) queue.push_back(next);
    }
  }
  return "";
}

MaybeViolation ValidateQos(const AdmissionRequest& request, const ClusterView& view,
                           Warnings* warnings) {
  StatusOr<api::QosObject> qos = api::QosFromJson(request.object);
  if (!qos.ok()) return DecodeViolation(qos.status());
  std::string name = qos->meta.name.empty() ? request.name : qos->meta.name;
  const std::vector<std::string>& preempt = qos->spec.preempt;
  for (size_t i = 0; i < preempt.size(); ++i) {
    if (preempt[i] == name) {
      return Invalid(Index("spec.preempt", i), internal::kQosPreemptionLoop,
                     "a QoS cannot preempt itself");
    }
  }
  std::string loop = PreemptionLoop(name, preempt, view);
  if (!loop.empty()) return Invalid("spec.preempt", internal::kQosPreemptionLoop, loop);
  WarnMissingQos(view, preempt, "spec.preempt", warnings);
  return std::nullopt;
}

void WarnDeletedParent(const std::string& name, const ClusterView& view, Warnings* warnings) {
  for (const api::AccountObject& a : view.ListAccounts()) {
    if (a.spec.parent == name) {
      warnings->push_back("account " + Quote(a.meta.name) + " names " + Quote(name) +
                          " as its parent; it is placed under the root until that is fixed");
    }
  }
}

}  // namespace

AdmissionResponse ValidateClusterObject(const AdmissionRequest& request, const ClusterView& view,
                                        const config::AdmissionSettings& settings) {
  if (!request.sub_resource.empty() || request.operation == Operation::kConnect) {
    return Allow(request.uid);
  }
  const std::string& resource = request.resource.resource;
  if (!IsAdmin(request.user, settings)) {
    return internal::DenyFor(request.uid,
                             Forbidden("", internal::kAccessDenied,
                                       "only admins may create, change or delete " + resource));
  }
  Warnings warnings;
  MaybeViolation v;
  if (request.operation == Operation::kDelete) {
    if (resource == "accounts") {
      WarnDeletedParent(request.name, view, &warnings);
    }
  } else if (resource == "accounts") {
    v = ValidateAccount(request, view, &warnings);
  } else if (resource == "partitions") {
    v = ValidatePartition(request, view, &warnings);
  } else if (resource == "qoses") {
    v = ValidateQos(request, view, &warnings);
  } else {
    v = internal::Plain("", "this webhook admits fairway.dev accounts, partitions and qoses; got " +
                                Quote(resource));
  }
  if (v) return internal::DenyFor(request.uid, *v);
  AdmissionResponse response = Allow(request.uid);
  response.warnings = std::move(warnings);
  return response;
}

}  // namespace fairway::webhook
