#include "api/qos_types.h"

#include <limits>
#include <set>
#include <utility>

#include "api/internal/parse_util.h"
#include "common/status_macros.h"

namespace fairway::api {

using json_fields::Find;
using json_fields::Index;
using json_fields::Join;
using nlohmann::json;

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
// Far above any sensible multiplier; keeps usage arithmetic finite.
constexpr double kMaxUsageFactor = 1e6;

}  // namespace

StatusOr<QosSpec> QosSpecFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  QosSpec s;
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "priority", path, 0, kMaxQosPriority, &s.priority));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "preempt", path, &s.preempt));
  std::set<std::string_view> seen;
  for (size_t i = 0; i < s.preempt.size(); ++i) {
    std::string item = Index(Join(path, "preempt"), i);
    if (!json_fields::IsDns1123Subdomain(s.preempt[i])) {
      return InvalidArgumentError("invalid QoS name " + internal::Quote(s.preempt[i]), item);
    }
    if (!seen.insert(s.preempt[i]).second) {
      return InvalidArgumentError("duplicate QoS name " + internal::Quote(s.preempt[i]), item);
    }
  }
  std::string mode;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "preemptMode", path, &mode));
  if (!mode.empty()) {
    std::optional<core::PreemptMode> m = ParsePreemptMode(mode);
    if (!m || *m == core::PreemptMode::kOff) {
      return InvalidArgumentError("must be CANCEL or REQUEUE; got " + internal::Quote(mode),
                                  Join(path, "preemptMode"));
    }
    s.preempt_mode = *m;
  }
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "gracePeriod", path, 0, kMaxGracePeriodSeconds, &s.grace_period_s));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetDouble(j, "usageFactor", path, 0, kMaxUsageFactor, &s.usage_factor));
  if (const json* l = Find(j, "limits")) {
    FAIRWAY_ASSIGN_OR_RETURN(s.limits, LimitsFromJson(*l, Join(path, "limits")));
  }
  return s;
}

StatusOr<QosStatus> QosStatusFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  QosStatus s;
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "runningJobs", path, 0, kInt64Max, &s.running_jobs));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "runningGPUs", path, 0, kInt64Max, &s.running_gpus));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "pendingJobs", path, 0, kInt64Max, &s.pending_jobs));
  FAIRWAY_RETURN_IF_ERROR(ConditionsFromJson(j, path, &s.conditions));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetInt64(j, "observedGeneration", path, 0, kInt64Max, &s.observed_generation));
  return s;
}

StatusOr<QosObject> QosFromJson(const json& j) {
  return DecodeObject<QosObject>(
      j, kQosKind, "a QoS", [](const json& s) { return QosSpecFromJson(s); },
      [](const json& s) { return QosStatusFromJson(s); });
}

json ToJson(const QosSpec& s) {
  json j = json::object();
  j["priority"] = s.priority;
  if (!s.preempt.empty()) {
    j["preempt"] = s.preempt;
  }
  j["preemptMode"] = std::string(core::PreemptModeName(s.preempt_mode));
  j["gracePeriod"] = s.grace_period_s;
  j["usageFactor"] = s.usage_factor;
  j["limits"] = ToJson(s.limits);
  return j;
}

json ToJson(const QosStatus& s) {
  json j = json::object();
  j["runningJobs"] = s.running_jobs;
  j["runningGPUs"] = s.running_gpus;
  j["pendingJobs"] = s.pending_jobs;
  PutConditionsAndGeneration(s.conditions, s.observed_generation, &j);
  return j;
}

json ToJson(const QosObject& q) { return EncodeObject(q, kQosKind); }

StatusOr<core::Qos> ToCoreQos(const QosObject& q) {
  if (q.meta.name.empty()) {
    return InvalidArgumentError("is required", "metadata.name");
  }
  core::Qos out;
  out.name = core::QosName(q.meta.name);
  out.priority = static_cast<uint32_t>(q.spec.priority);
  for (const std::string& p : q.spec.preempt) {
    out.preempt.emplace_back(p);
  }
  out.preempt_mode = q.spec.preempt_mode;
  out.grace_period = core::Seconds(q.spec.grace_period_s);
  out.usage_factor = q.spec.usage_factor;
  FAIRWAY_ASSIGN_OR_RETURN(out.limits, ToCoreLimits(q.spec.limits, "spec.limits"));
  return out;
}

}  // namespace fairway::api
