// libFuzzer target for the settings file (src/config): the input is YAML text read by both
// ParseSchedulerSettings and ParseAdmissionSettings, as the operator reads one file with both.
// Properties: nothing crashes, trips a sanitizer or throws (yaml-cpp throws; the parsers must
// catch at their edge); a refusal is kInvalidArgument.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "config/admission_settings.h"
#include "config/scheduler_settings.h"

namespace {

void Check(const fairway::Status& s, const char* parser) {
  if (s.ok() || s.code() == fairway::StatusCode::kInvalidArgument) return;
  std::fprintf(stderr, "property violated: %s: %s\n", parser, s.ToString().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Check(fairway::config::ParseSchedulerSettings(text).status(), "ParseSchedulerSettings");
  Check(fairway::config::ParseAdmissionSettings(text).status(), "ParseAdmissionSettings");
  return 0;
}
