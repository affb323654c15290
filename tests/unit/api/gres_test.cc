#include "api/gres.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

using testing::IsParseError;

struct ValidCase {
  std::string input;
  GpuRequest want;
};

TEST(GresTest, AcceptsEveryGpuForm) {
  const std::vector<ValidCase> cases = {
      {"gpu", {"", 1}},
      {"gpu:4", {"", 4}},
      {"gpu:a100:2", {"a100", 2}},
      {"gpu:a100", {"a100", 1}},
      {"gpu:0", {"", 0}},
      {"gpu:a100:0", {"a100", 0}},
      {"GPU:2", {"", 2}},
      {" gpu:2 ", {"", 2}},
      {"gpu:h100_80gb:8", {"h100_80gb", 8}},
      {"gpu:tesla-v100:1", {"tesla-v100", 1}},
      {"gpu:2080ti", {"2080ti", 1}},
      {"gpu:A100:3", {"A100", 3}},
      {"gpu:007", {"", 7}},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<GpuRequest> got = ParseGres(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, c.want);
  }
}

TEST(GresTest, RejectsMalformedInput) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {" ", "empty"},
      {"mps:2", "gres \"mps\" is not supported; only gpu is"},
      {"shard", "gres \"shard\" is not supported"},
      {"gpux", "gres \"gpux\" is not supported"},
      {":2", "gres \"\" is not supported"},
      {"gpu::2", "empty GPU type"},
      {"gpu:", "missing type or count after ':'"},
      {"gpu:-1", "GPU count \"-1\" is negative"},
      {"gpu:a100:-2", "is negative"},
      {"gpu:+2", "is not a number"},
      {"gpu:a100:x", "GPU count \"x\" is not a number"},
      {"gpu:a100:1.5", "is not a number"},
      {"gpu:a100:", "empty GPU count"},
      {"gpu:a100:2:3", "too many ':' separated fields"},
      {"gpu:2,mps:1", "only one gres (gpu) can be requested"},
      {"gpu:a100:99999999999", "is too large"},
      {"gpu:99999999999999999999999", "is too large"},
      {"gpu:1000001", "is too large (maximum 1000000)"},
      {"gpu:a/100", "may only hold letters, digits"},
      {"gpu:a 100", "may only hold letters, digits"},
      {"gpu:1:2", "GPU type \"1\" must not be all digits"},
      {"gpu:" + std::string(64, 'a'), "longer than 63 characters"},
  };
  for (const auto& [input, message] : cases) {
    SCOPED_TRACE(input);
    EXPECT_TRUE(IsParseError(ParseGres(input).status(), message));
  }
}

TEST(GresTest, GpusOptionTakesOptionalTypeAndCount) {
  const std::vector<ValidCase> cases = {
      {"2", {"", 2}},          {"0", {"", 0}},
      {"a100:2", {"a100", 2}}, {"gpu:a100:2", {"a100", 2}},
      {"gpu:2", {"", 2}},      {"GPU:h100:8", {"h100", 8}},
      {" 4 ", {"", 4}},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<GpuRequest> got = ParseGpus(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, c.want);
  }
}

TEST(GresTest, GpusOptionRejectsMalformedInput) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"a100", "missing GPU count after type \"a100\""},
      {"gpu", "missing GPU count after type \"gpu\""},
      {"-1", "is negative"},
      {"a100:", "empty GPU count"},
      {"a100:-1", "is negative"},
      {":2", "empty GPU type"},
      {"a100:2:3", "too many ':' separated fields"},
      {"gpu:a100:2:3", "too many ':' separated fields"},
      {"x y", "GPU count \"x y\" is not a number"},
      {"2,3", "only one GPU request"},
      {"99999999999999999999", "is too large"},
  };
  for (const auto& [input, message] : cases) {
    SCOPED_TRACE(input);
    EXPECT_TRUE(IsParseError(ParseGpus(input).status(), message));
  }
}

TEST(GresTest, FormatsAsGresAndParsesBack) {
  const std::vector<std::pair<GpuRequest, std::string>> cases = {
      {{"", 1}, "gpu:1"},
      {{"a100", 2}, "gpu:a100:2"},
      {{"", 0}, "gpu:0"},
  };
  for (const auto& [req, want] : cases) {
    EXPECT_EQ(FormatGres(req), want);
    StatusOr<GpuRequest> back = ParseGres(want);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, req);
  }
}

}  // namespace
}  // namespace fairway::api
