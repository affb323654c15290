#include "api/quantity.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

using testing::IsParseError;

constexpr int64_t kKi = 1024;
constexpr int64_t kMi = kKi * 1024;
constexpr int64_t kGi = kMi * 1024;

struct ValidCase {
  std::string input;
  int64_t want;
};

TEST(QuantityTest, ParsesCpuInMillicores) {
  const std::vector<ValidCase> cases = {
      {"500m", 500},   {"2", 2000},      {"1.5", 1500},   {"0.1", 100},     {"0", 0},
      {"0m", 0},       {"+1", 1000},     {".5", 500},     {"5.", 5000},     {"2000m", 2000},
      {"1k", 1000000}, {"1e3", 1000000}, {"1E-3", 1},     {"1Ki", 1024000}, {"100", 100000},
      {" 250m ", 250}, {"0.001", 1},     {"1.000", 1000}, {"007", 7000},    {"1e0", 1000},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<int64_t> got = ParseCpuMillis(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, c.want);
  }
}

TEST(QuantityTest, CpuRoundsUpToWholeMillicores) {
  const std::vector<ValidCase> cases = {
      {"0.0001", 1},    {"100u", 1},        {"1n", 1},      {"0.5m", 1},
      {"1.0001", 1001}, {"1500001u", 1501}, {"1e-1000", 1},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<int64_t> got = ParseCpuMillis(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, c.want);
  }
}

TEST(QuantityTest, ParsesMemoryInBytes) {
  const std::vector<ValidCase> cases = {
      {"64Gi", 64 * kGi},
      {"512Mi", 512 * kMi},
      {"1G", 1000000000},
      {"1000", 1000},
      {"1e3", 1000},
      {"1E3", 1000},
      {"1e+3", 1000},
      {"1.5Gi", kGi + kGi / 2},
      {"100k", 100000},
      {"1Ki", 1024},
      {"1Ti", kGi * 1024},
      {"1Pi", kGi * 1024 * 1024},
      {"1Ei", int64_t{1} << 60},
      {"7Ei", int64_t{7} << 60},
      {"1M", 1000000},
      {"1T", 1000000000000},
      {"1P", 1000000000000000},
      {"9E", 9000000000000000000},
      {"9223372036854775807", INT64_MAX},
      {"0.5", 1},
      {"500m", 1},
      {"1n", 1},
      {"1.0000000001", 2},
      {"0.1Ki", 103},  // 102.4 rounded up
      {"0", 0},
      {"0Gi", 0},
      {"0.000e5", 0},
      {"12e-1", 2},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<int64_t> got = ParseMemoryBytes(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, c.want);
  }
}

TEST(QuantityTest, RejectsMalformedInput) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"  ", "empty"},
      {"-1", "negative quantities are not allowed"},
      {"-0.5Gi", "negative"},
      {"abc", "missing number"},
      {"Gi", "missing number"},
      {".", "no digits in the number"},
      {"+", "missing number"},
      {"1.2.3", "unknown suffix \".3\""},
      {"1K", "unknown suffix \"K\" (use k for 1000 or Ki for 1024)"},
      {"1KB", "unknown suffix \"KB\""},
      {"1 Gi", "unknown suffix \" Gi\""},
      {"1gi", "unknown suffix \"gi\""},
      {"1e", "unknown suffix \"e\""},
      {"1e+", "exponent \"e+\" is not an integer"},
      {"1e1.5", "is not an integer"},
      {"1ee3", "is not an integer"},
      {"1e1001", "exponent out of range"},
      {"1e99999999999999999999", "exponent out of range"},
      {"1Gi1", "unknown suffix"},
      {"0x10", "unknown suffix \"x10\""},
      {"1,000", "unknown suffix"},
      {"++1", "missing number"},
  };
  for (const auto& [input, message] : cases) {
    SCOPED_TRACE(input);
    EXPECT_TRUE(IsParseError(ParseMemoryBytes(input).status(), message));
    EXPECT_TRUE(IsParseError(ParseCpuMillis(input).status(), message));
  }
}

TEST(QuantityTest, RejectsOverflow) {
  for (const char* input : {"8Ei", "9223372036854775808", "99999999999999999999Gi", "1e19", "10E",
                            "9223372036854775807.5", "1e1000"}) {
    SCOPED_TRACE(input);
    EXPECT_TRUE(IsParseError(ParseMemoryBytes(input).status(), "value is too large"));
  }
  for (const char* input : {"9223372036854776", "9300P", "9E"}) {
    SCOPED_TRACE(input);
    EXPECT_TRUE(IsParseError(ParseCpuMillis(input).status(), "value is too large"));
  }
  EXPECT_TRUE(
      IsParseError(ParseMemoryBytes(std::string(129, '1')).status(), "longer than 128 characters"));
}

TEST(QuantityTest, FormatsCanonically) {
  EXPECT_EQ(FormatCpuMillis(500), "500m");
  EXPECT_EQ(FormatCpuMillis(2000), "2");
  EXPECT_EQ(FormatCpuMillis(0), "0");
  EXPECT_EQ(FormatCpuMillis(1500), "1500m");
  EXPECT_EQ(FormatMemoryBytes(64 * kGi), "64Gi");
  EXPECT_EQ(FormatMemoryBytes(1536 * kMi), "1536Mi");
  EXPECT_EQ(FormatMemoryBytes(1000000000), "1G");
  EXPECT_EQ(FormatMemoryBytes(100000), "100k");
  EXPECT_EQ(FormatMemoryBytes(1001), "1001");
  EXPECT_EQ(FormatMemoryBytes(0), "0");
  EXPECT_EQ(FormatMemoryBytes(int64_t{1} << 60), "1Ei");
  EXPECT_EQ(FormatMemoryBytes(INT64_MAX), "9223372036854775807");
}

TEST(QuantityTest, FormatThenParseRoundTrips) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{1000}, int64_t{1024},
                    int64_t{1536} * kMi, int64_t{3} * kGi, int64_t{7} << 60, INT64_MAX}) {
    SCOPED_TRACE(v);
    StatusOr<int64_t> mem = ParseMemoryBytes(FormatMemoryBytes(v));
    ASSERT_TRUE(mem.ok()) << mem.status();
    EXPECT_EQ(*mem, v);
    StatusOr<int64_t> cpu = ParseCpuMillis(FormatCpuMillis(v));
    ASSERT_TRUE(cpu.ok()) << cpu.status();
    EXPECT_EQ(*cpu, v);
  }
}

}  // namespace
}  // namespace fairway::api
