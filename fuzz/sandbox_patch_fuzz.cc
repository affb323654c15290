// libFuzzer target for the sandbox's patch handling (src/sandbox/patch.h) and server-side apply
// ownership (managed_fields.h). The input is two JSON documents separated by a NUL byte: the
// live object and the patch (or applied configuration). Properties: nothing crashes, trips a
// sanitizer or throws; a merge patch applied twice gives the same object; ownership never
// refuses a forced apply.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "sandbox/managed_fields.h"
#include "sandbox/patch.h"

namespace {

using nlohmann::json;

[[noreturn]] void Violation(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

void CheckOwnership(const json& live, const json& applied, const json& merged) {
  const fairway::WallTime now = std::chrono::system_clock::from_time_t(1740816000);
  fairway::sandbox::FieldManager who;
  who.manager = "fuzz";
  who.apply = true;
  who.api_version = "v1";
  if (!fairway::sandbox::ApplyOwnership(live, merged, applied, who, /*force=*/true, now).ok()) {
    Violation("a forced apply was refused");
  }
  (void)fairway::sandbox::ApplyOwnership(live, merged, applied, who, /*force=*/false, now);
  who.apply = false;
  json next = merged;
  fairway::sandbox::RecordUpdate(&live, &next, who, now);
  fairway::sandbox::RecordApplyCreate(applied, &next, who, now);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  if (nul == std::string_view::npos) return 0;
  json live = json::parse(input.substr(0, nul), nullptr, false);
  json patch = json::parse(input.substr(nul + 1), nullptr, false);
  if (live.is_discarded() || patch.is_discarded()) return 0;

  fairway::sandbox::Result<json> merged = fairway::sandbox::ApplyMergePatch(live, patch);
  if (merged.ok()) {
    fairway::sandbox::Result<json> twice = fairway::sandbox::ApplyMergePatch(*merged, patch);
    if (!twice.ok() || *twice != *merged) Violation("merge patch is not idempotent");
    if (live.is_object() && merged->is_object()) CheckOwnership(live, patch, *merged);
  }
  (void)fairway::sandbox::ApplyJsonPatch(live, patch);
  (void)fairway::sandbox::ApplyStrategicMergePatch(live, patch);
  return 0;
}
