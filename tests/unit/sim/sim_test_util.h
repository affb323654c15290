// Helpers shared by the simulator's unit tests: Status assertions, fixture paths, temp files.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

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
