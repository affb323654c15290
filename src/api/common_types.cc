#include "api/common_types.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <utility>

#include "api/internal/parse_util.h"
#include "api/time_limit.h"
#include "common/status_macros.h"

namespace fairway::api {

using nlohmann::json;

namespace {

std::string FormatNumber(double d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", d);
  return buf;
}

}  // namespace

void PutConditionsAndGeneration(const std::vector<Condition>& conditions,
                                int64_t observed_generation, json* status) {
  if (!conditions.empty()) (*status)["conditions"] = ToJson(conditions);
  if (observed_generation != 0) (*status)["observedGeneration"] = observed_generation;
}

namespace json_fields {

std::string Join(std::string_view path, std::string_view key) {
  if (path.empty()) {
    return std::string(key);
  }
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

std::string Index(std::string_view path, size_t i) {
  std::string out(path);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

Status RequireObject(const json& j, const std::string& path) {
  if (j.is_object() || j.is_null()) {
    return OkStatus();
  }
  return InvalidArgumentError("must be an object", path);
}

const json* Find(const json& obj, std::string_view key) {
  if (!obj.is_object()) {
    return nullptr;
  }
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

Status GetString(const json& obj, std::string_view key, const std::string& path, std::string* out) {
  const json* v = Find(obj, key);
  if (v == nullptr) {
    return OkStatus();
  }
  if (!v->is_string()) {
    return InvalidArgumentError("must be a string", Join(path, key));
  }
  *out = v->get_ref<const std::string&>();
  return OkStatus();
}

Status GetBool(const json& obj, std::string_view key, const std::string& path, bool* out) {
  const json* v = Find(obj, key);
  if (v == nullptr) {
    return OkStatus();
  }
  if (!v->is_boolean()) {
    return InvalidArgumentError("must be a boolean (true or false)", Join(path, key));
  }
  *out = v->get<bool>();
  return OkStatus();
}

StatusOr<int64_t> AsInt64(const json& v, const std::string& path, int64_t min, int64_t max) {
  int64_t value = 0;
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgumentError("must be at most " + std::to_string(max), path);
    }
    value = static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    value = v.get<int64_t>();
  } else if (v.is_number_float()) {
    double d = v.get<double>();
    // 2^63 is exactly representable; anything at or above it does not fit.
    if (!std::isfinite(d) || d != std::floor(d) || d < -9223372036854775808.0 ||
        d >= 9223372036854775808.0) {
      return InvalidArgumentError("must be an integer", path);
    }
    value = static_cast<int64_t>(d);
  } else {
    return InvalidArgumentError("must be an integer", path);
  }
  if (value < min) {
    return InvalidArgumentError(
        "must be at least " + std::to_string(min) + ", got " + std::to_string(value), path);
  }
  if (value > max) {
    return InvalidArgumentError(
        "must be at most " + std::to_string(max) + ", got " + std::to_string(value), path);
  }
  return value;
}

Status GetInt64(const json& obj, std::string_view key, const std::string& path, int64_t min,
                int64_t max, int64_t* out) {
  const json* v = Find(obj, key);
  if (v == nullptr) {
    return OkStatus();
  }
  StatusOr<int64_t> value = AsInt64(*v, Join(path, key), min, max);
  if (!value.ok()) {
    return value.status();
  }
  *out = *value;
  return OkStatus();
}

Status GetOptionalInt64(const json& obj, std::string_view key, const std::string& path, int64_t min,
                        int64_t max, std::optional<int64_t>* out) {
  if (Find(obj, key) == nullptr) {
    return OkStatus();
  }
  int64_t value = 0;
  Status s = GetInt64(obj, key, path, min, max, &value);
  if (s.ok()) *out = value;
  return s;
}

StatusOr<double> AsDouble(const json& v, const std::string& path, double min, double max) {
  if (!v.is_number()) {
    return InvalidArgumentError("must be a number", path);
  }
  double d = v.get<double>();
  if (!std::isfinite(d)) {
    return InvalidArgumentError("must be a finite number", path);
  }
  if (d < min) {
    return InvalidArgumentError("must be at least " + FormatNumber(min), path);
  }
  if (d > max) {
    return InvalidArgumentError("must be at most " + FormatNumber(max), path);
  }
  return d;
}

Status GetDouble(const json& obj, std::string_view key, const std::string& path, double min,
                 double max, double* out) {
  const json* v = Find(obj, key);
  if (v == nullptr) {
    return OkStatus();
  }
  StatusOr<double> d = AsDouble(*v, Join(path, key), min, max);
  if (!d.ok()) {
    return d.status();
  }
  *out = *d;
  return OkStatus();
}

Status GetStringList(const json& obj, std::string_view key, const std::string& path,
                     std::vector<std::string>* out) {
  const json* v = Find(obj, key);
  if (v == nullptr) {
    return OkStatus();
  }
  std::string field = Join(path, key);
  if (!v->is_array()) {
    return InvalidArgumentError("must be a list of strings", field);
  }
  std::vector<std::string> values;
  values.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const json& e = (*v)[i];
    if (!e.is_string()) {
      return InvalidArgumentError("must be a string", Index(field, i));
    }
    values.push_back(e.get<std::string>());
  }
  *out = std::move(values);
  return OkStatus();
}

Status GetStringMap(const json& obj, std::string_view key, const std::string& path,
                    std::map<std::string, std::string>* out) {
  const json* v = Find(obj, key);
  if (v == nullptr) {
    return OkStatus();
  }
  std::string field = Join(path, key);
  if (!v->is_object()) {
    return InvalidArgumentError("must be a map of strings", field);
  }
  std::map<std::string, std::string> values;
  for (const auto& [k, e] : v->items()) {
    if (!e.is_string()) {
      return InvalidArgumentError("must be a string", Join(field, k));
    }
    values.emplace(k, e.get<std::string>());
  }
  *out = std::move(values);
  return OkStatus();
}

Status GetTimestamp(const json& obj, std::string_view key, const std::string& path,
                    std::optional<core::Timestamp>* out) {
  const json* v = Find(obj, key);
  if (v == nullptr) {
    return OkStatus();
  }
  std::string field = Join(path, key);
  if (!v->is_string()) {
    return InvalidArgumentError("must be an RFC 3339 timestamp string", field);
  }
  StatusOr<core::Timestamp> t = ParseRfc3339(v->get_ref<const std::string&>());
  if (!t.ok()) {
    return InvalidArgumentError(t.status().message(), field);
  }
  *out = *t;
  return OkStatus();
}

Status CheckTypeMeta(const json& obj, std::string_view kind) {
  std::string api_version;
  std::string got_kind;
  FAIRWAY_RETURN_IF_ERROR(GetString(obj, "apiVersion", "", &api_version));
  FAIRWAY_RETURN_IF_ERROR(GetString(obj, "kind", "", &got_kind));
  if (!api_version.empty() && api_version != kApiVersion) {
    return InvalidArgumentError(
        "must be " + std::string(kApiVersion) + ", got " + internal::Quote(api_version),
        "apiVersion");
  }
  if (!got_kind.empty() && got_kind != kind) {
    return InvalidArgumentError(
        "must be " + std::string(kind) + ", got " + internal::Quote(got_kind), "kind");
  }
  return OkStatus();
}

bool IsDns1123Subdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) {
    return false;
  }
  auto alnum = [](char c) { return internal::IsLowerAlpha(c) || internal::IsDigit(c); };
  if (!alnum(name.front()) || !alnum(name.back())) {
    return false;
  }
  for (char c : name) {
    if (!alnum(c) && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

bool IsValidSubjectName(std::string_view name) {
  if (name.empty() || name.size() > 1024) {
    return false;
  }
  for (char c : name) {
    if (c <= ' ' || c >= 127 || c == ',') {
      return false;
    }
  }
  return true;
}

}  // namespace json_fields

using json_fields::Join;

// ---- Timestamps -------------------------------------------------------------------------------

std::string FormatRfc3339(core::Timestamp t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss<std::chrono::seconds> hms{t - day};
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long long>(hms.hours().count()),
                static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()));
  return buf;
}

