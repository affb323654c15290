// The settings file's `interactive` section (config/interactive_settings.h).
#include "config/interactive_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/scheduler_settings.h"

namespace fairway::config {
namespace {

using ::testing::HasSubstr;

TEST(InteractiveSettingsTest, AbsentGivesTheDefaultGrace) {
  StatusOr<InteractiveSettings> s = ParseInteractiveSettings("backfill: {enabled: true}\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->idle_grace_s, 300);
}

TEST(InteractiveSettingsTest, ReadsIdleGraceAndTheSchedulerParserAcceptsTheSection) {
  const char* text = "interactive: {idleGrace: 3}\n";
  StatusOr<InteractiveSettings> s = ParseInteractiveSettings(text);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->idle_grace_s, 3);
  EXPECT_TRUE(ParseSchedulerSettings(text).ok());
}

struct BadCase {
  const char* yaml;
  const char* message;
};

class InteractiveSettingsBadTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(InteractiveSettingsBadTest, NamesTheKey) {
  StatusOr<InteractiveSettings> s = ParseInteractiveSettings(GetParam().yaml);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().ToString(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, InteractiveSettingsBadTest,
    ::testing::Values(BadCase{"interactive: {idleGrace: 0}\n", "interactive.idleGrace"},
                      BadCase{"interactive: {idleGrace: 86401}\n", "from 1 to 86400"},
                      BadCase{"interactive: {idleGrace: 5m}\n", "interactive.idleGrace"},
                      BadCase{"interactive: {idleGarce: 5}\n", "interactive.idleGarce"},
                      BadCase{"interactive: [1]\n", "interactive"}));

}  // namespace
}  // namespace fairway::config
