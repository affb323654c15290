#include "webhook/internal/violation.h"

#include <utility>
#include <vector>

namespace fairway::webhook::internal {

std::string Violation::Text() const {
  std::string located = field.empty() ? detail : detail.empty() ? field : field + ": " + detail;
  if (slurm.empty()) return located;
  return located.empty() ? slurm : slurm + " (" + located + ")";
}

AdmissionResponse DenyFor(const std::string& uid, const Violation& v) {
  return Deny(uid, v.code, v.Text());
}

Violation JobDecodeViolation(const Status& status) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kSlurmWords = {
      {"spec.timeLimit", kInvalidTimeLimit},    {"spec.array", kInvalidArray},
      {"spec.dependency", kDependency},         {"spec.begin", kInvalidTime},
      {"spec.resources.gres", kInvalidGres},    {"spec.resources.gpus", kInvalidGres},
      {"spec.resources.gpuType", kInvalidGres}, {"spec.partition", kInvalidPartitionName},
      {"spec.account", kInvalidAccount},        {"spec.qos", kInvalidQos},
      {"spec.nodes", kInvalidNodeCount},        {"spec.nice", kInvalidNice},
  };
  for (const auto& [field, words] : kSlurmWords) {
    if (status.field() == field) return Invalid(status.field(), words, status.message());
  }
  return Plain(status.field(), status.message());
}

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace fairway::webhook::internal
