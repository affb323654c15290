// Decoding a Job for admission: metadata and spec strictly (a bad field is a violation with
// Slurm's words, internal/violation.h), status leniently (clients cannot write status through
// the main resource, and a status the operator wrote must never block a user's cancel).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api/job_types.h"
#include "webhook/internal/violation.h"

namespace fairway::webhook::internal {

struct DecodedJob {
  api::JobObject job;  // job.status is empty when status_ok is false
  bool status_ok = true;
};

// Decodes `object` into `*out`. A violation when `object` is not an object, or when its
// apiVersion/kind, metadata or spec does not decode. spec.array is checked against the cluster's
// MaxArraySize (`max_array_size`, admission.maxArraySize) first, so its error names that limit
// rather than the decoder's ceiling (Slurm's largest MaxArraySize).
MaybeViolation DecodeJob(const nlohmann::json& object, int64_t max_array_size, DecodedJob* out);

// `text` (a spec.array) against the cluster's MaxArraySize: every index < max_array_size.
MaybeViolation CheckArraySpec(const std::string& text, int64_t max_array_size);

// True once the job has started, as far as `decoded` tells: state RUNNING, REQUEUED or ended; a
// start time without a state; or any started array task. An undecodable status counts as
// started, so the after-start immutability rules err on the safe side.
bool HasStarted(const DecodedJob& decoded);

}  // namespace fairway::webhook::internal
