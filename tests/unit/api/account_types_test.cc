#include "api/account_types.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/api/parser_test_util.h"

namespace fairway::api {
namespace {

using nlohmann::json;
using testing::StatusIs;

json BaseAccount() {
  return json::parse(R"({
    "apiVersion": "fairway.dev/v1alpha1",
    "kind": "Account",
    "metadata": {"name": "astro"},
    "spec": {
      "parent": "physics",
      "shares": 3,
      "users": ["alice", "bob", "carol@example.com"],
      "userShares": {"alice": 2, "bob": "parent"},
      "groups": ["astro-lab"],
      "limits": {"grpGPUs": 32, "grpJobs": -1, "grpSubmitJobs": 100, "maxJobsPerUser": 4,
                 "maxSubmitJobsPerUser": 50, "maxGPUsPerUser": 8, "maxWall": "3-00:00:00"},
      "defaultQos": "normal",
      "allowedQos": ["normal", "low"]
    },
    "status": {"rawUsage": 12345.5, "userUsage": {"alice": 10000, "bob": 2345.5},
               "effectiveUsage": 0.25, "normalizedShares": 0.5, "fairShareFactor": 0.75,
               "userFairShare": {"alice": 0.5, "bob": 1.0},
               "lastDecayTime": "2025-03-01T10:00:00Z", "runningJobs": 3, "runningGPUs": 12}
  })");
}

json Patched(const json& patch) {
  json j = BaseAccount();
  j.merge_patch(patch);
  return j;
}

TEST(AccountTypesTest, ConvertsToCoreAccount) {
  StatusOr<AccountObject> a = AccountFromJson(BaseAccount());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_DOUBLE_EQ(a->status.raw_usage, 12345.5);
  EXPECT_DOUBLE_EQ(a->status.user_usage.at("bob"), 2345.5);
  EXPECT_TRUE(a->status.last_decay_time.has_value());
  StatusOr<core::Account> c = ToCoreAccount(*a);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name.str(), "astro");
  EXPECT_EQ(c->parent.str(), "physics");
  EXPECT_EQ(c->shares, 3u);
  ASSERT_EQ(c->users.size(), 3u);
  EXPECT_EQ(c->users[0].name.str(), "alice");
  EXPECT_EQ(c->users[0].shares, 2u);
  EXPECT_FALSE(c->users[0].shares_parent);
  EXPECT_TRUE(c->users[1].shares_parent);
  EXPECT_EQ(c->users[2].shares, 1u);  // default
  ASSERT_EQ(c->groups.size(), 1u);
  EXPECT_EQ(c->limits.grp_gpus, 32);
  EXPECT_FALSE(c->limits.grp_jobs.has_value());  // -1 clears
  EXPECT_EQ(c->limits.grp_submit_jobs, 100);
  EXPECT_EQ(c->limits.max_jobs_per_user, 4);
  EXPECT_EQ(c->limits.max_submit_jobs_per_user, 50);
  EXPECT_EQ(c->limits.max_gpus_per_user, 8);
  EXPECT_EQ(c->limits.max_wall, core::Seconds(3 * 86400));
  EXPECT_EQ(c->default_qos.str(), "normal");
  EXPECT_EQ(c->allowed_qos.size(), 2u);
}

TEST(AccountTypesTest, Defaults) {
  StatusOr<AccountObject> a = AccountFromJson({{"metadata", {{"name", "root-child"}}}});
  ASSERT_TRUE(a.ok()) << a.status();
  StatusOr<core::Account> c = ToCoreAccount(*a);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->parent.empty());
  EXPECT_EQ(c->shares, 1u);
  EXPECT_TRUE(c->users.empty());
  EXPECT_FALSE(c->limits.grp_gpus.has_value());
  EXPECT_FALSE(c->limits.max_wall.has_value());
  EXPECT_TRUE(c->allowed_qos.empty());
}