namespace {

// Reads exactly `n` digits at text[*pos].
bool ReadFixedDigits(std::string_view text, size_t* pos, size_t n, int* out) {
  if (*pos + n > text.size()) {
    return false;
  }
  int value = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (!internal::IsDigit(c)) {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  *pos += n;
  *out = value;
  return true;
}

bool Expect(std::string_view text, size_t* pos, std::string_view chars) {
  if (*pos < text.size() && chars.find(text[*pos]) != std::string_view::npos) {
    ++*pos;
    return true;
  }
  return false;
}

}  // namespace

StatusOr<core::Timestamp> ParseRfc3339(std::string_view text) {
  auto bad = [&]() {
    return InvalidArgumentError("invalid timestamp " + internal::Quote(text) +
                                ": want RFC 3339 like \"2025-03-01T10:00:00Z\"");
  };
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadFixedDigits(text, &pos, 4, &year) || !Expect(text, &pos, "-") ||
      !ReadFixedDigits(text, &pos, 2, &month) || !Expect(text, &pos, "-") ||
      !ReadFixedDigits(text, &pos, 2, &day) || !Expect(text, &pos, "Tt ") ||
      !ReadFixedDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ":") ||
      !ReadFixedDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ":") ||
      !ReadFixedDigits(text, &pos, 2, &second)) {
    return bad();
  }
  if (Expect(text, &pos, ".")) {
    size_t start = pos;
    while (pos < text.size() && internal::IsDigit(text[pos])) {
      ++pos;
    }
    if (pos == start || pos - start > 9) {
      return bad();
    }
  }
  int offset_s = 0;
  if (Expect(text, &pos, "Zz")) {
    // UTC
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!ReadFixedDigits(text, &pos, 2, &oh) || !Expect(text, &pos, ":") ||
        !ReadFixedDigits(text, &pos, 2, &om) || oh > 23 || om > 59) {
      return bad();
    }
    offset_s = sign * (oh * 3600 + om * 60);
  } else {
    return bad();
  }
  if (pos != text.size()) {
    return bad();
  }
  std::chrono::year_month_day ymd{std::chrono::year(year),
                                  std::chrono::month(static_cast<unsigned>(month)),
                                  std::chrono::day(static_cast<unsigned>(day))};
  // Leap seconds (":60") are accepted by RFC 3339 but not representable; reject them.
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) {
    return bad();
  }
  core::Timestamp t = std::chrono::sys_days(ymd) + std::chrono::hours(hour) +
                      std::chrono::minutes(minute) + std::chrono::seconds(second) -
                      std::chrono::seconds(offset_s);
  // Keep to years 0000-9999 in UTC, so that FormatRfc3339 gives the instant back.
  constexpr std::chrono::year_month_day kFirst{std::chrono::year(0), std::chrono::January,
                                               std::chrono::day(1)};
  constexpr std::chrono::year_month_day kLast{std::chrono::year(9999), std::chrono::December,
                                              std::chrono::day(31)};
  if (t < std::chrono::sys_days(kFirst) ||
      t >= std::chrono::sys_days(kLast) + std::chrono::days(1)) {
    return bad();
  }
  return t;
}

