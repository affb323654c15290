#include "api/dependency.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

using testing::IsParseError;
using Kind = DependencyTarget::Kind;

DependencyTarget Id(std::string ref, uint32_t delay = 0) {
  return DependencyTarget{std::move(ref), Kind::kJobId, delay};
}
DependencyTarget Task(std::string ref) {
  return DependencyTarget{std::move(ref), Kind::kArrayTask};
}
DependencyTarget Named(std::string ref, uint32_t delay = 0) {
  return DependencyTarget{std::move(ref), Kind::kJobName, delay};
}

struct ValidCase {
  std::string input;
  DependencySpec want;
  std::string formatted;
};

TEST(DependencyTest, AcceptsEverySlurmForm) {
  using T = DependencyType;
  const std::vector<ValidCase> cases = {
      {"afterok:123", {DependencySpec::kAll, {{T::kAfterOk, {Id("123")}}}}, "afterok:123"},
      {"afterok:123:456",
       {DependencySpec::kAll, {{T::kAfterOk, {Id("123"), Id("456")}}}},
       "afterok:123:456"},
      {"after:12+5", {DependencySpec::kAll, {{T::kAfter, {Id("12", 5)}}}}, "after:12+5"},
      {"after:12+5:13",
       {DependencySpec::kAll, {{T::kAfter, {Id("12", 5), Id("13")}}}},
       "after:12+5:13"},
      {"after:12+0", {DependencySpec::kAll, {{T::kAfter, {Id("12")}}}}, "after:12"},
      {"after:12", {DependencySpec::kAll, {{T::kAfter, {Id("12")}}}}, "after:12"},
      {"afterany:1,afterok:2",
       {DependencySpec::kAll, {{T::kAfterAny, {Id("1")}}, {T::kAfterOk, {Id("2")}}}},
       "afterany:1,afterok:2"},
      {"afterok:1?afternotok:2",
       {DependencySpec::kAny, {{T::kAfterOk, {Id("1")}}, {T::kAfterNotOk, {Id("2")}}}},
       "afterok:1?afternotok:2"},
      {"singleton", {DependencySpec::kAll, {{T::kSingleton, {}}}}, "singleton"},
      {"SINGLETON", {DependencySpec::kAll, {{T::kSingleton, {}}}}, "singleton"},
      {"singleton,afterok:1",
       {DependencySpec::kAll, {{T::kSingleton, {}}, {T::kAfterOk, {Id("1")}}}},
       "singleton,afterok:1"},
      {"aftercorr:100", {DependencySpec::kAll, {{T::kAfterCorr, {Id("100")}}}}, "aftercorr:100"},
      {"AfterOK:5", {DependencySpec::kAll, {{T::kAfterOk, {Id("5")}}}}, "afterok:5"},
      {"afterok:007", {DependencySpec::kAll, {{T::kAfterOk, {Id("7")}}}}, "afterok:7"},
      {" afterok:1 ", {DependencySpec::kAll, {{T::kAfterOk, {Id("1")}}}}, "afterok:1"},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<DependencySpec> got = ParseDependency(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, c.want);
    EXPECT_EQ(FormatDependency(*got), c.formatted);
  }
}

TEST(DependencyTest, BareIdListMeansAfterAny) {
  using T = DependencyType;
  const std::vector<ValidCase> cases = {
      {"123", {DependencySpec::kAll, {{T::kAfterAny, {Id("123")}}}}, "afterany:123"},
      {"123:456",
       {DependencySpec::kAll, {{T::kAfterAny, {Id("123"), Id("456")}}}},
       "afterany:123:456"},
      {"123_4", {DependencySpec::kAll, {{T::kAfterAny, {Task("123_4")}}}}, "afterany:123_4"},
      {"123:prep-data",
       {DependencySpec::kAll, {{T::kAfterAny, {Id("123"), Named("prep-data")}}}},
       "afterany:123:prep-data"},
      {"1,afterok:2",
       {DependencySpec::kAll, {{T::kAfterAny, {Id("1")}}, {T::kAfterOk, {Id("2")}}}},
       "afterany:1,afterok:2"},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<DependencySpec> got = ParseDependency(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, c.want);
    EXPECT_EQ(FormatDependency(*got), c.formatted);
  }
}