TEST(AccountTypesTest, RejectsMalformedAccountsNamingTheField) {
  struct Case {
    json patch;
    std::string field;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{"spec", {{"parent", "Physics"}}}}, "spec.parent", "DNS-1123"},
      {{{"spec", {{"shares", -1}}}}, "spec.shares", "at least 0"},
      {{{"spec", {{"shares", 1e10}}}}, "spec.shares", "at most"},
      {{{"spec", {{"shares", "many"}}}}, "spec.shares", "integer"},
      {{{"spec", {{"users", {"alice", "alice"}}}}}, "spec.users[1]", "duplicate"},
      {{{"spec", {{"users", {"al ice"}}}}}, "spec.users[0]", "invalid name"},
      {{{"spec", {{"users", {""}}}}}, "spec.users[0]", "invalid name"},
      {{{"spec", {{"userShares", {{"zed", 2}}}}}}, "spec.userShares.zed", "not listed"},
      {{{"spec", {{"userShares", {{"alice", -2}}}}}}, "spec.userShares.alice", "at least 0"},
      {{{"spec", {{"userShares", {{"alice", "lots"}}}}}}, "spec.userShares.alice", "parent"},
      {{{"spec", {{"userShares", {"alice"}}}}}, "spec.userShares", "map"},
      {{{"spec", {{"userLimits", {{"zed", {{"maxJobs", 1}}}}}}}},
       "spec.userLimits.zed",
       "not listed"},
      {{{"spec", {{"userLimits", {{"alice", {{"maxJobs", -3}}}}}}}},
       "spec.userLimits.alice.maxJobs",
       "at least -1"},
      {{{"spec", {{"userLimits", {{"alice", 4}}}}}}, "spec.userLimits.alice", "object"},
      {{{"spec", {{"userLimits", {"alice"}}}}}, "spec.userLimits", "map"},
      {{{"spec", {{"groups", {{{"name", "g"}}}}}}}, "spec.groups[0]", "string"},
      {{{"spec", {{"limits", {{"grpGPUs", -2}}}}}}, "spec.limits.grpGPUs", "at least -1"},
      {{{"spec", {{"limits", {{"maxJobsPerUser", 1.5}}}}}},
       "spec.limits.maxJobsPerUser",
       "integer"},
      {{{"spec", {{"limits", {{"maxWall", "a week"}}}}}}, "spec.limits.maxWall", ""},
      {{{"spec", {{"limits", 5}}}}, "spec.limits", "object"},
      {{{"spec", {{"defaultQos", "high"}}}}, "spec.defaultQos", "allowedQos"},
      {{{"spec", {{"allowedQos", {"normal", "Normal"}}}}}, "spec.allowedQos[1]", "invalid name"},
      {{{"status", {{"rawUsage", -1}}}}, "status.rawUsage", "at least 0"},
      {{{"status", {{"userUsage", {{"alice", "lots"}}}}}}, "status.userUsage.alice", "number"},
      {{{"status", {{"fairShareFactor", 1.5}}}}, "status.fairShareFactor", "at most 1"},
      {{{"status", {{"lastDecayTime", 17}}}}, "status.lastDecayTime", "RFC 3339"},
      {{{"status", {{"runningGPUs", -4}}}}, "status.runningGPUs", "at least 0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.patch.dump());
    StatusOr<AccountObject> a = AccountFromJson(Patched(c.patch));
    ASSERT_FALSE(a.ok());
    EXPECT_TRUE(StatusIs(a.status(), StatusCode::kInvalidArgument, c.message));
    EXPECT_EQ(a.status().field(), c.field) << a.status();
  }
}

// Issue #16: a user association's own limits (sacctmgr modify user ... set MaxJobs=...).
TEST(AccountTypesTest, UserLimitsReachTheCoreUserAndRoundTrip) {
  StatusOr<AccountObject> a = AccountFromJson(
      Patched({{"spec",
                {{"userLimits",
                  {{"alice", {{"maxJobs", 1}, {"maxSubmitJobs", 5}, {"grpGPUs", 2}}},
                   {"bob", {{"maxJobs", -1}}}}}}}}));
  ASSERT_TRUE(a.ok()) << a.status();
  StatusOr<core::Account> core_account = ToCoreAccount(*a);
  ASSERT_TRUE(core_account.ok()) << core_account.status();
  const core::UserLimits& alice = core_account->users[0].limits;
  EXPECT_EQ(alice.max_jobs, 1);
  EXPECT_EQ(alice.max_submit_jobs, 5);
  EXPECT_EQ(alice.grp_gpus, 2);
  EXPECT_EQ(core_account->users[1].limits, core::UserLimits{});  // -1: the account's applies
  EXPECT_EQ(core_account->users[2].limits, core::UserLimits{});
  json j = ToJson(*a);
  EXPECT_EQ(j["spec"]["userLimits"]["alice"]["grpGPUs"], 2);
  StatusOr<AccountObject> back = AccountFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, *a);
}

TEST(AccountTypesTest, AnAccountCannotBeItsOwnParent) {
  StatusOr<AccountObject> a = AccountFromJson(Patched({{"spec", {{"parent", "astro"}}}}));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(ToCoreAccount(*a).status().field(), "spec.parent");
}

TEST(AccountTypesTest, RoundTripsThroughJson) {
  StatusOr<AccountObject> a = AccountFromJson(BaseAccount());
  ASSERT_TRUE(a.ok());
  json j = ToJson(*a);
  EXPECT_EQ(j["spec"]["userShares"]["bob"], "parent");
  EXPECT_FALSE(j["spec"]["limits"].contains("grpJobs"));  // -1 normalised away
  StatusOr<AccountObject> back = AccountFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, *a);
}

}  // namespace
}  // namespace fairway::api
