// Authentication of the sandbox API server: the token file, the authenticator chain and
// impersonation (sandbox/authn.h).
#include "sandbox/authn.h"

#include <gtest/gtest.h>

namespace fairway::sandbox {
namespace {

using Groups = std::vector<std::string>;

HttpRequest WithHeaders(std::map<std::string, std::string> headers) {
  HttpRequest r;
  r.method = "GET";
  r.target = "/api/v1/pods";
  r.headers = std::move(headers);
  return r;
}

TEST(TokenTableTest, ParsesKubeApiserverFormat) {
  auto t = TokenTable::Parse(
      "# comment line\n"
      "\n"
      "tok-a,alice,uid-1,\"team-a,devs\"\r\n"
      "  tok-b , bob , uid-2\n"
      "tok-c,carol,,\"\"\n"
      "tok-d,\"dave, jr\",uid-4,\"a \"\"quoted\"\" group\"\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->entries().size(), 4u);
  const UserInfo* alice = t->Find("tok-a");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->username, "alice");
  EXPECT_EQ(alice->uid, "uid-1");
  EXPECT_EQ(alice->groups, (Groups{"team-a", "devs"}));
  EXPECT_EQ(t->Find("tok-b")->username, "bob");
  EXPECT_TRUE(t->Find("tok-b")->groups.empty());
  EXPECT_TRUE(t->Find("tok-c")->uid.empty());
  EXPECT_EQ(t->Find("tok-d")->username, "dave, jr");
  EXPECT_EQ(t->Find("tok-d")->groups, (Groups{"a \"quoted\" group"}));
  EXPECT_EQ(t->Find("nope"), nullptr);
  EXPECT_EQ(t->entries()[0].token, "tok-a");  // file order
}

TEST(TokenTableTest, MalformedFilesNameTheLine) {
  struct Case {
    const char* text;
    const char* want;  // substring of the error
  };
  const Case cases[] = {
      {"tok,alice\n", "line 1: expected at least 3 columns (token, user name, user uid), found 2"},
      {"# c\ntok\n", "line 2: expected at least 3 columns"},
      {",alice,1\n", "line 1: empty token"},
      {"tok,,1\n", "line 1: empty user name"},
      {"tok,\"\",1\n", "line 1: empty user name"},
      {"tok,alice,1\ntok,bob,2\n", "line 2: duplicate token"},
      {"tok,alice,1,\"g1,g2\n", "line 1: unterminated quote at column 13"},
      {"tok,alice,1,\"g\"x\n", "line 1: unexpected text after a closing quote"},
      {"tok,al\"ice,1\n", "line 1: a quote inside an unquoted field"},
      {"a,b,c\n\n\ntok,x\n", "line 4:"},
  };
  for (const Case& c : cases) {
    auto t = TokenTable::Parse(c.text, "tokens.csv");
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(t.status().message().find(c.want), std::string::npos)
        << c.text << " -> " << t.status().message();
    EXPECT_EQ(t.status().message().rfind("tokens.csv line ", 0), 0u) << t.status().message();
  }
}

TEST(TokenTableTest, EmptyAndBinaryInputNeverCrash) {
  EXPECT_TRUE(TokenTable::Parse("").ok());
  EXPECT_TRUE(TokenTable::Parse("\n\n# only comments\n").ok());
  std::string junk;
  for (int i = 0; i < 256; ++i) junk.push_back(static_cast<char>(i));
  (void)TokenTable::Parse(junk);  // an error or a table; just no crash
  EXPECT_FALSE(TokenTable::Load("/nonexistent/tokens.csv").ok());
}

TokenTable Tokens() {
  auto t = TokenTable::Parse("tok-a,alice,uid-1,\"team-a\"\ntok-m,root,0,\"system:masters\"\n");
  EXPECT_TRUE(t.ok());
  return *t;
}

TEST(AuthenticatorTest, BearerTokensAnonymousAndUnknownTokens) {
  Authenticator authn(Tokens());
  auto alice = authn.Authenticate(WithHeaders({{"authorization", "Bearer tok-a"}}));
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->username, "alice");
  EXPECT_EQ(alice->uid, "uid-1");
  EXPECT_EQ(alice->groups, (Groups{"team-a", "system:authenticated"}));
  EXPECT_EQ(authn.Authenticate(WithHeaders({{"authorization", "bearer tok-a"}}))->username,
            "alice");

  auto anonymous = authn.Authenticate(WithHeaders({}));
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->username, "system:anonymous");
  EXPECT_EQ(anonymous->groups, (Groups{"system:unauthenticated"}));
  // Other schemes are not bearer credentials.
  EXPECT_EQ(authn.Authenticate(WithHeaders({{"authorization", "Basic YTpi"}}))->username,
            "system:anonymous");

  auto unknown = authn.Authenticate(WithHeaders({{"authorization", "Bearer nope"}}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), 401);
  EXPECT_EQ(unknown.error().reason(), "Unauthorized");
}

TEST(AuthenticatorTest, VerifiedClientCertificateComesFirst) {
  Authenticator authn(Tokens());
  HttpRequest r = WithHeaders({{"authorization", "Bearer nope"}});
  r.peer_certificate = PeerCertificate{"carol", {"ops", "system:masters"}};
  auto carol = authn.Authenticate(r);
  ASSERT_TRUE(carol.ok());
  EXPECT_EQ(carol->username, "carol");
  EXPECT_EQ(carol->groups, (Groups{"ops", "system:masters", "system:authenticated"}));
}

