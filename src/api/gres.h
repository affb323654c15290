// GPU requests in Slurm's `--gres` and `--gpus` syntax.
//
// --gres (per node), gres name case-insensitive:
//   gpu              one GPU of any type
//   gpu:N            N GPUs of any type (N may be 0: no GPUs)
//   gpu:TYPE         one GPU of TYPE
//   gpu:TYPE:N       N GPUs of TYPE          "gpu:a100:2"
// --gpus / -G (per job):
//   N, TYPE:N, and the same with a "gpu:" prefix ("gpu:a100:2")
// TYPE is letters, digits, '_', '-' and '.', and not all digits ("a100", "h100_80gb"). Other
// gres names (mps, shard, ...) and lists of several gres are not supported. Surrounding
// whitespace is ignored.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace fairway::api {

// Largest accepted GPU count; far above any real node or job, small enough to never overflow.
inline constexpr int64_t kMaxGpuCount = 1'000'000;

struct GpuRequest {
  std::string type;  // empty = any type
  int64_t count = 1;

  bool operator==(const GpuRequest&) const = default;
};

// Parses a --gres value. Errors are kInvalidArgument and name the accepted forms.
[[nodiscard]] StatusOr<GpuRequest> ParseGres(std::string_view text);

// Parses a --gpus value ("[type:]N"); the count is required.
[[nodiscard]] StatusOr<GpuRequest> ParseGpus(std::string_view text);

// "gpu:a100:2" or "gpu:2": the --gres form.
std::string FormatGres(const GpuRequest& request);

}  // namespace fairway::api
