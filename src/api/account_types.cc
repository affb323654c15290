#include "api/account_types.h"

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
constexpr double kMaxUsage = 1e300;

Status CheckName(const std::string& value, const std::string& field) {
  if (!value.empty() && !json_fields::IsDns1123Subdomain(value)) {
    return InvalidArgumentError(
        "must be a lower-case DNS-1123 name (a-z, 0-9, '-', '.'); got " + internal::Quote(value),
        field);
  }
  return OkStatus();
}

Status CheckNameList(const std::vector<std::string>& names, const std::string& field,
                     bool (*valid)(std::string_view)) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!valid(names[i])) {
      return InvalidArgumentError("invalid name " + internal::Quote(names[i]), Index(field, i));
    }
    if (!seen.insert(names[i]).second) {
      return InvalidArgumentError("duplicate name " + internal::Quote(names[i]), Index(field, i));
    }
  }
  return OkStatus();
}

// A map of name -> number (status.userUsage, status.userFairShare).
Status GetNumberMap(const json& obj, std::string_view key, const std::string& path, double max,
                    std::map<std::string, double>* out) {
  const json* v = Find(obj, key);
  if (v == nullptr) {
    return OkStatus();
  }
  std::string field = Join(path, key);
  if (!v->is_object()) {
    return InvalidArgumentError("must be a map of user name to number", field);
  }
  std::map<std::string, double> values;
  for (const auto& [name, value] : v->items()) {
    FAIRWAY_ASSIGN_OR_RETURN(double d, json_fields::AsDouble(value, Join(field, name), 0, max));
    values.emplace(name, d);
  }
  *out = std::move(values);
  return OkStatus();
}

// A map of name -> RFC 3339 timestamp (status.charged).
Status GetTimestampMap(const json& obj, std::string_view key, const std::string& path,
                       std::map<std::string, core::Timestamp>* out) {
  const json* v = Find(obj, key);
  if (v == nullptr) {
    return OkStatus();
  }
  std::string field = Join(path, key);
  if (!v->is_object()) {
    return InvalidArgumentError("must be a map of run to RFC 3339 timestamp", field);
  }
  std::map<std::string, core::Timestamp> values;
  for (const auto& [name, value] : v->items()) {
    std::optional<core::Timestamp> t;
    FAIRWAY_RETURN_IF_ERROR(json_fields::GetTimestamp(*v, name, field, &t));
    if (t.has_value()) {
      values.emplace(name, *t);
    }
  }
  *out = std::move(values);
  return OkStatus();
}

// spec.userLimits: user -> {maxJobs, maxSubmitJobs, grpGPUs}; users must be listed.
Status GetUserLimits(const json& obj, const std::string& path,
                     const std::vector<std::string>& users,
                     std::map<std::string, UserLimitsSpec>* out) {
  const json* v = Find(obj, "userLimits");
  if (v == nullptr) {
    return OkStatus();
  }
  std::string field = Join(path, "userLimits");
  if (!v->is_object()) {
    return InvalidArgumentError("must be a map of user name to limits", field);
  }
  std::set<std::string_view> members(users.begin(), users.end());
  for (const auto& [name, value] : v->items()) {
    std::string item = Join(field, name);
    if (members.count(name) == 0) {
      return InvalidArgumentError(
          "user " + internal::Quote(name) + " is not listed in " + Join(path, "users"), item);
    }
    FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(value, item));
    UserLimitsSpec limits;
    FAIRWAY_RETURN_IF_ERROR(GetLimit(value, "maxJobs", item, &limits.max_jobs));
    FAIRWAY_RETURN_IF_ERROR(GetLimit(value, "maxSubmitJobs", item, &limits.max_submit_jobs));
    FAIRWAY_RETURN_IF_ERROR(GetLimit(value, "grpGPUs", item, &limits.grp_gpus));
    out->emplace(name, limits);
  }
  return OkStatus();
}

json ToJson(const UserLimitsSpec& l) {
  json j = json::object();
  auto put = [&j](const char* key, const std::optional<int64_t>& v) {
    if (v) {
      j[key] = *v;
    }
  };
  put("maxJobs", l.max_jobs);
  put("maxSubmitJobs", l.max_submit_jobs);
  put("grpGPUs", l.grp_gpus);
  return j;
}

}  // namespace

