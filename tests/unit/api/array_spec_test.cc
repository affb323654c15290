#include "api/array_spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

using testing::IsParseError;
using testing::StatusIs;

struct ValidCase {
  std::string input;
  std::vector<uint32_t> indices;
  std::string compact;  // ToString()
  std::optional<uint32_t> max_running;
  uint32_t step;
};

std::vector<uint32_t> Range(uint32_t first, uint32_t last, uint32_t step = 1) {
  std::vector<uint32_t> out;
  for (uint32_t i = first; i <= last; i += step) {
    out.push_back(i);
  }
  return out;
}

TEST(ArraySpecTest, AcceptsEverySlurmForm) {
  const std::vector<ValidCase> cases = {
      {"0-99", Range(0, 99), "0-99", std::nullopt, 1},
      {"1,3,5-7", {1, 3, 5, 6, 7}, "1,3,5-7", std::nullopt, 1},
      {"0-15:4", {0, 4, 8, 12}, "0-12:4", std::nullopt, 4},
      {"1-100:10%3", Range(1, 91, 10), "1-91:10%3", 3, 10},
      {"0,6,16-32",
       [] {
         std::vector<uint32_t> v = {0, 6};
         for (uint32_t i = 16; i <= 32; ++i) v.push_back(i);
         return v;
       }(),
       "0,6,16-32", std::nullopt, 1},
      {"0-31%4", Range(0, 31), "0-31%4", 4, 1},
      {"1-7:2", {1, 3, 5, 7}, "1-7:2", std::nullopt, 2},
      {"7", {7}, "7", std::nullopt, 1},
      {"0", {0}, "0", std::nullopt, 1},
      {"5-5", {5}, "5", std::nullopt, 1},
      {"1000", {1000}, "1000", std::nullopt, 1},
      {"3-1000", Range(3, 1000), "3-1000", std::nullopt, 1},
      {"7%1", {7}, "7%1", 1, 1},
      {" 1-3 ", {1, 2, 3}, "1-3", std::nullopt, 1},
      {"0-10:20", {0}, "0", std::nullopt, 20},
      {"0-4:4", {0, 4}, "0,4", std::nullopt, 4},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<ArraySpec> got = ParseArraySpec(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->Indices(), c.indices);
    EXPECT_EQ(got->size(), c.indices.size());
    EXPECT_EQ(got->ToString(), c.compact);
    EXPECT_EQ(got->max_running, c.max_running);
    EXPECT_EQ(got->step, c.step);
  }
}

TEST(ArraySpecTest, SortsAndMergesOverlappingTokens) {
  const std::vector<ValidCase> cases = {
      {"5,1,3", {1, 3, 5}, "1,3,5", std::nullopt, 1},
      {"1,2,3", {1, 2, 3}, "1-3", std::nullopt, 1},
      {"1-5,3-7", Range(1, 7), "1-7", std::nullopt, 1},
      {"1,1,1", {1}, "1", std::nullopt, 1},
      {"3-7,1-5,6-9", Range(1, 9), "1-9", std::nullopt, 1},
      {"0-10:2,1-9:2", Range(0, 10), "0-10", std::nullopt, 2},
      {"0-20:5,0-20:10", {0, 5, 10, 15, 20}, "0-20:5", std::nullopt, 5},
      {"0-100,0-100:7", Range(0, 100), "0-100", std::nullopt, 7},
      {"0-30:10,5", {0, 5, 10, 20, 30}, "0-10:5,20,30", std::nullopt, 10},
      {"0-9,10-19:3",
       {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 16, 19},
       "0-9,10-19:3",
       std::nullopt,
       3},
      {"1,2-10:3,0-20:5", {0, 1, 2, 5, 8, 10, 15, 20}, "0-2,5,8,10-20:5", std::nullopt, 3},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<ArraySpec> got = ParseArraySpec(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->Indices(), c.indices);
    EXPECT_EQ(got->size(), c.indices.size());
    EXPECT_EQ(got->ToString(), c.compact);
    EXPECT_EQ(got->step, c.step);
  }
}