TEST(AuthenticatorTest, WithoutTokenFileEveryoneIsTheAdmin) {
  Authenticator authn(std::nullopt);
  EXPECT_FALSE(authn.enabled());
  for (const char* auth : {"", "Bearer anything", "Basic x"}) {
    auto u = authn.Authenticate(WithHeaders({{"authorization", auth}}));
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->username, "fairway-sandbox-admin");
    EXPECT_EQ(u->groups, (Groups{"system:masters", "system:authenticated"}));
  }
}

// An authorizer that lets `actor` impersonate only what `allowed` lists ("users/alice", ...).
AuthorizeFn AllowOnly(std::set<std::string> allowed, std::vector<AuthorizationAttributes>* seen) {
  return [allowed = std::move(allowed), seen](const AuthorizationAttributes& a) {
    seen->push_back(a);
    std::string key =
        a.resource + (a.subresource.empty() ? "" : "/" + a.subresource) + "/" + a.name;
    return AuthorizationDecision{allowed.count(key) > 0, ""};
  };
}

const UserInfo kBob{"bob", "", {"system:authenticated"}, {}};

TEST(ImpersonateTest, NoHeadersKeepsTheActor) {
  std::vector<AuthorizationAttributes> seen;
  auto u = Impersonate(WithHeaders({}), kBob, AllowOnly({}, &seen));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->username, "bob");
  EXPECT_TRUE(seen.empty());
}

TEST(ImpersonateTest, DeniedUserHasUpstreamMessage) {
  std::vector<AuthorizationAttributes> seen;
  auto u = Impersonate(WithHeaders({{"impersonate-user", "alice"}}), kBob, AllowOnly({}, &seen));
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code(), 403);
  EXPECT_EQ(u.error().reason(), "Forbidden");
  EXPECT_EQ(u.error().message(),
            "users \"alice\" is forbidden: User \"bob\" cannot impersonate resource \"users\" in "
            "API group \"\" at the cluster scope");
  EXPECT_EQ(u.error().details(), nlohmann::json({{"name", "alice"}, {"kind", "users"}}));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].verb, "impersonate");
  EXPECT_EQ(seen[0].user.username, "bob");
}

TEST(ImpersonateTest, UserAndGroupsRepeatedOrCommaJoined) {
  std::vector<AuthorizationAttributes> seen;
  auto authorize = AllowOnly({"users/alice", "groups/g1", "groups/g2"}, &seen);
  auto u =
      Impersonate(WithHeaders({{"impersonate-user", "alice"}, {"impersonate-group", "g1, g2"}}),
                  kBob, authorize);
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->username, "alice");
  EXPECT_EQ(u->groups, (Groups{"g1", "g2", "system:authenticated"}));
  EXPECT_EQ(seen.size(), 3u);
  auto denied = Impersonate(
      WithHeaders({{"impersonate-user", "alice"}, {"impersonate-group", "g1,system:masters"}}),
      kBob, authorize);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().message(),
            "groups \"system:masters\" is forbidden: User \"bob\" cannot impersonate resource "
            "\"groups\" in API group \"\" at the cluster scope");
}

TEST(ImpersonateTest, ServiceAccountsUidsAndExtras) {
  std::vector<AuthorizationAttributes> seen;
  auto u = Impersonate(WithHeaders({{"impersonate-user", "system:serviceaccount:ml:runner"},
                                    {"impersonate-uid", "u-7"},
                                    {"impersonate-extra-scopes", "a,b"}}),
                       kBob,
                       AllowOnly({"serviceaccounts/runner", "uids/u-7", "userextras/scopes/a",
                                  "userextras/scopes/b"},
                                 &seen));
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->username, "system:serviceaccount:ml:runner");
  EXPECT_EQ(u->uid, "u-7");
  EXPECT_EQ(u->groups, (Groups{"system:serviceaccounts", "system:serviceaccounts:ml",
                               "system:authenticated"}));
  EXPECT_EQ(u->extra.at("scopes"), (Groups{"a", "b"}));
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].ns, "ml");  // the service account is checked in its namespace
  EXPECT_EQ(seen.back().api_group, "authentication.k8s.io");

  auto sa_denied = Impersonate(WithHeaders({{"impersonate-user", "system:serviceaccount:ml:x"}}),
                               kBob, AllowOnly({}, &seen));
  EXPECT_EQ(sa_denied.error().message(),
            "serviceaccounts \"x\" is forbidden: User \"bob\" cannot impersonate resource "
            "\"serviceaccounts\" in API group \"\" in the namespace \"ml\"");
}

TEST(ImpersonateTest, GroupsWithoutUserAreRejected) {
  std::vector<AuthorizationAttributes> seen;
  auto u = Impersonate(WithHeaders({{"impersonate-group", "g1"}}), kBob, AllowOnly({}, &seen));
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code(), 400);
}

TEST(ImpersonateTest, AnonymousGetsUnauthenticatedGroup) {
  std::vector<AuthorizationAttributes> seen;
  auto u = Impersonate(WithHeaders({{"impersonate-user", "system:anonymous"}}), kBob,
                       AllowOnly({"users/system:anonymous"}, &seen));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->groups, (Groups{"system:unauthenticated"}));
}

}  // namespace
}  // namespace fairway::sandbox