// ---- Conditions -------------------------------------------------------------------------------

std::string_view ConditionStatusName(ConditionStatus s) {
  switch (s) {
    case ConditionStatus::kTrue:
      return "True";
    case ConditionStatus::kFalse:
      return "False";
    case ConditionStatus::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

StatusOr<Condition> ConditionFromJson(const json& j, const std::string& path) {
  if (!j.is_object()) {
    return InvalidArgumentError("must be an object", path);
  }
  Condition c;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "type", path, &c.type));
  if (c.type.empty()) {
    return InvalidArgumentError("is required", Join(path, "type"));
  }
  std::string status;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "status", path, &status));
  if (status == "True") {
    c.status = ConditionStatus::kTrue;
  } else if (status == "False") {
    c.status = ConditionStatus::kFalse;
  } else if (status == "Unknown" || status.empty()) {
    c.status = ConditionStatus::kUnknown;
  } else {
    return InvalidArgumentError(
        "must be one of True, False, Unknown; got " + internal::Quote(status),
        Join(path, "status"));
  }
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(j, "observedGeneration", path, 0,
                                                std::numeric_limits<int64_t>::max(),
                                                &c.observed_generation));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetTimestamp(j, "lastTransitionTime", path, &c.last_transition_time));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "reason", path, &c.reason));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "message", path, &c.message));
  return c;
}