StatusOr<AccountSpec> AccountSpecFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  AccountSpec s;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "parent", path, &s.parent));
  FAIRWAY_RETURN_IF_ERROR(CheckName(s.parent, Join(path, "parent")));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "shares", path, 0, kMaxShares, &s.shares));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "users", path, &s.users));
  FAIRWAY_RETURN_IF_ERROR(
      CheckNameList(s.users, Join(path, "users"), &json_fields::IsValidSubjectName));
  if (const json* us = Find(j, "userShares")) {
    std::string field = Join(path, "userShares");
    if (!us->is_object()) {
      return InvalidArgumentError("must be a map of user name to shares or \"parent\"", field);
    }
    std::set<std::string_view> members(s.users.begin(), s.users.end());
    for (const auto& [name, value] : us->items()) {
      std::string item = Join(field, name);
      if (members.count(name) == 0) {
        return InvalidArgumentError(
            "user " + internal::Quote(name) + " is not listed in " + Join(path, "users"), item);
      }
      UserShares shares;
      if (value.is_string()) {
        if (value.get_ref<const std::string&>() != "parent") {
          return InvalidArgumentError("must be a share count or \"parent\"", item);
        }
        shares.parent = true;
      } else {
        FAIRWAY_ASSIGN_OR_RETURN(shares.shares, json_fields::AsInt64(value, item, 0, kMaxShares));
      }
      s.user_shares.emplace(name, shares);
    }
  }
  FAIRWAY_RETURN_IF_ERROR(GetUserLimits(j, path, s.users, &s.user_limits));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "groups", path, &s.groups));
  FAIRWAY_RETURN_IF_ERROR(
      CheckNameList(s.groups, Join(path, "groups"), &json_fields::IsValidSubjectName));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "defaultFor", path, &s.default_for));
  FAIRWAY_RETURN_IF_ERROR(
      CheckNameList(s.default_for, Join(path, "defaultFor"), &json_fields::IsValidSubjectName));
  if (const json* l = Find(j, "limits")) {
    FAIRWAY_ASSIGN_OR_RETURN(s.limits, LimitsFromJson(*l, Join(path, "limits")));
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "defaultQos", path, &s.default_qos));
  FAIRWAY_RETURN_IF_ERROR(CheckName(s.default_qos, Join(path, "defaultQos")));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "allowedQos", path, &s.allowed_qos));
  FAIRWAY_RETURN_IF_ERROR(
      CheckNameList(s.allowed_qos, Join(path, "allowedQos"), &json_fields::IsDns1123Subdomain));
  if (!s.default_qos.empty() && !s.allowed_qos.empty()) {
    bool allowed = false;
    for (const std::string& q : s.allowed_qos) {
      allowed = allowed || q == s.default_qos;
    }
    if (!allowed) {
      return InvalidArgumentError("must be one of spec.allowedQos", Join(path, "defaultQos"));
    }
  }
  return s;
}

StatusOr<AccountStatus> AccountStatusFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  AccountStatus s;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetDouble(j, "rawUsage", path, 0, kMaxUsage, &s.raw_usage));
  FAIRWAY_RETURN_IF_ERROR(GetNumberMap(j, "userUsage", path, kMaxUsage, &s.user_usage));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetDouble(j, "effectiveUsage", path, 0, kMaxUsage, &s.effective_usage));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetDouble(j, "normalizedShares", path, 0, 1, &s.normalized_shares));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetDouble(j, "fairShareFactor", path, 0, 1, &s.fair_share_factor));
  FAIRWAY_RETURN_IF_ERROR(GetNumberMap(j, "userFairShare", path, 1, &s.user_fair_share));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetTimestamp(j, "lastDecayTime", path, &s.last_decay_time));
  FAIRWAY_RETURN_IF_ERROR(GetTimestampMap(j, "charged", path, &s.charged));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetTimestamp(j, "chargedHorizon", path, &s.charged_horizon));
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

StatusOr<AccountObject> AccountFromJson(const json& j) {
  return DecodeObject<AccountObject>(
      j, kAccountKind, "an Account", [](const json& s) { return AccountSpecFromJson(s); },
      [](const json& s) { return AccountStatusFromJson(s); });
}

