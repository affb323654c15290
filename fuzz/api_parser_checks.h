// Property checks for the api string parsers, shared by the libFuzzer target
// (fuzz/api_parsers_fuzz.cc) and the deterministic robustness test that runs in ctest
// (tests/unit/api/parsers_robustness_test.cc).
//
// CheckApiParsers(input) runs every parser on `input` and returns "" when every property
// holds, else a description of the first violation. Properties:
//   - a failure is kInvalidArgument with a non-empty message;
//   - parsing is deterministic (same input, same result);
//   - successful results satisfy their type's invariants, and formatting a result and parsing
//     it again gives the same value.
// Crashes, sanitizer reports and escaping exceptions are caught by the callers' harnesses.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "api/array_spec.h"
#include "api/begin_time.h"
#include "api/dependency.h"
#include "api/gres.h"
#include "api/quantity.h"
#include "api/time_limit.h"

namespace fairway::api::fuzz {

// A fixed "now" so begin-time results are reproducible: 2025-03-10T14:30:00Z.
inline constexpr int64_t kFuzzNowSeconds = 1741617000;

template <typename T>
std::string CheckFailure(const char* parser, const StatusOr<T>& result) {
  if (result.ok()) {
    return "";
  }
  const Status s = result.status();
  if (s.code() != StatusCode::kInvalidArgument) {
    return std::string(parser) + ": unexpected code " + s.ToString();
  }
  if (s.message().empty()) {
    return std::string(parser) + ": empty error message";
  }
  return "";
}

inline std::string CheckTimeLimit(std::string_view input) {
  StatusOr<TimeLimit> r = ParseTimeLimit(input);
  if (std::string e = CheckFailure("ParseTimeLimit", r); !e.empty() || !r.ok()) {
    return e;
  }
  if (r->limit) {
    int64_t s = r->limit->count();
    if (s <= 0 || s % 60 != 0 || s / 60 > kMaxTimeLimitMinutes) {
      return "ParseTimeLimit: limit is not a positive whole number of minutes";
    }
  }
  StatusOr<TimeLimit> again = ParseTimeLimit(FormatTimeLimit(r->limit));
  if (!again.ok() || !(*again == *r)) {
    return "ParseTimeLimit: format/parse round trip changed the value";
  }
  return "";
}

inline std::string CheckBeginTime(std::string_view input) {
  const core::Timestamp now{core::Seconds(kFuzzNowSeconds)};
  for (int offset : {0, 3600, -5 * 3600 - 1800}) {
    StatusOr<core::Timestamp> r = ParseBeginTime(input, now, offset);
    if (std::string e = CheckFailure("ParseBeginTime", r); !e.empty()) {
      return e;
    }
    StatusOr<core::Timestamp> again = ParseBeginTime(input, now, offset);
    if (r.ok() != again.ok() || (r.ok() && *r != *again)) {
      return "ParseBeginTime: not deterministic";
    }
  }
  return "";
}

inline std::string CheckArraySpec(std::string_view input, uint32_t max_array_size) {
  StatusOr<ArraySpec> r = ParseArraySpec(input, max_array_size);
  if (std::string e = CheckFailure("ParseArraySpec", r); !e.empty() || !r.ok()) {
    return e;
  }
  const ArraySpec& spec = *r;
  if (spec.empty()) {
    return "ParseArraySpec: accepted a spec with no indices";
  }
  uint64_t counted = 0;
  for (size_t i = 0; i < spec.ranges.size(); ++i) {
    const ArrayRange& a = spec.ranges[i];
    if (a.step == 0 || a.first > a.last || (a.last - a.first) % a.step != 0 ||
        a.last >= max_array_size) {
      return "ParseArraySpec: malformed range";
    }
    if (i > 0 && spec.ranges[i - 1].last >= a.first) {
      return "ParseArraySpec: ranges overlap or are unsorted";
    }
    counted += a.size();
  }
  if (counted != spec.size()) {
    return "ParseArraySpec: size() disagrees with ranges";
  }
  if (spec.max_running && *spec.max_running == 0) {
    return "ParseArraySpec: %0 accepted";
  }
  if (spec.step == 0) {
    return "ParseArraySpec: step 0";
  }
  // Contains() and Indices() must agree with each other on small arrays.
  if (spec.max_index() <= 5000) {
    std::vector<uint32_t> indices = spec.Indices();
    if (indices.size() != spec.size()) {
      return "ParseArraySpec: Indices() disagrees with size()";
    }
    size_t next = 0;
    for (uint32_t i = 0; i <= spec.max_index() + 1; ++i) {
      bool listed = next < indices.size() && indices[next] == i;
      if (listed) {
        ++next;
      }
      if (spec.Contains(i) != listed) {
        return "ParseArraySpec: Contains(" + std::to_string(i) + ") disagrees with Indices()";
      }
    }
  }
  StatusOr<ArraySpec> again = ParseArraySpec(spec.ToString(), max_array_size);
  if (!again.ok() || again->ranges != spec.ranges || again->max_running != spec.max_running) {
    return "ParseArraySpec: ToString/parse round trip changed the value: " + spec.ToString();
  }
  return "";
}

inline std::string CheckDependency(std::string_view input) {
  StatusOr<DependencySpec> r = ParseDependency(input);
  if (std::string e = CheckFailure("ParseDependency", r); !e.empty() || !r.ok()) {
    return e;
  }
  if (r->items.empty()) {
    return "ParseDependency: accepted a spec with no items";
  }
  for (const DependencyItem& item : r->items) {
    if ((item.type == DependencyType::kSingleton) != item.targets.empty()) {
      return "ParseDependency: target list does not match the type";
    }
    for (const DependencyTarget& t : item.targets) {
      if (t.ref.empty() || (t.delay_minutes > 0 && item.type != DependencyType::kAfter)) {
        return "ParseDependency: malformed target";
      }
    }
  }
  StatusOr<DependencySpec> again = ParseDependency(FormatDependency(*r));
  if (!again.ok() || !(*again == *r)) {
    return "ParseDependency: format/parse round trip changed the value";
  }
  return "";
}

inline std::string CheckGres(std::string_view input) {
  StatusOr<GpuRequest> gres = ParseGres(input);
  if (std::string e = CheckFailure("ParseGres", gres); !e.empty()) {
    return e;
  }
  StatusOr<GpuRequest> gpus = ParseGpus(input);
  if (std::string e = CheckFailure("ParseGpus", gpus); !e.empty()) {
    return e;
  }
  for (const StatusOr<GpuRequest>* r : {&gres, &gpus}) {
    if (!r->ok()) {
      continue;
    }
    if ((*r)->count < 0 || (*r)->count > kMaxGpuCount) {
      return "ParseGres/ParseGpus: count out of range";
    }
    StatusOr<GpuRequest> again = ParseGres(FormatGres(**r));
    if (!again.ok() || !(*again == **r)) {
      return "ParseGres: format/parse round trip changed the value";
    }
  }
  return "";
}

inline std::string CheckQuantity(std::string_view input) {
  StatusOr<int64_t> cpu = ParseCpuMillis(input);
  if (std::string e = CheckFailure("ParseCpuMillis", cpu); !e.empty()) {
    return e;
  }
  if (cpu.ok()) {
    if (*cpu < 0) {
      return "ParseCpuMillis: negative result";
    }
    StatusOr<int64_t> again = ParseCpuMillis(FormatCpuMillis(*cpu));
    if (!again.ok() || *again != *cpu) {
      return "ParseCpuMillis: format/parse round trip changed the value";
    }
  }
  StatusOr<int64_t> mem = ParseMemoryBytes(input);
  if (std::string e = CheckFailure("ParseMemoryBytes", mem); !e.empty()) {
    return e;
  }
  if (mem.ok()) {
    if (*mem < 0) {
      return "ParseMemoryBytes: negative result";
    }
    StatusOr<int64_t> again = ParseMemoryBytes(FormatMemoryBytes(*mem));
    if (!again.ok() || *again != *mem) {
      return "ParseMemoryBytes: format/parse round trip changed the value";
    }
    if (cpu.ok() && *mem > 0 && *cpu < *mem) {
      // cpu = ceil(1000 x), mem = ceil(x): cpu >= mem for any x > 0.
      return "ParseCpuMillis/ParseMemoryBytes: inconsistent scaling";
    }
  }
  return "";
}

inline std::string CheckApiParsers(std::string_view input) {
  for (std::string e :
       {CheckTimeLimit(input), CheckBeginTime(input), CheckArraySpec(input, kDefaultMaxArraySize),
        CheckArraySpec(input, kMaxMaxArraySize), CheckDependency(input), CheckGres(input),
        CheckQuantity(input)}) {
    if (!e.empty()) {
      return e;
    }
  }
  return "";
}

}  // namespace fairway::api::fuzz
