// The directory sync (controllers/directory_sync.h) against a real slapd on loopback and the
// sandbox API server over HTTP: members added and removed as the LDAP groups change, the
// administrator's own users kept, unmapped Accounts untouched, memberships kept with a
// DirectorySynced=False condition while the server is down or the credentials are wrong,
// ldaps:// with and without the server's CA, DN member attributes, and a sync on demand
// through the Account annotation.
#include "controllers/directory_sync.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/base64.h"
#include "harness.h"
#include "slapd_server.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using testing::Harness;
using testing::HarnessOptions;
using ::testing::HasSubstr;
using testing::SlapdServer;

constexpr char kGroupsDn[] = "ou=groups,dc=example,dc=org";
constexpr char kMlDn[] = "cn=ml,ou=groups,dc=example,dc=org";

// ou=groups with posixGroup "ml" (alice, bob), and groupOfNames "vision" whose members are DNs.
constexpr char kDirectory[] =
    "dn: ou=groups,dc=example,dc=org\nobjectClass: organizationalUnit\nou: groups\n\n"
    "dn: cn=ml,ou=groups,dc=example,dc=org\nobjectClass: posixGroup\ncn: ml\n"
    "gidNumber: 5000\nmemberUid: alice\nmemberUid: bob\n\n"
    "dn: cn=vision,ou=groups,dc=example,dc=org\nobjectClass: groupOfNames\ncn: vision\n"
    "member: uid=dave,ou=people,dc=example,dc=org\n"
    "member: uid=erin,ou=people,dc=example,dc=org\n";

class DirectorySyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!SlapdServer::Available()) GTEST_SKIP() << "slapd is not installed (Debian: slapd)";
    slapd_.Create(kDirectory);
    slapd_.Start();
    HarnessOptions o;
    o.start_controller = false;
    h_ = std::make_unique<Harness>(o);
    h_->Start();
    api_ = h_->NewClient();
    ASSERT_NE(api_, nullptr);
    h_->CreateAccount("ml", {"carol"});  // carol: listed by the administrator
    h_->CreateAccount("vision", {});
    PutSecret(testing::kLdapAdminPassword);
  }

  void PutSecret(const std::string& password) {
    json secret = {
        {"apiVersion", "v1"},
        {"kind", "Secret"},
        {"metadata", {{"name", "ldap"}, {"namespace", "default"}}},
        {"data",
         {{"bindDN", Base64Encode(testing::kLdapAdminDn)}, {"password", Base64Encode(password)}}}};
    const kube::ResourceRef secrets{"", "v1", "secrets", true};
    (void)client().Delete(secrets, "default", "ldap");
    ASSERT_TRUE(client().Create(secrets, "default", secret).ok());
  }

  DirectorySyncOptions Options(const std::string& member_attribute = "memberUid") {
    DirectorySyncOptions o;
    o.settings.enabled = true;
    o.settings.url = slapd_.url();
    o.settings.base_dn = kGroupsDn;
    o.settings.bind_secret = "ldap";
    o.settings.timeout = std::chrono::seconds(2);
    o.settings.member_attribute = member_attribute;
    if (member_attribute == "memberUid") {
      o.settings.accounts = {{"ml", "ml"}};
    } else {
      o.settings.group_filter = "(objectClass=groupOfNames)";
      o.settings.accounts = {{"vision", "vision"}};
    }
    o.secret_namespace = "default";
    o.poll = std::chrono::milliseconds(50);
    return o;
  }

  kube::ApiClient& client() { return *api_; }

  json Account(const std::string& name) {
    StatusOr<json> a = client().Get(kube::ResourceRef::FairwayAccounts(), "", name);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? *a : json::object();
  }
  std::vector<std::string> Users(const std::string& name) {
    json a = Account(name);
    return a["spec"].value("users", std::vector<std::string>{});
  }
  json Condition(const std::string& name, const std::string& type = kDirectorySyncedCondition) {
    json status = Account(name)["status"];
    if (!status.is_object()) return json::object();
    for (const json& c : status.value("conditions", json::array())) {
      if (c["type"] == type) return c;
    }
    return json::object();
  }

  SlapdServer slapd_;
  std::unique_ptr<Harness> h_;
  std::unique_ptr<kube::RestApiClient> api_;
  RealClock clock_;
};

TEST_F(DirectorySyncTest, AddsAndRemovesMembersKeepingTheAdministrators) {
  DirectorySync sync(&client(), &clock_, Options());
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_THAT(Users("ml"), ElementsAre("carol", "alice", "bob"));
  EXPECT_EQ(Account("ml")["metadata"]["annotations"][kDirectoryUsersAnnotation], "alice,bob");
  EXPECT_EQ(Condition("ml")["status"], "True");
  EXPECT_EQ(Condition("ml")["reason"], "Synced");
  EXPECT_THAT(Condition("ml")["message"].get<std::string>(), HasSubstr("added alice,bob"));
  EXPECT_TRUE(Users("vision").empty());  // not mapped here: untouched
  EXPECT_TRUE(Condition("vision").empty());

  // bob leaves (with the per-user shares an administrator gave him), frank joins.
  ASSERT_TRUE(client()
                  .Patch(kube::ResourceRef::FairwayAccounts(), "", "ml", kube::PatchType::kMerge,
                         {{"spec", {{"userShares", {{"bob", 3}}}}}})
                  .ok());
  slapd_.Modify(kMlDn, "memberUid", "bob", /*add=*/false);
  slapd_.Modify(kMlDn, "memberUid", "frank", /*add=*/true);
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_THAT(Users("ml"), ElementsAre("carol", "alice", "frank"));
  EXPECT_FALSE(Account("ml")["spec"].contains("userShares"));
  EXPECT_EQ(Account("ml")["metadata"]["annotations"][kDirectoryUsersAnnotation], "alice,frank");
  EXPECT_THAT(Condition("ml")["message"].get<std::string>(), HasSubstr("removed bob"));

  // carol joins the group and leaves it: she was listed before the sync, so she stays.
  slapd_.Modify(kMlDn, "memberUid", "carol", true);
  ASSERT_TRUE(sync.SyncNow().ok());
  slapd_.Modify(kMlDn, "memberUid", "carol", false);
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_THAT(Users("ml"), ElementsAre("carol", "alice", "frank"));
}