json ToJson(const AccountSpec& s) {
  json j = json::object();
  if (!s.parent.empty()) {
    j["parent"] = s.parent;
  }
  j["shares"] = s.shares;
  if (!s.users.empty()) {
    j["users"] = s.users;
  }
  if (!s.user_shares.empty()) {
    json us = json::object();
    for (const auto& [name, shares] : s.user_shares) {
      us[name] = shares.parent ? json("parent") : json(shares.shares);
    }
    j["userShares"] = std::move(us);
  }
  if (!s.user_limits.empty()) {
    json ul = json::object();
    for (const auto& [name, limits] : s.user_limits) {
      ul[name] = ToJson(limits);
    }
    j["userLimits"] = std::move(ul);
  }
  if (!s.groups.empty()) {
    j["groups"] = s.groups;
  }
  if (!s.default_for.empty()) {
    j["defaultFor"] = s.default_for;
  }
  j["limits"] = ToJson(s.limits);
  if (!s.default_qos.empty()) {
    j["defaultQos"] = s.default_qos;
  }
  if (!s.allowed_qos.empty()) {
    j["allowedQos"] = s.allowed_qos;
  }
  return j;
}

json ToJson(const AccountStatus& s) {
  json j = json::object();
  j["rawUsage"] = s.raw_usage;
  if (!s.user_usage.empty()) {
    j["userUsage"] = s.user_usage;
  }
  j["effectiveUsage"] = s.effective_usage;
  j["normalizedShares"] = s.normalized_shares;
  j["fairShareFactor"] = s.fair_share_factor;
  if (!s.user_fair_share.empty()) {
    j["userFairShare"] = s.user_fair_share;
  }
  if (s.last_decay_time) {
    j["lastDecayTime"] = FormatRfc3339(*s.last_decay_time);
  }
  if (!s.charged.empty()) {
    json charged = json::object();
    for (const auto& [run, t] : s.charged) {
      charged[run] = FormatRfc3339(t);
    }
    j["charged"] = std::move(charged);
  }
  if (s.charged_horizon) {
    j["chargedHorizon"] = FormatRfc3339(*s.charged_horizon);
  }
  j["runningJobs"] = s.running_jobs;
  j["runningGPUs"] = s.running_gpus;
  j["pendingJobs"] = s.pending_jobs;
  PutConditionsAndGeneration(s.conditions, s.observed_generation, &j);
  return j;
}

json ToJson(const AccountObject& a) { return EncodeObject(a, kAccountKind); }

StatusOr<core::Account> ToCoreAccount(const AccountObject& a) {
  if (a.meta.name.empty()) {
    return InvalidArgumentError("is required", "metadata.name");
  }
  if (a.spec.parent == a.meta.name) {
    return InvalidArgumentError("an account cannot be its own parent", "spec.parent");
  }
  core::Account out;
  out.name = core::AccountName(a.meta.name);
  out.parent = core::AccountName(a.spec.parent);
  out.shares = static_cast<uint32_t>(a.spec.shares);
  for (const std::string& user : a.spec.users) {
    core::AccountUser u;
    u.name = core::UserName(user);
    if (auto it = a.spec.user_shares.find(user); it != a.spec.user_shares.end()) {
      u.shares = static_cast<uint32_t>(it->second.shares);
      u.shares_parent = it->second.parent;
    }
    if (auto it = a.spec.user_limits.find(user); it != a.spec.user_limits.end()) {
      u.limits.max_jobs = it->second.max_jobs;
      u.limits.max_submit_jobs = it->second.max_submit_jobs;
      u.limits.grp_gpus = it->second.grp_gpus;
    }
    out.users.push_back(std::move(u));
  }
  for (const std::string& g : a.spec.groups) {
    out.groups.emplace_back(g);
  }
  FAIRWAY_ASSIGN_OR_RETURN(out.limits, ToCoreLimits(a.spec.limits, "spec.limits"));
  out.default_qos = core::QosName(a.spec.default_qos);
  for (const std::string& q : a.spec.allowed_qos) {
    out.allowed_qos.emplace_back(q);
  }
  return out;
}

}  // namespace fairway::api
