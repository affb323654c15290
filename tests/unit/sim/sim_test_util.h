// Helpers shared by the simulator's unit tests: Status assertions, fixture paths, temp files.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace fairway::sim::testing {

// Passes when `status` has `code` and its message contains `substring`.
inline ::testing::AssertionResult StatusIs(const Status& status, StatusCode code,
                                           std::string_view substring = {}) {
  if (status.code() != code) {
    return ::testing::AssertionFailure()
           << "expected " << StatusCodeName(code) << ", got " << status.ToString();
  }
  if (status.message().find(substring) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message '" << status.message() << "' lacks '" << substring << "'";
  }
  return ::testing::AssertionSuccess();
}

inline std::string TestdataPath(std::string_view name) {
  return std::string(FAIRWAY_TESTDATA_DIR) + "/sim/" + std::string(name);
}

inline std::string TracePath(std::string_view name) {
  return std::string(FAIRWAY_DATA_DIR) + "/traces/" + std::string(name);
}

// One SWF job line from the fields the RLScheduler protocol reads: job number, submit time, run
// time, processors (allocated and requested) and requested time; every other field -1.
inline std::string SwfJobLine(int number, int submit, int run, int procs, int estimate) {
  return std::to_string(number) + " " + std::to_string(submit) + " -1 " + std::to_string(run) +
         " " + std::to_string(procs) + " -1 -1 " + std::to_string(procs) + " " +
         std::to_string(estimate) + " -1 1 1 1 1 1 -1 -1 -1\n";
}

// Empty when the trace `name` is present; otherwise one message saying which file is missing,
// where it comes from and how to make it a failure. The traces are public but not part of the
// repository: they live in ../shared/data beside the checkout (README.md, section "Data").
inline std::string MissingTrace(std::string_view name) {
  std::string path = TracePath(name);
  std::error_code error;
  if (std::filesystem::is_regular_file(path, error)) return {};
  return "trace data missing: " + path +
         " (public traces, not in the repository: README.md section \"Data\" lists their "
         "sources; put them in ../shared/data/traces or configure -DFAIRWAY_DATA_DIR=...; "
         "FAIRWAY_REQUIRE_DATA=1, set by .ci/run, turns this skip into a failure)";
}

// CI has the data: there a missing trace fails the test instead of skipping it.
inline bool DataRequired() {
  const char* value = std::getenv("FAIRWAY_REQUIRE_DATA");
  return value != nullptr && *value != '\0' && std::string_view(value) != "0";
}

// Skips the current test (or fails it under FAIRWAY_REQUIRE_DATA) when a trace is missing. A
// macro because GTEST_SKIP and FAIL return from the test body.
#define FAIRWAY_REQUIRE_TRACE(name)                                                  \
  do {                                                                               \
    const std::string fairway_missing = ::fairway::sim::testing::MissingTrace(name); \
    if (!fairway_missing.empty()) {                                                  \
      if (::fairway::sim::testing::DataRequired()) FAIL() << fairway_missing;        \
      GTEST_SKIP() << fairway_missing;                                               \
    }                                                                                \
  } while (false)

// A fresh path in the test temp dir, unique per test (name from the running test).
inline std::string TempPath(std::string_view suffix) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "_" + info->name();
  for (char& c : name) {
    if (c == '/') {
      c = '_';
    }
  }
  return (std::filesystem::path(::testing::TempDir()) / (name + std::string(suffix))).string();
}

// Writes `text` gzip-compressed to `path`. Returns false on failure.
inline bool WriteGzip(const std::string& path, std::string_view text) {
  gzFile file = gzopen(path.c_str(), "wb");
  if (file == nullptr) {
    return false;
  }
  const int written = gzwrite(file, text.data(), static_cast<unsigned>(text.size()));
  return gzclose(file) == Z_OK && written == static_cast<int>(text.size());
}

}  // namespace fairway::sim::testing
