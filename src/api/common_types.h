// Pieces shared by the CRD types (job_types.h, partition_types.h, account_types.h,
// qos_types.h): metav1.Condition, metav1.LabelSelector, RFC 3339 timestamps, the limits block
// that Account and QoS share, and the checked JSON field readers every decoder uses.
//
// Decoding rules (all *FromJson functions in src/api):
//   - Absent and null fields take the default the CRD schema declares (the API server applies the
//     same defaults, so an object read back from the server and one built by hand agree).
//   - Unknown fields are ignored, as the API server prunes them.
//   - A field of the wrong JSON type, an out-of-range number, an unknown enum value or a bad
//     Slurm string gives kInvalidArgument whose field() is the path of the offending field
//     ("spec.timeLimit", "spec.allowAccounts[2]", "metadata.labels.team").
//   - Nothing throws: nlohmann::json is only queried through is_*() checks before get<>().
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/object_meta.h"
#include "common/status.h"
#include "core/labels.h"
#include "core/model.h"
#include "core/types.h"

namespace fairway::api {

// The group/version every Fairway CRD is served at.
inline constexpr std::string_view kGroup = "fairway.dev";
inline constexpr std::string_view kVersion = "v1alpha1";
inline constexpr std::string_view kApiVersion = "fairway.dev/v1alpha1";

// ---- RFC 3339 timestamps (metav1.Time) ------------------------------------------------------

// "2025-03-01T10:00:00Z". Fractional seconds are dropped (metav1.Time has second precision).
std::string FormatRfc3339(core::Timestamp t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" ('t'/'z' and a space for 'T' too).
// Fractions are truncated. Errors are kInvalidArgument without a field path.
[[nodiscard]] StatusOr<core::Timestamp> ParseRfc3339(std::string_view text);

// ---- metav1.Condition ------------------------------------------------------------------------

enum class ConditionStatus { kTrue, kFalse, kUnknown };
std::string_view ConditionStatusName(ConditionStatus s);  // "True", "False", "Unknown"

struct Condition {
  std::string type;  // required, e.g. "Ready", "Valid"
  ConditionStatus status = ConditionStatus::kUnknown;
  int64_t observed_generation = 0;
  std::optional<core::Timestamp> last_transition_time;
  std::string reason;  // CamelCase
  std::string message;

  bool operator==(const Condition&) const = default;
};

[[nodiscard]] StatusOr<Condition> ConditionFromJson(const nlohmann::json& j,
                                                    const std::string& path);
nlohmann::json ToJson(const Condition& c);

// Decodes `status.conditions` (a list); entries must have distinct types.
[[nodiscard]] Status ConditionsFromJson(const nlohmann::json& obj, const std::string& path,
                                        std::vector<Condition>* out);
nlohmann::json ToJson(const std::vector<Condition>& conditions);
// Writes the fields every status shares: conditions and observedGeneration (each only when set).
void PutConditionsAndGeneration(const std::vector<Condition>& conditions,
                                int64_t observed_generation, nlohmann::json* status);

// ---- metav1.LabelSelector -> core::LabelSelector ---------------------------------------------

// matchLabels and matchExpressions ({key, operator: In|NotIn|Exists|DoesNotExist, values}).
// In/NotIn need at least one value, Exists/DoesNotExist none (as the API server checks).
[[nodiscard]] StatusOr<core::LabelSelector> LabelSelectorFromJson(const nlohmann::json& j,
                                                                  const std::string& path);
nlohmann::json ToJson(const core::LabelSelector& selector);

// ---- Limits (Account.spec.limits, QoS.spec.limits) -------------------------------------------

// Absent (or -1, Slurm's "clear the limit") = no limit. maxWall is a Slurm time string.
struct LimitsSpec {
  std::optional<int64_t> grp_gpus;
  std::optional<int64_t> grp_jobs;
  std::optional<int64_t> grp_submit_jobs;
  std::optional<int64_t> max_jobs_per_user;
  std::optional<int64_t> max_submit_jobs_per_user;
  std::optional<int64_t> max_gpus_per_user;
  std::string max_wall;  // "" = no limit; else a Slurm time limit ("2-00:00:00", "UNLIMITED")

  bool operator==(const LimitsSpec&) const = default;
};

// A limit field of `obj`: absent or -1 = no limit (nullopt), else 0..2^31-1; errors name
// path.key.
[[nodiscard]] Status GetLimit(const nlohmann::json& obj, std::string_view key,
                              const std::string& path, std::optional<int64_t>* out);
[[nodiscard]] StatusOr<LimitsSpec> LimitsFromJson(const nlohmann::json& j, const std::string& path);
nlohmann::json ToJson(const LimitsSpec& limits);
// REQUIRES: `limits` came from LimitsFromJson (maxWall parses); errors name `path`.
[[nodiscard]] StatusOr<core::Limits> ToCoreLimits(const LimitsSpec& limits,
                                                  const std::string& path);

// ---- Enums shared by Partition and QoS -------------------------------------------------------

// "OFF", "CANCEL", "REQUEUE", case-insensitive (DESIGN.md writes QoS modes in lower case).
std::optional<core::PreemptMode> ParsePreemptMode(std::string_view text);

// ---- Checked JSON field access ---------------------------------------------------------------
//
// Each Get* reads obj[key] where `obj` is a JSON object (or null/absent: nothing is read) and
// `path` is the object's own path; errors name path + "." + key. Absent or null leaves `*out`
// unchanged and returns OK.
namespace json_fields {

// "spec" + "timeLimit" = "spec.timeLimit"; "" + "spec" = "spec".
std::string Join(std::string_view path, std::string_view key);
// "spec.users" + 2 = "spec.users[2]".
std::string Index(std::string_view path, size_t i);

// OK if `j` is an object or null; else "must be an object".
[[nodiscard]] Status RequireObject(const nlohmann::json& j, const std::string& path);
// obj[key] if obj is an object holding a non-null key, else nullptr.
const nlohmann::json* Find(const nlohmann::json& obj, std::string_view key);

[[nodiscard]] Status GetString(const nlohmann::json& obj, std::string_view key,
                               const std::string& path, std::string* out);
[[nodiscard]] Status GetBool(const nlohmann::json& obj, std::string_view key,
                             const std::string& path, bool* out);
// Integers (or floats with an integral value) in [min, max].
[[nodiscard]] Status GetInt64(const nlohmann::json& obj, std::string_view key,
                              const std::string& path, int64_t min, int64_t max, int64_t* out);
[[nodiscard]] Status GetOptionalInt64(const nlohmann::json& obj, std::string_view key,
                                      const std::string& path, int64_t min, int64_t max,
                                      std::optional<int64_t>* out);
// Finite numbers in [min, max].
[[nodiscard]] Status GetDouble(const nlohmann::json& obj, std::string_view key,
                               const std::string& path, double min, double max, double* out);
[[nodiscard]] Status GetStringList(const nlohmann::json& obj, std::string_view key,
                                   const std::string& path, std::vector<std::string>* out);
[[nodiscard]] Status GetStringMap(const nlohmann::json& obj, std::string_view key,
                                  const std::string& path, std::map<std::string, std::string>* out);
[[nodiscard]] Status GetTimestamp(const nlohmann::json& obj, std::string_view key,
                                  const std::string& path, std::optional<core::Timestamp>* out);

// apiVersion and kind, when present, must be fairway.dev/v1alpha1 and `kind`.
[[nodiscard]] Status CheckTypeMeta(const nlohmann::json& obj, std::string_view kind);

// Checks a single value (not a field of an object).
[[nodiscard]] StatusOr<int64_t> AsInt64(const nlohmann::json& v, const std::string& path,
                                        int64_t min, int64_t max);
[[nodiscard]] StatusOr<double> AsDouble(const nlohmann::json& v, const std::string& path,
                                        double min, double max);

// A Kubernetes object name (DNS-1123 subdomain: lower-case alphanumerics, '-' and '.', starting
// and ending alphanumeric, at most 253 characters).
bool IsDns1123Subdomain(std::string_view name);
// A user or group name as the API server authenticates it ("alice", "alice@example.com",
// "system:serviceaccount:ml:runner", "oidc:physics"): 1..1024 printable ASCII characters
// without whitespace or ','.
bool IsValidSubjectName(std::string_view name);

}  // namespace json_fields

// Decodes a Fairway object {apiVersion, kind, metadata, spec, status} into `Object` (with
// members meta, spec and status) using the kind's spec and status decoders. `what` names the
// kind in the error for a non-object ("a Job", "an Account").
template <typename Object, typename SpecFromJson, typename StatusFromJson>
StatusOr<Object> DecodeObject(const nlohmann::json& j, std::string_view kind, std::string_view what,
                              SpecFromJson spec_from_json, StatusFromJson status_from_json) {
  if (!j.is_object()) {
    return InvalidArgumentError(std::string(what) + " must be a JSON object");
  }
  Status type_meta = json_fields::CheckTypeMeta(j, kind);
  if (!type_meta.ok()) return type_meta;
  Object object;
  if (const nlohmann::json* m = json_fields::Find(j, "metadata")) {
    StatusOr<ObjectMeta> meta = ObjectMetaFromJson(*m);
    if (!meta.ok()) return meta.status();
    object.meta = std::move(meta).value();
  }
  if (const nlohmann::json* s = json_fields::Find(j, "spec")) {
    auto spec = spec_from_json(*s);
    if (!spec.ok()) return spec.status();
    object.spec = std::move(spec).value();
  }
  if (const nlohmann::json* s = json_fields::Find(j, "status")) {
    auto status = status_from_json(*s);
    if (!status.ok()) return status.status();
    object.status = std::move(status).value();
  }
  return object;
}

// Encodes an object with members meta, spec and status as {apiVersion, kind, metadata, spec,
// status}: the inverse of DecodeObject.
template <typename Object>
nlohmann::json EncodeObject(const Object& object, std::string_view kind) {
  return nlohmann::json{{"apiVersion", std::string(kApiVersion)},
                        {"kind", std::string(kind)},
                        {"metadata", ToJson(object.meta)},
                        {"spec", ToJson(object.spec)},
                        {"status", ToJson(object.status)}};
}

}  // namespace fairway::api
