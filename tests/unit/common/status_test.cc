#include "common/status.h"

#include <gtest/gtest.h>

#include "common/status_macros.h"

namespace fairway {
namespace {

StatusOr<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgumentError("must be positive", "count");
  return v;
}

StatusOr<int> Doubled(int v) {
  FAIRWAY_ASSIGN_OR_RETURN(int parsed, ParsePositive(v));
  return parsed * 2;
}

Status Check(int v) {
  FAIRWAY_RETURN_IF_ERROR(ParsePositive(v).status());
  return OkStatus();
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CarriesCodeMessageAndField) {
  Status s = InvalidArgumentError("bad value", "timeLimit");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: timeLimit: bad value");
}

TEST(StatusTest, ContextAndFieldPrefixCompose) {
  Status s = InvalidArgumentError("bad value", "timeLimit").WithFieldPrefix("spec").WithContext(
      "job default/a");
  EXPECT_EQ(s.field(), "spec.timeLimit");
  EXPECT_EQ(s.message(), "job default/a: bad value");
  EXPECT_EQ(InvalidArgumentError("x", "[3]").WithFieldPrefix("items").field(), "items[3]");
}

TEST(StatusTest, OkStatusIgnoresMessage) {
  EXPECT_EQ(Status(StatusCode::kOk, "ignored").message(), "");
}

TEST(StatusOrTest, PropagatesThroughMacros) {
  EXPECT_EQ(Doubled(4).value(), 8);
  StatusOr<int> bad = Doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Check(1).ok());
  EXPECT_EQ(Check(0).code(), StatusCode::kInvalidArgument);
}

TEST(StatusOrTest, OkStatusWithoutValueBecomesInternal) {
  StatusOr<int> s{OkStatus()};
  EXPECT_EQ(s.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace fairway