json ToJson(const Condition& c) {
  json j = json::object();
  j["type"] = c.type;
  j["status"] = std::string(ConditionStatusName(c.status));
  if (c.observed_generation != 0) {
    j["observedGeneration"] = c.observed_generation;
  }
  if (c.last_transition_time) {
    j["lastTransitionTime"] = FormatRfc3339(*c.last_transition_time);
  }
  if (!c.reason.empty()) {
    j["reason"] = c.reason;
  }
  if (!c.message.empty()) {
    j["message"] = c.message;
  }
  return j;
}

Status ConditionsFromJson(const json& obj, const std::string& path, std::vector<Condition>* out) {
  const json* v = json_fields::Find(obj, "conditions");
  if (v == nullptr) {
    return OkStatus();
  }
  std::string field = Join(path, "conditions");
  if (!v->is_array()) {
    return InvalidArgumentError("must be a list", field);
  }
  std::vector<Condition> conditions;
  std::set<std::string> seen;
  for (size_t i = 0; i < v->size(); ++i) {
    std::string item = json_fields::Index(field, i);
    FAIRWAY_ASSIGN_OR_RETURN(Condition c, ConditionFromJson((*v)[i], item));
    if (!seen.insert(c.type).second) {
      return InvalidArgumentError("duplicate condition type " + internal::Quote(c.type),
                                  Join(item, "type"));
    }
    conditions.push_back(std::move(c));
  }
  *out = std::move(conditions);
  return OkStatus();
}

json ToJson(const std::vector<Condition>& conditions) {
  json j = json::array();
  for (const Condition& c : conditions) {
    j.push_back(ToJson(c));
  }
  return j;
}

// ---- Label selectors --------------------------------------------------------------------------

StatusOr<core::LabelSelector> LabelSelectorFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  core::LabelSelector selector;
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetStringMap(j, "matchLabels", path, &selector.match_labels));
  const json* exprs = json_fields::Find(j, "matchExpressions");
  if (exprs == nullptr) {
    return selector;
  }
  std::string field = Join(path, "matchExpressions");
  if (!exprs->is_array()) {
    return InvalidArgumentError("must be a list", field);
  }
  for (size_t i = 0; i < exprs->size(); ++i) {
    const json& e = (*exprs)[i];
    std::string item = json_fields::Index(field, i);
    if (!e.is_object()) {
      return InvalidArgumentError("must be an object", item);
    }
    core::LabelRequirement req;
    FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(e, "key", item, &req.key));
    if (req.key.empty()) {
      return InvalidArgumentError("is required", Join(item, "key"));
    }
    std::string op;
    FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(e, "operator", item, &op));
    if (op == "In") {
      req.op = core::LabelRequirement::Operator::kIn;
    } else if (op == "NotIn") {
      req.op = core::LabelRequirement::Operator::kNotIn;
    } else if (op == "Exists") {
      req.op = core::LabelRequirement::Operator::kExists;
    } else if (op == "DoesNotExist") {
      req.op = core::LabelRequirement::Operator::kDoesNotExist;
    } else {
      return InvalidArgumentError(
          "must be one of In, NotIn, Exists, DoesNotExist; got " + internal::Quote(op),
          Join(item, "operator"));
    }
    FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(e, "values", item, &req.values));
    bool set_op = req.op == core::LabelRequirement::Operator::kIn ||
                  req.op == core::LabelRequirement::Operator::kNotIn;
    if (set_op && req.values.empty()) {
      return InvalidArgumentError("must be non-empty for operator " + op, Join(item, "values"));
    }
    if (!set_op && !req.values.empty()) {
      return InvalidArgumentError("must be empty for operator " + op, Join(item, "values"));
    }
    selector.match_expressions.push_back(std::move(req));
  }
  return selector;
}

json ToJson(const core::LabelSelector& selector) {
  json j = json::object();
  if (!selector.match_labels.empty()) {
    j["matchLabels"] = selector.match_labels;
  }
  if (!selector.match_expressions.empty()) {
    json exprs = json::array();
    for (const core::LabelRequirement& r : selector.match_expressions) {
      json e = json::object();
      e["key"] = r.key;
      switch (r.op) {
        case core::LabelRequirement::Operator::kIn:
          e["operator"] = "In";
          break;
        case core::LabelRequirement::Operator::kNotIn:
          e["operator"] = "NotIn";
          break;
        case core::LabelRequirement::Operator::kExists:
          e["operator"] = "Exists";
          break;
        case core::LabelRequirement::Operator::kDoesNotExist:
          e["operator"] = "DoesNotExist";
          break;
      }
      if (!r.values.empty()) {
        e["values"] = r.values;
      }
      exprs.push_back(std::move(e));
    }
    j["matchExpressions"] = std::move(exprs);
  }
  return j;
}

