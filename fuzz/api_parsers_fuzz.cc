// libFuzzer target for every Slurm-style string parser in src/api. Built only with
// -DFAIRWAY_BUILD_FUZZ=ON and clang; run e.g. `./api_parsers_fuzz -max_total_time=60`.
// A parser must never crash, trip a sanitizer, throw, or break a property in
// fuzz/api_parser_checks.h.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/api_parser_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string violation = fairway::api::fuzz::CheckApiParsers(input);
  if (!violation.empty()) {
    std::fprintf(stderr, "property violated: %s\n", violation.c_str());
    std::abort();
  }
  return 0;
}
