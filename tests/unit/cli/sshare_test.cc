// sshare's layout against Slurm 22.05's (tests/testdata/slurm/sshare_long.txt): the header and
// dashes of the short and long formats, -A and -u.
#include <gtest/gtest.h>

#include "cli/reports.h"
#include "tests/unit/cli/slurm_recording.h"

namespace fairway::cli {
namespace {

using testing::RecordedOutput;

std::vector<api::AccountObject> Accounts() {
  api::AccountObject a;
  a.meta.name = "labacct";
  a.spec.shares = 1;
  a.spec.users = {"labuser1", "other"};
  a.status.raw_usage = 113;
  a.status.normalized_shares = 0.25;
  a.status.effective_usage = 0.159664;
  a.status.fair_share_factor = 0.875;
  a.status.user_usage = {{"labuser1", 113}};
  a.status.user_fair_share = {{"labuser1", 0.875}};
  api::AccountObject b = a;
  b.meta.name = "hu";
  b.spec.users = {"hu1"};
  return {a, b};
}

std::string FirstLines(const std::string& text, int n) {
  size_t at = 0;
  for (int i = 0; i < n; ++i) at = text.find('\n', at) + 1;
  return text.substr(0, at);
}

TEST(SshareTest, HeadersAreSlurms) {
  SshareOptions o;
  o.long_format = true;
  EXPECT_EQ(FirstLines(RenderSshare(Accounts(), o), 2),
            FirstLines(RecordedOutput("sshare_long.txt", "sshare -a -l"), 2));
  o.long_format = false;
  EXPECT_EQ(FirstLines(RenderSshare(Accounts(), o), 2),
            FirstLines(RecordedOutput("sshare_long.txt", "sshare -u labuser1"), 2));
}

TEST(SshareTest, LongAccountLineHasLevelFairShare) {
  SshareOptions o;
  o.long_format = true;
  o.header = false;
  o.accounts = {"labacct"};
  // Slurm printed 1.565789 for this line (LevelFS = NormShares / EffectvUsage, from its
  // unrounded usage; 0.25 / 0.159664 = 1.565788); -A shows no root line.
  const std::string out = RenderSshare(Accounts(), o);
  EXPECT_EQ(out.rfind(" labacct ", 0), 0u) << out;
  EXPECT_NE(out.find(" 1.565788 "), std::string::npos) << out;
  EXPECT_EQ(out.find("root"), std::string::npos) << out;
}

TEST(SshareTest, UsersFilterKeepsAccountsAndThoseUsers) {
  SshareOptions o;
  o.header = false;
  o.users = {"labuser1"};
  const std::string out = RenderSshare(Accounts(), o);
  EXPECT_NE(out.find("labuser1"), std::string::npos);
  EXPECT_EQ(out.find("other"), std::string::npos);
  EXPECT_EQ(out.find("hu1"), std::string::npos);
  EXPECT_NE(out.find(" hu "), std::string::npos);  // the account line stays
  EXPECT_EQ(out.rfind("root ", 0), 0u);
}

}  // namespace
}  // namespace fairway::cli
