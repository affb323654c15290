// Helpers shared by the api parser tests: status assertions with specific codes and messages
// (STYLE.md §9: assert the specific error, not just "not OK").
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace fairway::api::testing {

// Success if `status` has code `code` and its message contains `substr`.
inline ::testing::AssertionResult StatusIs(const Status& status, StatusCode code,
                                           std::string_view substr = {}) {
  if (status.code() != code) {
    return ::testing::AssertionFailure()
           << "expected code " << StatusCodeName(code) << ", got " << status.ToString();
  }
  if (status.message().find(substr) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message \"" << status.message() << "\" lacks \"" << substr << "\"";
  }
  return ::testing::AssertionSuccess();
}

// The usual parser failure: kInvalidArgument, a message holding `substr`, and the list of
// accepted forms so the user can correct the input.
inline ::testing::AssertionResult IsParseError(const Status& status, std::string_view substr) {
  ::testing::AssertionResult r = StatusIs(status, StatusCode::kInvalidArgument, substr);
  if (!r) {
    return r;
  }
  return StatusIs(status, StatusCode::kInvalidArgument, "accepted forms");
}

}  // namespace fairway::api::testing
