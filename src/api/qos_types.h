// The `QoS` custom resource (fairway.dev/v1alpha1, cluster-scoped, plural `qoses`;
// crds/fairway.dev_qoses.yaml): priority, preemption and limits of a quality of service
// (slurm-semantics.md §1, §8). C++ types, JSON codec with validation, conversion into
// core::Qos.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/common_types.h"
#include "api/object_meta.h"
#include "common/status.h"
#include "core/model.h"

namespace fairway::api {

inline constexpr std::string_view kQosKind = "QoS";
// QoS priority is an unsigned 32-bit value in Slurm.
inline constexpr int64_t kMaxQosPriority = 0xffffffffLL;
// Longest accepted grace period (one day); Slurm keeps it in 32-bit seconds.
inline constexpr int64_t kMaxGracePeriodSeconds = 86400;

struct QosSpec {
  int64_t priority = 0;
  std::vector<std::string> preempt;                             // QoS names this one may preempt
  core::PreemptMode preempt_mode = core::PreemptMode::kCancel;  // CANCEL or REQUEUE
  int64_t grace_period_s = 0;  // "gracePeriod": SIGTERM-to-SIGKILL time of a preempted job
  double usage_factor = 1.0;   // multiplies fair-share usage of jobs in this QoS
  LimitsSpec limits;

  bool operator==(const QosSpec&) const = default;
};

struct QosStatus {
  int64_t running_jobs = 0;
  int64_t running_gpus = 0;
  int64_t pending_jobs = 0;
  std::vector<Condition> conditions;
  int64_t observed_generation = 0;

  bool operator==(const QosStatus&) const = default;
};

struct QosObject {
  ObjectMeta meta;
  QosSpec spec;
  QosStatus status;

  bool operator==(const QosObject&) const = default;
};

[[nodiscard]] StatusOr<QosObject> QosFromJson(const nlohmann::json& j);
[[nodiscard]] StatusOr<QosSpec> QosSpecFromJson(const nlohmann::json& j,
                                                const std::string& path = "spec");
[[nodiscard]] StatusOr<QosStatus> QosStatusFromJson(const nlohmann::json& j,
                                                    const std::string& path = "status");

nlohmann::json ToJson(const QosSpec& spec);
nlohmann::json ToJson(const QosStatus& status);
nlohmann::json ToJson(const QosObject& qos);

// name = metadata.name (required).
[[nodiscard]] StatusOr<core::Qos> ToCoreQos(const QosObject& qos);

}  // namespace fairway::api
