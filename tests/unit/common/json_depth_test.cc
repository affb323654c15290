#include "common/json_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace fairway {
namespace {

TEST(JsonDepthTest, CountsNestedArraysAndObjects) {
  EXPECT_EQ(JsonDepth("", 10), 0u);
  EXPECT_EQ(JsonDepth("42", 10), 0u);
  EXPECT_EQ(JsonDepth("{}", 10), 1u);
  EXPECT_EQ(JsonDepth(R"({"a":[1,{"b":[]}],"c":{}})", 10), 4u);
  EXPECT_EQ(JsonDepth("[[],[[]],[]]", 10), 3u);
}

TEST(JsonDepthTest, SkipsBracketsInsideStrings) {
  EXPECT_EQ(JsonDepth(R"({"a":"[[[{{{"})", 10), 1u);
  // An escaped quote does not end the string; an escaped backslash before a quote does.
  EXPECT_EQ(JsonDepth(R"(["\"[[[", "\\", [[]]])", 10), 3u);
}

TEST(JsonDepthTest, StopsOnceTheLimitIsExceeded) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(JsonDepth(deep, kMaxJsonDepth), kMaxJsonDepth + 1);
  const std::string at_limit = std::string(kMaxJsonDepth, '{') + std::string(kMaxJsonDepth, '}');
  EXPECT_EQ(JsonDepth(at_limit, kMaxJsonDepth), kMaxJsonDepth);
}

}  // namespace
}  // namespace fairway