TEST(ArraySpecTest, RejectsMalformedInput) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"  ", "empty"},
      {"1001", "index 1001 exceeds MaxArraySize=1001 (indices must be 0-1000)"},
      {"0-1001", "exceeds MaxArraySize=1001"},
      {"99999999999999999999999", "exceeds MaxArraySize=1001"},
      {"0-10:0", "step 0"},
      {"10-1", "range \"10-1\" is reversed"},
      {"1,,2", "empty element between ','"},
      {"1,", "trailing ','"},
      {",1", "leading ','"},
      {",", "leading ','"},
      {"0-5%0", "%0 must be at least 1"},
      {"0-5%", "missing task limit after '%'"},
      {"%5", "no indices before '%'"},
      {"0-5%x", "task limit \"x\" after '%' is not a number"},
      {"0-5%2%3", "task limit \"2%3\" after '%' is not a number"},
      {"0-5%-1", "is not a number"},
      {"0-5%99999999999", "task limit 99999999999 is too large"},
      {"a", "index \"a\" in \"a\" is not a non-negative number"},
      {"1-a", "is not a non-negative number"},
      {"1.5", "is not a non-negative number"},
      {"+1", "is not a non-negative number"},
      {"1 - 5", "is not a non-negative number"},
      {"1 ,2", "is not a non-negative number"},
      {"-1", "missing index in \"-1\""},
      {"1-", "missing index in \"1-\""},
      {"-", "missing index"},
      {"1-2-3", "is not a non-negative number"},
      {"1:2", "needs a range (A-B:S)"},
      {"1:2-3", "must follow the range"},
      {"1-5:", "missing step after ':'"},
      {"1-5:x", "step \"x\" in \"1-5:x\" is not a positive number"},
      {"1-5:2:3", "is not a positive number"},
      {"1-5:99999999999", "step 99999999999 is too large"},
      {"1-5:-1", "is not a positive number"},
      {"1;2", "is not a non-negative number"},
  };
  for (const auto& [input, message] : cases) {
    SCOPED_TRACE(input);
    EXPECT_TRUE(IsParseError(ParseArraySpec(input).status(), message));
  }
}

TEST(ArraySpecTest, MaxArraySizeBoundsIndices) {
  EXPECT_TRUE(ParseArraySpec("0-9", 10).ok());
  EXPECT_TRUE(IsParseError(ParseArraySpec("0-10", 10).status(), "exceeds MaxArraySize=10"));
  EXPECT_TRUE(ParseArraySpec("4000000", 4000001).ok());
  EXPECT_TRUE(ParseArraySpec("0", 1).ok());
  EXPECT_TRUE(IsParseError(ParseArraySpec("1", 1).status(), "indices must be 0-0"));
  EXPECT_TRUE(StatusIs(ParseArraySpec("0", 0).status(), StatusCode::kInvalidArgument,
                       "job arrays are disabled (MaxArraySize=0)"));
  EXPECT_TRUE(StatusIs(ParseArraySpec("0", kMaxMaxArraySize + 1).status(),
                       StatusCode::kInvalidArgument, "exceeds Slurm's maximum of 4000001"));
}

TEST(ArraySpecTest, LargeArrayStaysCompact) {
  StatusOr<ArraySpec> got = ParseArraySpec("0-99999%50", 100000);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->ranges.size(), 1u);
  EXPECT_EQ(got->size(), 100000u);
  EXPECT_EQ(got->min_index(), 0u);
  EXPECT_EQ(got->max_index(), 99999u);
  EXPECT_TRUE(got->Contains(99999));
  EXPECT_FALSE(got->Contains(100000));
  EXPECT_EQ(got->ToString(), "0-99999%50");

  StatusOr<ArraySpec> huge = ParseArraySpec("0-4000000:3,1-4000000:3", 4000001);
  ASSERT_TRUE(huge.ok()) << huge.status();
  EXPECT_EQ(huge->size(), 2666668u);
  EXPECT_TRUE(huge->Contains(4000000));
  EXPECT_FALSE(huge->Contains(2));
}

TEST(ArraySpecTest, ContainsMatchesIndices) {
  StatusOr<ArraySpec> spec = ParseArraySpec("1,3,10-20:5,30-32,50-90:20");
  ASSERT_TRUE(spec.ok()) << spec.status();
  std::vector<uint32_t> indices = spec->Indices();
  for (uint32_t i = 0; i <= 100; ++i) {
    bool want = std::find(indices.begin(), indices.end(), i) != indices.end();
    EXPECT_EQ(spec->Contains(i), want) << i;
  }
  EXPECT_EQ(spec->min_index(), 1u);
  EXPECT_EQ(spec->max_index(), 90u);
}

TEST(ArraySpecTest, ForEachVisitsAscending) {
  StatusOr<ArraySpec> spec = ParseArraySpec("9,0-4:2,5");
  ASSERT_TRUE(spec.ok()) << spec.status();
  std::vector<uint32_t> seen;
  spec->ForEach([&seen](uint32_t i) { seen.push_back(i); });
  EXPECT_EQ(seen, (std::vector<uint32_t>{0, 2, 4, 5, 9}));
}

TEST(ArraySpecTest, ToStringParsesBackToTheSameSpec) {
  for (const char* input :
       {"0-99", "1,3,5-7", "0-15:4", "1-100:10%3", "0,6,16-32", "5,1,3", "0-30:10,5", "0-9,10-19:3",
        "1,2-10:3,0-20:5", "0-20:5,0-20:10", "0-4:4", "999,0", "1-2", "0-1000:333%1000"}) {
    SCOPED_TRACE(input);
    StatusOr<ArraySpec> first = ParseArraySpec(input);
    ASSERT_TRUE(first.ok()) << first.status();
    StatusOr<ArraySpec> second = ParseArraySpec(first->ToString());
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_EQ(second->ranges, first->ranges);
    EXPECT_EQ(second->max_running, first->max_running);
  }
}

}  // namespace
}  // namespace fairway::api
