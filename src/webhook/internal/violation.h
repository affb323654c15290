// A rule a request breaks, and the texts admission answers with.
//
// A denial starts with Slurm's words where Slurm has some, followed by the field and the
// specifics:
//   Invalid account or account/partition combination specified (spec.account: user "mallory" is
//   not a member of account "physics")
// and is otherwise "<field>: <what is wrong>" ("spec.template: must be an object (a
// PodTemplateSpec)"). The Slurm texts are slurm_strerror() of the error slurmctld returns for
// the same mistake (src/common/slurm_errno.c). They come first because the API server shows the
// message as `admission webhook "..." denied the request: <message>` and kubectl-fairway prints
// what follows "denied the request: " the way Slurm's commands print errors ("sbatch: error:
// Batch job submission failed: Invalid account or ...").
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "webhook/admission_review.h"

namespace fairway::webhook::internal {

// slurm_strerror() texts (ESLURM_* in slurm_errno.c).
inline constexpr std::string_view kAccessDenied = "Access/permission denied";
inline constexpr std::string_view kInvalidAccount =
    "Invalid account or account/partition combination specified";
inline constexpr std::string_view kInvalidPartitionName = "Invalid partition name specified";
inline constexpr std::string_view kNoDefaultPartition =
    "No partition specified or system default partition";
inline constexpr std::string_view kPartitionNotAvailable =
    "Required partition not available (inactive or drain)";
inline constexpr std::string_view kPartitionGroup =
    "User's group not permitted to use this partition";
inline constexpr std::string_view kInvalidQos = "Invalid qos specification";
inline constexpr std::string_view kInvalidTimeLimit =
    "Requested time limit is invalid (missing or exceeds some limit)";
inline constexpr std::string_view kInvalidTime = "Invalid time specified";
inline constexpr std::string_view kDependency = "Job dependency problem";
inline constexpr std::string_view kCircularDependency = "Circular job dependency";
inline constexpr std::string_view kInvalidArray = "Invalid job array specification";
inline constexpr std::string_view kInvalidGres = "Invalid generic resource (gres) specification";
inline constexpr std::string_view kInvalidNodeCount = "Node count specification invalid";
inline constexpr std::string_view kInvalidNice = "Invalid --nice value";
inline constexpr std::string_view kJobNotPending = "Job is no longer pending execution";
inline constexpr std::string_view kInvalidParentAccount = "Invalid parent account specified";
inline constexpr std::string_view kQosPreemptionLoop = "QOS Preemption loop detected";
inline constexpr std::string_view kAccountingPolicy =
    "Job violates accounting/QOS policy (job submit limit, user's size and/or time limits)";

// HTTP-style codes of a denial: who may do it, or what the value may be.
inline constexpr int32_t kForbidden = 403;
inline constexpr int32_t kInvalid = 422;

struct Violation {
  int32_t code = kInvalid;
  std::string field;   // "spec.account"; empty when the rule is about the whole request
  std::string slurm;   // Slurm's words; empty when Slurm has none for this rule
  std::string detail;  // specifics (names, values); may be empty

  // "<slurm> (<field>: <detail>)", or "<field>: <detail>" without Slurm words.
  std::string Text() const;
};

inline Violation Forbidden(std::string field, std::string_view slurm, std::string detail = {}) {
  return Violation{kForbidden, std::move(field), std::string(slurm), std::move(detail)};
}
inline Violation Invalid(std::string field, std::string_view slurm, std::string detail = {}) {
  return Violation{kInvalid, std::move(field), std::string(slurm), std::move(detail)};
}
// A rule Slurm has no words for: "<field>: <text>".
inline Violation Plain(std::string field, std::string text, int32_t code = kInvalid) {
  return Violation{code, std::move(field), "", std::move(text)};
}

using MaybeViolation = std::optional<Violation>;

// The denial of request `uid` for `v`.
AdmissionResponse DenyFor(const std::string& uid, const Violation& v);

// A decoder error of a Job (api::JobFromJson and friends) as a violation, with Slurm's words for
// the Slurm fields: spec.timeLimit, spec.array, spec.dependency, spec.begin, spec.resources
// (gres/gpus/gpuType), spec.partition, spec.account, spec.qos, spec.nodes, spec.nice. Other
// fields keep the decoder's message.
Violation JobDecodeViolation(const Status& status);

// `"text"` with the quotes: for names in details.
std::string Quote(std::string_view text);

}  // namespace fairway::webhook::internal
