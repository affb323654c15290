#include "webhook/identity.h"

#include <gtest/gtest.h>

#include "webhook_test_util.h"

namespace fairway::webhook {
namespace {

using namespace testing;  // NOLINT(build/namespaces)

TEST(IdentityTest, AdminsByGroupOrUserName) {
  config::AdmissionSettings s;
  EXPECT_TRUE(IsAdmin(User("x", {"fairway:admins"}), s));
  EXPECT_TRUE(IsAdmin(User("x", {"system:authenticated", "system:masters"}), s));
  EXPECT_FALSE(IsAdmin(User("x", {"system:authenticated"}), s));
  EXPECT_FALSE(IsAdmin(User("fairway:admins", {}), s));  // a user named like a group is not one
  s.admin_users = {"ops"};
  s.admin_groups = {};
  EXPECT_TRUE(IsAdmin(User("ops", {}), s));
  EXPECT_FALSE(IsAdmin(User("x", {"fairway:admins"}), s));
  EXPECT_FALSE(IsAdmin(User("", {}), s));
}

TEST(IdentityTest, AccountMembership) {
  api::AccountSpec listed;
  listed.users = {"alice"};
  listed.groups = {"astro-lab"};
  EXPECT_TRUE(IsAccountMember(listed, "alice", {}));
  EXPECT_TRUE(IsAccountMember(listed, "carol", {"astro-lab"}));
  EXPECT_FALSE(IsAccountMember(listed, "carol", {"bio-lab"}));
  EXPECT_FALSE(IsAccountMember(listed, "", {}));
  api::AccountSpec open;
  EXPECT_TRUE(IsAccountMember(open, "anyone", {}));
  EXPECT_FALSE(AccountListsUser(open, "anyone", {}));
  EXPECT_TRUE(AccountListsUser(listed, "carol", {"astro-lab"}));
}

TEST(IdentityTest, ClusterCleanupIdentities) {
  EXPECT_TRUE(IsClusterCleanup(User("system:serviceaccount:kube-system:namespace-controller")));
  EXPECT_TRUE(
      IsClusterCleanup(User("system:serviceaccount:kube-system:generic-garbage-collector")));
  EXPECT_TRUE(IsClusterCleanup(User("system:kube-controller-manager")));
  EXPECT_FALSE(IsClusterCleanup(User("system:serviceaccount:ml:namespace-controller")));
}

}  // namespace
}  // namespace fairway::webhook
