#include "config/admission_settings.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "config/scheduler_settings.h"

namespace fairway::config {
namespace {

TEST(AdmissionSettingsTest, Defaults) {
  for (const char* text : {"", "priority: {maxAge: 7-0}\n"}) {
    StatusOr<AdmissionSettings> s = ParseAdmissionSettings(text);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->admin_groups, std::vector<std::string>({"fairway:admins", "system:masters"}));
    EXPECT_TRUE(s->admin_users.empty());
    EXPECT_EQ(s->max_array_size, 1001);
  }
}

TEST(AdmissionSettingsTest, ReadsEveryKey) {
  StatusOr<AdmissionSettings> s = ParseAdmissionSettings(R"(
admission:
  adminGroups: [hpc-admins]
  adminUsers: ["system:serviceaccount:fairway-system:fairway-operator", root]
limits:
  maxArraySize: 100001
)");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->admin_groups, std::vector<std::string>({"hpc-admins"}));
  EXPECT_EQ(s->admin_users, std::vector<std::string>(
                                {"system:serviceaccount:fairway-system:fairway-operator", "root"}));
  EXPECT_EQ(s->max_array_size, 100001);
}

TEST(AdmissionSettingsTest, EmptyListsClearTheDefaults) {
  StatusOr<AdmissionSettings> s = ParseAdmissionSettings("admission: {adminGroups: []}\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->admin_groups.empty());
}

TEST(AdmissionSettingsTest, ErrorsNameTheKey) {
  struct {
    const char* text;
    const char* error;
  } cases[] = {
      {"admission: {adminGroup: [x]}\n",
       "INVALID_ARGUMENT: admission.adminGroup: unknown key \"adminGroup\" (accepted: adminGroups, "
       "adminUsers)"},
      {"admission: [x]\n", "INVALID_ARGUMENT: admission: must be a mapping"},
      {"admission: {adminUsers: root}\n",
       "INVALID_ARGUMENT: admission.adminUsers: must be a list of names"},
      {"admission: {adminUsers: [\"two words\"]}\n",
       "INVALID_ARGUMENT: admission.adminUsers[0]: must be a user or group name (printable, no "
       "whitespace or ',')"},
      {"admission: {adminGroups: [[x]]}\n",
       "INVALID_ARGUMENT: admission.adminGroups[0]: must be a user or group name (printable, no "
       "whitespace or ',')"},
      {"limits: {maxArraySize: 0}\n",
       "INVALID_ARGUMENT: limits.maxArraySize: must be an integer from 1 to 4000001 (Slurm's "
       "MaxArraySize)"},
      {"limits: {maxArraySize: 4000002}\n",
       "INVALID_ARGUMENT: limits.maxArraySize: must be an integer from 1 to 4000001 (Slurm's "
       "MaxArraySize)"},
      {"limits: {maxArraySize: lots}\n",
       "INVALID_ARGUMENT: limits.maxArraySize: must be an integer from 1 to 4000001 (Slurm's "
       "MaxArraySize)"},
      {"limits: {maxJobs: 3}\n",
       "INVALID_ARGUMENT: limits.maxJobs: unknown key \"maxJobs\" (accepted: maxArraySize)"},
      {"[1, 2]\n", "INVALID_ARGUMENT: settings must be a mapping"},
  };
  for (const auto& c : cases) {
    StatusOr<AdmissionSettings> s = ParseAdmissionSettings(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.status().ToString(), c.error) << c.text;
  }
  StatusOr<AdmissionSettings> bad_yaml = ParseAdmissionSettings("admission: [\n");
  ASSERT_FALSE(bad_yaml.ok());
  EXPECT_EQ(
      bad_yaml.status().ToString().rfind("INVALID_ARGUMENT: settings are not valid YAML: line", 0),
      0u)
      << bad_yaml.status();
}

TEST(AdmissionSettingsTest, SchedulerSettingsAcceptTheAdmissionKeysOnly) {
  const char* text = R"(
backfill: {interval: 10}
admission: {adminUsers: [root]}
limits: {maxArraySize: 5000}
)";
  StatusOr<core::SchedulerConfig> c = ParseSchedulerSettings(text);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->backfill.interval, core::Seconds(10));
  StatusOr<AdmissionSettings> a = ParseAdmissionSettings(text);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->max_array_size, 5000);
  StatusOr<core::SchedulerConfig> bad = ParseSchedulerSettings("admissions: {}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "admissions");
}

}  // namespace
}  // namespace fairway::config
