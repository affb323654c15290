#include "webhook/job_dependencies.h"

#include <charconv>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "api/array_spec.h"
#include "api/dependency.h"

namespace fairway::webhook {

using internal::Invalid;
using internal::MaybeViolation;
using internal::Quote;

namespace {

std::optional<uint64_t> ParseId(std::string_view text) {
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return id;
}

// The Job a target names, or nullopt. *detail says why when it is missing.
std::optional<api::JobObject> Resolve(const api::DependencyTarget& target, const std::string& ns,
                                      const ClusterView& view, std::string* detail) {
  using Kind = api::DependencyTarget::Kind;
  if (target.kind == Kind::kJobName) {
    std::optional<api::JobObject> j = view.GetJob(ns, target.ref);
    if (!j) *detail = "no Job " + Quote(target.ref) + " in namespace " + Quote(ns);
    return j;
  }
  std::string_view ref = target.ref;
  std::optional<uint32_t> index;
  if (target.kind == Kind::kArrayTask) {
    size_t underscore = ref.find('_');
    std::optional<uint64_t> i = ParseId(ref.substr(underscore + 1));
    if (i && *i <= UINT32_MAX) index = static_cast<uint32_t>(*i);
    ref = ref.substr(0, underscore);
  }
  std::optional<uint64_t> id = ParseId(ref);
  std::optional<api::JobObject> j;
  if (id) j = view.GetJobById(ns, *id);
  if (!j) {
    *detail = "no job with jobID " + std::string(ref) + " in namespace " + Quote(ns);
    return j;
  }
  if (target.kind == Kind::kArrayTask) {
    StatusOr<api::ArraySpec> array = api::ParseArraySpec(j->spec.array, api::kMaxMaxArraySize);
    if (j->spec.array.empty() || !array.ok() || !index || !array->Contains(*index)) {
      *detail = "job " + std::string(ref) + " has no array task " + Quote(target.ref);
      return std::nullopt;
    }
  }
  return j;
}

bool IsSelf(const api::JobObject& candidate, const api::JobObject& job) {
  return candidate.meta.name == job.meta.name;
}

// Jobs a job's dependency names (missing targets are skipped).
std::vector<api::JobObject> Targets(const api::JobObject& job, const std::string& ns,
                                    const ClusterView& view) {
  std::vector<api::JobObject> out;
  StatusOr<api::DependencySpec> spec = api::ParseDependency(job.spec.dependency);
  if (job.spec.dependency.empty() || !spec.ok()) return out;
  for (const api::DependencyItem& item : spec->items) {
    for (const api::DependencyTarget& t : item.targets) {
      std::string unused;
      if (std::optional<api::JobObject> j = Resolve(t, ns, view, &unused)) {
        out.push_back(std::move(*j));
      }
    }
  }
  return out;
}

// Breadth-first from the job's own targets; returns the path "a -> b -> a" of a cycle, or "".
std::string FindCycle(const api::JobObject& job, const std::vector<api::JobObject>& first,
                      const std::string& ns, const ClusterView& view) {
  std::map<std::string, std::string> parent;  // job name -> the name that led to it
  std::deque<api::JobObject> queue(first.begin(), first.end());
  for (const api::JobObject& j : first) parent.emplace(j.meta.name, job.meta.name);
  size_t visited = 0;
  while (!queue.empty() && visited++ < kMaxDependencyWalk) {
    api::JobObject current = std::move(queue.front());
    queue.pop_front();
    if (current.status.state.has_value() && core::IsTerminal(*current.status.state)) continue;
    for (api::JobObject& next : Targets(current, ns, view)) {
      if (IsSelf(next, job)) {
        std::string path = job.meta.name;
        for (std::string n = current.meta.name; n != job.meta.name; n = parent[n]) {
          path = n + " -> " + path;
        }
        return job.meta.name + " -> " + path;
      }
      if (parent.emplace(next.meta.name, current.meta.name).second) {
        queue.push_back(std::move(next));
      }
    }
  }
  return "";
}

}  // namespace

MaybeViolation CheckDependencies(const api::JobObject& job, const std::string& ns,
                                 const ClusterView& view) {
  if (job.spec.dependency.empty()) return std::nullopt;
  StatusOr<api::DependencySpec> spec = api::ParseDependency(job.spec.dependency);
  if (!spec.ok()) {
    return Invalid("spec.dependency", internal::kDependency, spec.status().message());
  }
  std::vector<api::JobObject> targets;
  for (const api::DependencyItem& item : spec->items) {
    for (const api::DependencyTarget& t : item.targets) {
      bool self_id = t.kind != api::DependencyTarget::Kind::kJobName && job.status.job_id != 0 &&
                     (t.ref == std::to_string(job.status.job_id) ||
                      t.ref.rfind(std::to_string(job.status.job_id) + "_", 0) == 0);
      if ((t.kind == api::DependencyTarget::Kind::kJobName && t.ref == job.meta.name) || self_id) {
        return Invalid("spec.dependency", internal::kDependency,
                       "a job cannot depend on itself (" + Quote(t.ref) + ")");
      }
      std::string detail;
      std::optional<api::JobObject> target = Resolve(t, ns, view, &detail);
      if (!target) return Invalid("spec.dependency", internal::kDependency, detail);
      if (IsSelf(*target, job)) {
        return Invalid("spec.dependency", internal::kDependency,
                       "a job cannot depend on itself (" + Quote(t.ref) + ")");
      }
      targets.push_back(std::move(*target));
    }
  }
  std::string cycle = FindCycle(job, targets, ns, view);
  if (!cycle.empty()) {
    return Invalid("spec.dependency", internal::kDependency,
                   std::string(internal::kCircularDependency) + ": " + cycle);
  }
  return std::nullopt;
}

}  // namespace fairway::webhook