// ---- Limits -----------------------------------------------------------------------------------

namespace {

constexpr int64_t kMaxLimit = std::numeric_limits<int32_t>::max();

// -1 (Slurm: clear the limit) reads as "no limit".
void PutLimit(json& j, const char* key, const std::optional<int64_t>& v) {
  if (v) {
    j[key] = *v;
  }
}

}  // namespace

Status GetLimit(const json& obj, std::string_view key, const std::string& path,
                std::optional<int64_t>* out) {
  std::optional<int64_t> v;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetOptionalInt64(obj, key, path, -1, kMaxLimit, &v));
  if (v && *v == -1) {
    v.reset();
  }
  *out = v;
  return OkStatus();
}

StatusOr<LimitsSpec> LimitsFromJson(const json& j, const std::string& path) {
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  LimitsSpec l;
  FAIRWAY_RETURN_IF_ERROR(GetLimit(j, "grpGPUs", path, &l.grp_gpus));
  FAIRWAY_RETURN_IF_ERROR(GetLimit(j, "grpJobs", path, &l.grp_jobs));
  FAIRWAY_RETURN_IF_ERROR(GetLimit(j, "grpSubmitJobs", path, &l.grp_submit_jobs));
  FAIRWAY_RETURN_IF_ERROR(GetLimit(j, "maxJobsPerUser", path, &l.max_jobs_per_user));
  FAIRWAY_RETURN_IF_ERROR(GetLimit(j, "maxSubmitJobsPerUser", path, &l.max_submit_jobs_per_user));
  FAIRWAY_RETURN_IF_ERROR(GetLimit(j, "maxGPUsPerUser", path, &l.max_gpus_per_user));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "maxWall", path, &l.max_wall));
  if (!l.max_wall.empty()) {
    StatusOr<TimeLimit> wall = ParseTimeLimit(l.max_wall);
    if (!wall.ok()) {
      return InvalidArgumentError(wall.status().message(), Join(path, "maxWall"));
    }
  }
  return l;
}

json ToJson(const LimitsSpec& l) {
  json j = json::object();
  PutLimit(j, "grpGPUs", l.grp_gpus);
  PutLimit(j, "grpJobs", l.grp_jobs);
  PutLimit(j, "grpSubmitJobs", l.grp_submit_jobs);
  PutLimit(j, "maxJobsPerUser", l.max_jobs_per_user);
  PutLimit(j, "maxSubmitJobsPerUser", l.max_submit_jobs_per_user);
  PutLimit(j, "maxGPUsPerUser", l.max_gpus_per_user);
  if (!l.max_wall.empty()) {
    j["maxWall"] = l.max_wall;
  }
  return j;
}

StatusOr<core::Limits> ToCoreLimits(const LimitsSpec& l, const std::string& path) {
  core::Limits out;
  out.grp_gpus = l.grp_gpus;
  out.grp_jobs = l.grp_jobs;
  out.grp_submit_jobs = l.grp_submit_jobs;
  out.max_jobs_per_user = l.max_jobs_per_user;
  out.max_submit_jobs_per_user = l.max_submit_jobs_per_user;
  out.max_gpus_per_user = l.max_gpus_per_user;
  if (!l.max_wall.empty()) {
    StatusOr<TimeLimit> wall = ParseTimeLimit(l.max_wall);
    if (!wall.ok()) {
      return InvalidArgumentError(wall.status().message(), Join(path, "maxWall"));
    }
    out.max_wall = wall->limit;
  }
  return out;
}

std::optional<core::PreemptMode> ParsePreemptMode(std::string_view text) {
  if (internal::EqualsIgnoreCase(text, "OFF")) {
    return core::PreemptMode::kOff;
  }
  if (internal::EqualsIgnoreCase(text, "CANCEL")) {
    return core::PreemptMode::kCancel;
  }
  if (internal::EqualsIgnoreCase(text, "REQUEUE")) {
    return core::PreemptMode::kRequeue;
  }
  return std::nullopt;
}

}  // namespace fairway::api
