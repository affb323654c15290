// libFuzzer target for the #SBATCH parser of kubectl-fairway (src/cli/sbatch_script.h): the input
// is a batch script. Properties: nothing crashes, trips a sanitizer or throws; a refusal is
// kInvalidArgument (a message for the user, never an internal error); the options of an accepted
// script validate without crashing.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "cli/sbatch_script.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view script(reinterpret_cast<const char*>(data), size);
  fairway::cli::SbatchOptions opts;
  fairway::Status parsed = fairway::cli::ParseSbatchScript(script, &opts);
  if (!parsed.ok()) {
    if (parsed.code() != fairway::StatusCode::kInvalidArgument) {
      std::fprintf(stderr, "property violated: ParseSbatchScript: %s\n", parsed.ToString().c_str());
      std::abort();
    }
    return 0;
  }
  // 2025-03-01T08:00:00Z, so --begin offsets are reproducible.
  const fairway::core::Timestamp now{std::chrono::seconds(1740816000)};
  fairway::Status valid = fairway::cli::ValidateSbatchOptions(opts, now);
  if (!valid.ok() && valid.code() != fairway::StatusCode::kInvalidArgument) {
    std::fprintf(stderr, "property violated: ValidateSbatchOptions: %s\n",
                 valid.ToString().c_str());
    std::abort();
  }
  return 0;
}
