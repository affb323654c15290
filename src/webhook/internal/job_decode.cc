#include "webhook/internal/job_decode.h"

#include <algorithm>

#include "api/array_spec.h"

namespace fairway::webhook::internal {

using nlohmann::json;

MaybeViolation CheckArraySpec(const std::string& text, int64_t max_array_size) {
  if (text.empty()) return std::nullopt;
  int64_t max = std::clamp<int64_t>(max_array_size, 0, api::kMaxMaxArraySize);
  StatusOr<api::ArraySpec> parsed = api::ParseArraySpec(text, static_cast<uint32_t>(max));
  if (parsed.ok()) return std::nullopt;
  return Invalid("spec.array", kInvalidArray, parsed.status().message());
}

namespace {

// spec.array, when it is a string, against the cluster's MaxArraySize.
MaybeViolation CheckArray(const json& object, int64_t max_array_size) {
  auto spec = object.find("spec");
  if (spec == object.end() || !spec->is_object()) return std::nullopt;
  auto array = spec->find("array");
  if (array == spec->end() || !array->is_string()) return std::nullopt;
  return CheckArraySpec(array->get_ref<const std::string&>(), max_array_size);
}

}  // namespace

MaybeViolation DecodeJob(const json& object, int64_t max_array_size, DecodedJob* out) {
  if (!object.is_object()) return Plain("", "a Job must be a JSON object");
  if (MaybeViolation v = CheckArray(object, max_array_size)) return v;
  json without_status = object;
  without_status.erase("status");
  StatusOr<api::JobObject> job = api::JobFromJson(without_status);
  if (!job.ok()) return JobDecodeViolation(job.status());
  out->job = std::move(job).value();
  out->status_ok = true;
  if (auto it = object.find("status"); it != object.end() && !it->is_null()) {
    StatusOr<api::JobStatus> status = api::JobStatusFromJson(*it);
    out->status_ok = status.ok();
    if (status.ok()) out->job.status = std::move(status).value();
  }
  return std::nullopt;
}

bool HasStarted(const DecodedJob& decoded) {
  if (!decoded.status_ok) return true;
  const api::JobStatus& s = decoded.job.status;
  if (s.state.has_value() && *s.state != core::JobState::kPending) return true;
  if (!s.state.has_value() && s.start_time.has_value()) return true;
  if (s.array.has_value()) {
    if (!s.array->tasks.empty()) return true;
    for (const auto& [state, count] : s.array->counts) {
      if (state != core::JobState::kPending && count > 0) return true;
    }
  }
  return false;
}

}  // namespace fairway::webhook::internal