TEST_F(DirectorySyncTest, ServerDownKeepsMembersAndSaysSoOnTheAccount) {
  // A condition someone else wrote survives the sync's own.
  json ml = Account("ml");
  ml["status"]["conditions"] = {{{"type", "Other"},
                                 {"status", "True"},
                                 {"reason", "Elsewhere"},
                                 {"lastTransitionTime", "2026-01-01T00:00:00Z"}}};
  ASSERT_TRUE(client().UpdateStatus(kube::ResourceRef::FairwayAccounts(), "", ml).ok());
  DirectorySync sync(&client(), &clock_, Options());
  ASSERT_TRUE(sync.SyncNow().ok());
  slapd_.Stop();
  Status down = sync.SyncNow();
  EXPECT_EQ(down.code(), StatusCode::kUnavailable) << down.ToString();
  EXPECT_THAT(Users("ml"), ElementsAre("carol", "alice", "bob"));
  json c = Condition("ml");
  EXPECT_EQ(c["status"], "False");
  EXPECT_EQ(c["reason"], "DirectoryUnavailable");
  EXPECT_THAT(c["message"].get<std::string>(), HasSubstr("Can't contact LDAP server"));

  slapd_.Start();
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_EQ(Condition("ml")["status"], "True");
  EXPECT_EQ(Condition("ml", "Other")["reason"], "Elsewhere");
}

TEST_F(DirectorySyncTest, LdapsWithTheServersCa) {
  DirectorySyncOptions o = Options();
  o.settings.url = slapd_.tls_url();
  o.settings.ca_file = slapd_.ca_file();
  DirectorySync sync(&client(), &clock_, o);
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_THAT(Users("ml"), ElementsAre("carol", "alice", "bob"));
}

TEST_F(DirectorySyncTest, LdapsWithAnUntrustedCertificateIsUnavailable) {
  DirectorySyncOptions o = Options();
  o.settings.url = slapd_.tls_url();  // the system CAs do not know the test's certificate
  DirectorySync sync(&client(), &clock_, o);
  EXPECT_EQ(sync.SyncNow().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Condition("ml")["reason"], "DirectoryUnavailable");
  EXPECT_THAT(Users("ml"), ElementsAre("carol"));
}

TEST_F(DirectorySyncTest, BadCredentialsAreAClearError) {
  PutSecret("wrong");
  DirectorySync sync(&client(), &clock_, Options());
  Status s = sync.SyncNow();
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(s.message(), HasSubstr("LDAP bind as cn=admin,dc=example,dc=org"));
  EXPECT_THAT(s.message(), HasSubstr("Invalid credentials (49)"));
  EXPECT_THAT(Users("ml"), ElementsAre("carol"));
  EXPECT_EQ(Condition("ml")["reason"], "BindFailed");
}

TEST_F(DirectorySyncTest, MissingSecretIsReportedOnTheAccount) {
  DirectorySyncOptions o = Options();
  o.settings.bind_secret = "absent";
  DirectorySync sync(&client(), &clock_, o);
  EXPECT_EQ(sync.SyncNow().code(), StatusCode::kNotFound);
  EXPECT_EQ(Condition("ml")["reason"], "SecretUnavailable");
  EXPECT_THAT(Condition("ml")["message"].get<std::string>(), HasSubstr("Secret default/absent"));
}

TEST_F(DirectorySyncTest, MemberDnsBecomeUserNames) {
  DirectorySync sync(&client(), &clock_, Options("member"));
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_THAT(Users("vision"), ElementsAre("dave", "erin"));
  EXPECT_THAT(Users("ml"), ElementsAre("carol"));  // not mapped in this sync
}

TEST_F(DirectorySyncTest, AnnotationSyncsOnDemand) {
  DirectorySyncOptions o = Options();
  o.settings.interval = std::chrono::seconds(3600);  // only the start-up sync is periodic
  DirectorySync sync(&client(), &clock_, o);
  sync.Start();
  auto wait_for = [&](const std::vector<std::string>& want) {
    for (int i = 0; i < 100 && Users("ml") != want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Users("ml");
  };
  EXPECT_THAT(wait_for({"carol", "alice", "bob"}), ElementsAre("carol", "alice", "bob"));
  slapd_.Modify(kMlDn, "memberUid", "gina", true);
  ASSERT_TRUE(client()
                  .Patch(kube::ResourceRef::FairwayAccounts(), "", "ml", kube::PatchType::kMerge,
                         {{"metadata", {{"annotations", {{kDirectorySyncAnnotation, "1"}}}}}})
                  .ok());
  EXPECT_THAT(wait_for({"carol", "alice", "bob", "gina"}),
              ElementsAre("carol", "alice", "bob", "gina"));
  sync.Stop();
}

}  // namespace
}  // namespace fairway::controllers