TEST(DependencyTest, AcceptsJobNamesAndArrayTasks) {
  using T = DependencyType;
  const std::vector<ValidCase> cases = {
      {"afterok:prep-data",
       {DependencySpec::kAll, {{T::kAfterOk, {Named("prep-data")}}}},
       "afterok:prep-data"},
      {"afterok:prep-data:123_4:7",
       {DependencySpec::kAll, {{T::kAfterOk, {Named("prep-data"), Task("123_4"), Id("7")}}}},
       "afterok:prep-data:123_4:7"},
      {"afterok:my.job-1",
       {DependencySpec::kAll, {{T::kAfterOk, {Named("my.job-1")}}}},
       "afterok:my.job-1"},
      {"afterok:2gpu", {DependencySpec::kAll, {{T::kAfterOk, {Named("2gpu")}}}}, "afterok:2gpu"},
      {"after:train+30",
       {DependencySpec::kAll, {{T::kAfter, {Named("train", 30)}}}},
       "after:train+30"},
      {"afterok:0012_003", {DependencySpec::kAll, {{T::kAfterOk, {Task("12_3")}}}}, "afterok:12_3"},
  };
  for (const ValidCase& c : cases) {
    SCOPED_TRACE(c.input);
    StatusOr<DependencySpec> got = ParseDependency(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, c.want);
    EXPECT_EQ(FormatDependency(*got), c.formatted);
  }
}

TEST(DependencyTest, RejectsMalformedInput) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"  ", "empty"},
      {"afterok", "afterok needs at least one job reference"},
      {"after", "after needs at least one job reference"},
      {"afterok:", "empty job reference"},
      {"afterok:1::2", "empty job reference"},
      {"afterok:1:", "empty job reference"},
      {"afterok:1,afterok:2?afterok:3", "cannot mix ','"},
      {"afterfoo:1", "unknown dependency type \"afterfoo\""},
      {"prep-data", "unknown dependency type \"prep-data\""},
      {"garbage", "unknown dependency type"},
      {":1", "unknown dependency type \"\""},
      {"afterok:1+5", "'+minutes' in \"1+5\" is only allowed with after"},
      {"123+5", "only allowed with after"},
      {"after:1+x", "delay \"x\" in \"1+x\" is not a number of minutes"},
      {"after:1+", "is not a number of minutes"},
      {"after:1+-5", "is not a number of minutes"},
      {"after:1+5+5", "is not a number of minutes"},
      {"after:1+99999999999", "delay 99999999999 minutes is too large"},
      {"after:+5", "missing job reference"},
      {"singleton:1", "singleton takes no job references"},
      {"singleton:", "singleton takes no job references"},
      {"afterok:0", "job id 0 is not a valid job"},
      {"0", "job id 0 is not a valid job"},
      {"afterok:0_1", "job id 0 is not a valid job"},
      {"afterok:Prep", "\"Prep\" is not a job id, an array task"},
      {"afterok:-1", "is not a job id"},
      {"afterok:prep-", "is not a job id"},
      {"afterok:x..y", "is not a job id"},
      {"afterok:a b", "is not a job id"},
      {"afterok:" + std::string(254, 'a'), "is not a job id"},
      {"afterok:12_", "array task \"12_\" must be <jobid>_<index>"},
      {"afterok:_4", "must be <jobid>_<index>"},
      {"afterok:1_2_3", "must be <jobid>_<index>"},
      {"afterok:a_b", "must be <jobid>_<index>"},
      {"afterok:99999999999999999999999", "is too large"},
      {"afterok:1_99999999999", "array index \"99999999999\" is too large"},
      {",afterok:1", "empty item"},
      {"afterok:1,", "empty item"},
      {"afterok:1,,afterok:2", "empty item"},
      {"?", "empty item"},
      {"afterburstbuffer:1", "afterburstbuffer is not supported"},
  };
  for (const auto& [input, message] : cases) {
    SCOPED_TRACE(input);
    EXPECT_TRUE(IsParseError(ParseDependency(input).status(), message));
  }
}

TEST(DependencyTest, FormatThenParseRoundTrips) {
  for (const char* input : {"afterok:1:2,after:3+4,singleton", "afterany:a?afternotok:5_6",
                            "123:456", "aftercorr:9", "after:x+1:y+2"}) {
    SCOPED_TRACE(input);
    StatusOr<DependencySpec> first = ParseDependency(input);
    ASSERT_TRUE(first.ok()) << first.status();
    StatusOr<DependencySpec> second = ParseDependency(FormatDependency(*first));
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_EQ(*first, *second);
  }
}

TEST(DependencyTest, TypeNamesAreSlurmSpellings) {
  EXPECT_EQ(DependencyTypeName(DependencyType::kAfter), "after");
  EXPECT_EQ(DependencyTypeName(DependencyType::kAfterAny), "afterany");
  EXPECT_EQ(DependencyTypeName(DependencyType::kAfterOk), "afterok");
  EXPECT_EQ(DependencyTypeName(DependencyType::kAfterNotOk), "afternotok");
  EXPECT_EQ(DependencyTypeName(DependencyType::kAfterCorr), "aftercorr");
  EXPECT_EQ(DependencyTypeName(DependencyType::kSingleton), "singleton");
}

}  // namespace
}  // namespace fairway::api
