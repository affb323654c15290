// sshare's layout against Slurm 22.05's (tests/testdata/slurm/sshare_long.txt): the header and
// dashes of the short and long formats, -A and -u, and Fair Tree's per-level columns.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <vector>

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

// The whitespace-separated cells of each line of `text` whose second cell is a user in `users`.
std::map<std::string, std::vector<std::string>> UserCells(const std::string& text,
                                                          const std::set<std::string>& users) {
  std::map<std::string, std::vector<std::string>> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> cells;
    for (std::string w; words >> w;) cells.push_back(w);
    if (cells.size() > 1 && users.count(cells[1]) > 0) out[cells[1]] = cells;
  }
  return out;
}

// The lab's hu account: five users of one share under an account that is one of three top-level
// accounts (plus root's user association). Usage as the recording's NormUsage x 1e6, so the
// ratios are Slurm's to its six printed digits.
TEST(SshareTest, UserColumnsArePerLevelAsSlurms) {
  api::AccountObject hu;
  hu.meta.name = "hu";
  hu.spec.users = {"hs1", "hs2", "hu1", "hu2", "hu3"};
  hu.status.user_usage = {
      {"hs1", 39218}, {"hs2", 18208}, {"hu1", 39217}, {"hu2", 78434}, {"hu3", 39217}};
  hu.status.raw_usage = 214294;
  hu.status.normalized_shares = 0.25;
  api::AccountObject hgg = hu, lab = hu;
  hgg.meta.name = "hgg";
  hgg.spec.users = {"hgg1"};
  hgg.status.user_usage = {{"hgg1", 12606}};
  hgg.status.raw_usage = 12606;
  lab.meta.name = "labacct";
  lab.spec.users = {"labuser1"};
  lab.status.user_usage = {{"labuser1", 159664}};
  lab.status.raw_usage = 159664;
  SshareOptions o;
  o.long_format = true;
  const std::set<std::string> users = {"hs1", "hs2", "hu1", "hu2", "hu3", "hgg1", "labuser1"};
  auto ours = UserCells(RenderSshare({hgg, hu, lab}, o), users);
  auto slurm = UserCells(RecordedOutput("sshare_long.txt", "sshare -a -l"), users);
  ASSERT_EQ(slurm.size(), users.size());
  for (const std::string& u : users) {
    ASSERT_EQ(ours[u].size(), 9u) << u;  // no GrpTRESMins/TRESRunMins values in Fairway
    for (size_t column : {3u, 6u}) {     // NormShares, EffectvUsage
      EXPECT_NEAR(std::stod(ours[u][column]), std::stod(slurm[u][column]), 1e-5)
          << u << " column " << column;
    }
    // LevelFS = NormShares / EffectvUsage carries the inputs' rounding to six digits (up to
    // 3e-5 relative for hs2's 0.018208).
    const double level = std::stod(slurm[u][8]);
    EXPECT_NEAR(std::stod(ours[u][8]), level, 5e-5 * level) << u << " LevelFS";
  }
}

TEST(SshareTest, UserSiblingsIncludeSubAccounts) {
  api::AccountObject parent, child;
  parent.meta.name = "physics";
  parent.spec.users = {"alice"};
  parent.status.raw_usage = 100;
  parent.status.user_usage = {{"alice", 25}};
  child.meta.name = "astro";
  child.spec.parent = "physics";
  child.spec.shares = 3;
  child.status.raw_usage = 75;
  SshareOptions o;
  o.header = false;
  auto cells = UserCells(RenderSshare({parent, child}, o), {"alice"});
  EXPECT_EQ(cells["alice"][3], "0.250000");  // 1 share of 1 + 3
  EXPECT_EQ(cells["alice"][5], "0.250000");  // 25 of physics' 100
}

}  // namespace
}  // namespace fairway::cli
