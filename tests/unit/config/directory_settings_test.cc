// The settings file's `directory` section (config/directory_settings.h).
#include "config/directory_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/scheduler_settings.h"

namespace fairway::config {
namespace {

using ::testing::HasSubstr;

TEST(DirectorySettingsTest, AbsentMeansDisabled) {
  StatusOr<DirectorySettings> s = ParseDirectorySettings("backfill: {enabled: true}\n");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_FALSE(s->enabled);
  EXPECT_EQ(*s, DirectorySettings{});
}

TEST(DirectorySettingsTest, ReadsEveryKey) {
  const char* text =
      "directory:\n"
      "  enabled: true\n"
      "  url: ldaps://ldap.example.com\n"
      "  caFile: /etc/ca.pem\n"
      "  bindSecret: ldap\n"
      "  baseDN: ou=groups,dc=example,dc=com\n"
      "  groupFilter: (objectClass=groupOfNames)\n"
      "  groupNameAttribute: ou\n"
      "  memberAttribute: member\n"
      "  interval: 60\n"
      "  timeout: 3\n"
      "  accounts:\n"
      "    - {group: ml-team, account: ml}\n";
  StatusOr<DirectorySettings> s = ParseDirectorySettings(text);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->enabled);
  EXPECT_EQ(s->url, "ldaps://ldap.example.com");
  EXPECT_EQ(s->ca_file, "/etc/ca.pem");
  EXPECT_EQ(s->bind_secret, "ldap");
  EXPECT_EQ(s->group_filter, "(objectClass=groupOfNames)");
  EXPECT_EQ(s->group_name_attribute, "ou");
  EXPECT_EQ(s->member_attribute, "member");
  EXPECT_EQ(s->interval, std::chrono::seconds(60));
  EXPECT_EQ(s->timeout, std::chrono::seconds(3));
  ASSERT_EQ(s->accounts.size(), 1u);
  EXPECT_EQ(s->accounts[0], (DirectoryGroupMapping{"ml-team", "ml"}));
  // The scheduler's parser accepts the section it does not read.
  EXPECT_TRUE(ParseSchedulerSettings(text).ok());
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* field;
};

class DirectorySettingsErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(DirectorySettingsErrorTest, NamesTheKey) {
  StatusOr<DirectorySettings> s = ParseDirectorySettings(GetParam().yaml);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().ToString(), HasSubstr(GetParam().field));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, DirectorySettingsErrorTest,
    ::testing::Values(
        BadCase{"UnknownKey", "directory: {urll: x}\n", "directory.urll"},
        BadCase{"NotLdapUrl",
                "directory: {enabled: true, url: http://x, baseDN: dc=x, "
                "accounts: [{group: a, account: b}]}\n",
                "directory.url"},
        BadCase{"NoBaseDn",
                "directory: {enabled: true, url: ldap://x, accounts: [{group: a, account: b}]}\n",
                "directory.baseDN"},
        BadCase{"NoAccounts", "directory: {enabled: true, url: ldap://x, baseDN: dc=x}\n",
                "directory.accounts"},
        BadCase{"MappingWithoutAccount", "directory: {accounts: [{group: a}]}\n",
                "directory.accounts[0]"},
        BadCase{"ZeroInterval", "directory: {interval: 0}\n", "directory.interval"},
        BadCase{"EnabledNotBool", "directory: {enabled: maybe}\n", "directory.enabled"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace fairway::config
