#include "webhook/submitted_jobs.h"

#include "api/array_spec.h"
#include "core/job_state.h"

namespace fairway::webhook {
namespace {

using nlohmann::json;

std::string StringAt(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json* ObjectAt(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

// Unended tasks from status.array.taskCounts, or nullopt when the operator has not counted yet.
std::optional<int64_t> UnendedTasks(const json* status) {
  const json* array = status != nullptr ? ObjectAt(*status, "array") : nullptr;
  const json* counts = array != nullptr ? ObjectAt(*array, "taskCounts") : nullptr;
  if (counts == nullptr) return std::nullopt;
  int64_t left = 0;
  for (const auto& [name, value] : counts->items()) {
    std::optional<core::JobState> state = core::ParseJobState(name);
    if (state && !core::IsTerminal(*state) && value.is_number_integer()) {
      left += value.get<int64_t>();
    }
  }
  return left;
}

}  // namespace

int64_t SubmittedCount(const std::string& array_text) {
  if (array_text.empty()) return 1;
  StatusOr<api::ArraySpec> spec = api::ParseArraySpec(array_text, api::kMaxMaxArraySize);
  return spec.ok() ? static_cast<int64_t>(spec->size()) : 1;
}

std::optional<SubmittedJob> SubmittedJobOf(const json& job) {
  if (!job.is_object()) return std::nullopt;
  const json* status = ObjectAt(job, "status");
  if (status != nullptr) {
    std::optional<core::JobState> state = core::ParseJobState(StringAt(*status, "state"));
    if (state && core::IsTerminal(*state)) return std::nullopt;
  }
  const json* spec = ObjectAt(job, "spec");
  if (spec == nullptr) return std::nullopt;
  SubmittedJob out{StringAt(*spec, "user"), StringAt(*spec, "account"), StringAt(*spec, "qos")};
  const std::string array = StringAt(*spec, "array");
  if (!array.empty()) out.count = UnendedTasks(status).value_or(SubmittedCount(array));
  if (out.count <= 0) return std::nullopt;
  return out;
}

std::vector<std::string> SubmittedJobIndexValues(const json& job) {
  std::optional<SubmittedJob> s = SubmittedJobOf(job);
  if (!s) return {};
  return {"user/" + s->user, "account/" + s->account, "qos/" + s->qos};
}

}  // namespace fairway::webhook
