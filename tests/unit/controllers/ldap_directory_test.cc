// What libldap-facing code does without a server (controllers/ldap_directory.h): member values
// as user names, and the errors for a bad URL and an unreachable server. The server
// conversations are in tests/integration/controllers/directory_sync_test.cc (real slapd).
#include "controllers/ldap_directory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fairway::controllers {
namespace {

using ::testing::HasSubstr;

TEST(LdapDirectoryTest, MemberValuesBecomeUserNames) {
  EXPECT_EQ(*UserFromMemberValue("alice", /*is_dn=*/false), "alice");
  EXPECT_EQ(*UserFromMemberValue("uid=alice,ou=people,dc=example,dc=org", true), "alice");
  EXPECT_EQ(*UserFromMemberValue("cn=Bob Smith\\, Jr,ou=people,dc=x", true), "Bob Smith, Jr");
  StatusOr<std::string> bad = UserFromMemberValue("not a dn", true);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

LdapQuery Query(const std::string& url) {
  LdapQuery q;
  q.url = url;
  q.base_dn = "dc=x";
  q.timeout = std::chrono::seconds(2);
  return q;
}

TEST(LdapDirectoryTest, BadUrlIsInvalidArgument) {
  LdapGroupDirectory directory(Query("http://example.org"));
  StatusOr<GroupMembers> r = directory.ReadGroups({});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("LDAP url http://example.org"));
}

TEST(LdapDirectoryTest, NoServerIsUnavailable) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  LdapGroupDirectory directory(Query("ldap://127.0.0.1:1"));
  StatusOr<GroupMembers> r = directory.ReadGroups({.bind_dn = "cn=a,dc=x", .password = "p"});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(r.status().message(), HasSubstr("Can't contact LDAP server (-1)"));
}

}  // namespace
}  // namespace fairway::controllers
