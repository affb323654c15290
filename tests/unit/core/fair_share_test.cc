#include "core/fair_share.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/builders.h"

namespace fairway::core {
namespace {

using testing::AccountBuilder;
using testing::T;

AccountName A(const char* s) { return AccountName(s); }
UserName U(const char* s) { return UserName(s); }

// The reference's formulas (slurm-semantics.md §2) rank real users only; Slurm's automatic
// root user association is covered by the FairTreeRootUserTest cases below.
FairShareConfig RealUsersOnly() {
  FairShareConfig config;
  config.root_user_association = false;
  return config;
}

std::vector<Account> TwoAccounts() {
  return {AccountBuilder("A").Shares(1).User("a1").User("a2").Build(),
          AccountBuilder("B").Shares(1).User("b1").User("b2").Build()};
}

// slurm-semantics.md §2 example: A (usage 300: a1 300, a2 0), B (usage 100: b1 100, b2 0).
// LF_A = 0.5/0.75 = 0.67, LF_B = 0.5/0.25 = 2 -> b2, b1, a2, a1 -> 1.0, 0.75, 0.5, 0.25.
TEST(FairTreeTest, ReproducesReferenceExample) {
  std::vector<Account> accounts = TwoAccounts();
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger;
  ledger.Charge(tree, A("A"), U("a1"), 300);
  ledger.Charge(tree, A("B"), U("b1"), 100);
  FairShareTable table = ComputeFairShare(tree, ledger, RealUsersOnly());
  EXPECT_DOUBLE_EQ(table.Factor(A("B"), U("b2")), 1.0);
  EXPECT_DOUBLE_EQ(table.Factor(A("B"), U("b1")), 0.75);
  EXPECT_DOUBLE_EQ(table.Factor(A("A"), U("a2")), 0.5);
  EXPECT_DOUBLE_EQ(table.Factor(A("A"), U("a1")), 0.25);
}

TEST(FairTreeTest, SshareColumnsWithinLevel) {
  std::vector<Account> accounts = TwoAccounts();
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger;
  ledger.Charge(tree, A("A"), U("a1"), 300);
  ledger.Charge(tree, A("B"), U("b1"), 100);
  FairShareTable table = ComputeFairShare(tree, ledger, RealUsersOnly());
  const auto& rows = table.rows();
  ASSERT_EQ(rows.size(), 7u);  // root, A, a1, a2, B, b1, b2
  EXPECT_EQ(rows[0].account.str(), "root");
  EXPECT_EQ(rows[1].account.str(), "A");
  EXPECT_TRUE(rows[1].user.empty());
  EXPECT_DOUBLE_EQ(rows[1].norm_shares, 0.5);
  EXPECT_DOUBLE_EQ(rows[1].effective_usage, 0.75);
  EXPECT_NEAR(rows[1].level_fs, 0.5 / 0.75, 1e-12);
  EXPECT_DOUBLE_EQ(rows[1].raw_usage, 300);
  EXPECT_EQ(rows[2].user.str(), "a1");
  EXPECT_DOUBLE_EQ(rows[2].effective_usage, 1.0);
  EXPECT_TRUE(std::isinf(rows[3].level_fs));
}

TEST(FairTreeTest, TiedUsersShareARankAndTheNextSkips) {
  std::vector<Account> accounts = {AccountBuilder("A").User("u1").User("u2").User("u3").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger;
  ledger.Charge(tree, A("A"), U("u3"), 10);
  FairShareTable table = ComputeFairShare(tree, ledger, RealUsersOnly());
  // u1 and u2 have no usage (LF inf, tied) -> both 3/3; u3 gets rank 1 -> 1/3.
  EXPECT_DOUBLE_EQ(table.Factor(A("A"), U("u1")), 1.0);
  EXPECT_DOUBLE_EQ(table.Factor(A("A"), U("u2")), 1.0);
  EXPECT_DOUBLE_EQ(table.Factor(A("A"), U("u3")), 1.0 / 3);
}

TEST(FairTreeTest, UnderservedAccountOutranksEveryUserOfOverservedSibling) {
  std::vector<Account> accounts = {AccountBuilder("big").Shares(3).User("x1").User("x2").Build(),
                                   AccountBuilder("small").Shares(1).User("y1").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger;
  // big: 3/4 shares, 50% usage -> LF 1.5; small: 1/4 shares, 50% usage -> LF 0.5.
  ledger.Charge(tree, A("big"), U("x1"), 500);
  ledger.Charge(tree, A("small"), U("y1"), 500);
  FairShareTable table = ComputeFairShare(tree, ledger, RealUsersOnly());
  EXPECT_GT(table.Factor(A("big"), U("x1")), table.Factor(A("small"), U("y1")));
  EXPECT_DOUBLE_EQ(table.Factor(A("big"), U("x2")), 1.0);
  EXPECT_DOUBLE_EQ(table.Factor(A("big"), U("x1")), 2.0 / 3);
  EXPECT_DOUBLE_EQ(table.Factor(A("small"), U("y1")), 1.0 / 3);
}

TEST(FairTreeTest, TiedSiblingAccountsMergeTheirChildren) {
  std::vector<Account> accounts = {AccountBuilder("A").User("a1").User("a2").Build(),
                                   AccountBuilder("B").User("b1").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger;
  ledger.Charge(tree, A("A"), U("a1"), 100);
  ledger.Charge(tree, A("B"), U("b1"), 100);
  // A and B tie (LF 1), so their children are ranked together: a2 (LF inf), b1 (1/1 shares over
  // 1/1 usage = 1), a1 (1/2 over 1/1 = 0.5). Without the merge all of A would precede B.
  FairShareTable table = ComputeFairShare(tree, ledger, RealUsersOnly());
  EXPECT_DOUBLE_EQ(table.Factor(A("A"), U("a2")), 1.0);
  EXPECT_DOUBLE_EQ(table.Factor(A("B"), U("b1")), 2.0 / 3);
  EXPECT_DOUBLE_EQ(table.Factor(A("A"), U("a1")), 1.0 / 3);
}

TEST(FairTreeTest, SubAccountsRankDepthFirst) {
  std::vector<Account> accounts = {AccountBuilder("phys").User("p1").Build(),
                                   AccountBuilder("astro").Parent("phys").User("s1").Build(),
                                   AccountBuilder("chem").User("c1").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger;
  ledger.Charge(tree, A("chem"), U("c1"), 900);
  ledger.Charge(tree, A("phys"), U("p1"), 50);
  ledger.Charge(tree, A("astro"), U("s1"), 50);
  FairShareTable table = ComputeFairShare(tree, ledger, RealUsersOnly());
  // phys is under-served -> all its users (p1, s1) rank above c1.
  double p1 = table.Factor(A("phys"), U("p1"));
  double s1 = table.Factor(A("astro"), U("s1"));
  double c1 = table.Factor(A("chem"), U("c1"));
  EXPECT_GT(p1, c1);
  EXPECT_GT(s1, c1);
  EXPECT_DOUBLE_EQ(c1, 1.0 / 3);
}

// One association row of Slurm's `sshare -a -l -o Account,User,RawShares,NormShares,RawUsage,
// NormUsage,EffectvUsage,LevelFS,FairShare` (account rows have no user and no FairShare).
struct SlurmShareRow {
  double norm_shares = 0;
  double effective_usage = 0;
  double level_fs = 0;
  double fair_share = -1;  // -1: account row
};

// Rows by "account/user" ("account/" for accounts), the cluster's root row left out.
std::map<std::string, SlurmShareRow> ReadSshare(const std::string& path) {
  std::ifstream in(path);
  std::map<std::string, SlurmShareRow> rows;
  std::string line;
  bool data = false;
  while (std::getline(in, line)) {
    if (line.rfind("-----", 0) == 0) {
      data = true;
      continue;
    }
    if (!data) continue;
    std::istringstream words(line);
    std::vector<std::string> w{std::istream_iterator<std::string>(words),
                               std::istream_iterator<std::string>()};
    auto num = [](const std::string& v) {
      return v == "inf" ? std::numeric_limits<double>::infinity() : std::stod(v);
    };
    if (w.size() == 9) {  // Account User RawShares NormShares RawUsage NormUsage Eff LF FS
      rows[w[0] + "/" + w[1]] = {num(w[3]), num(w[6]), num(w[7]), num(w[8])};
    } else if (w.size() == 7) {  // Account RawShares NormShares RawUsage NormUsage Eff LF
      rows[w[0] + "/"] = {num(w[2]), num(w[5]), num(w[6]), -1};
    }
  }
  return rows;
}

void ExpectSame(double slurm, double ours, const std::string& what) {
  if (std::isinf(slurm)) {
    EXPECT_TRUE(std::isinf(ours)) << what;
  } else {
    EXPECT_NEAR(slurm, ours, 1e-6) << what;  // sshare prints 6 decimals
  }
}

// Issue #16: Slurm counts its automatic root user association in Fair Tree. The same tree and
// usage as tools/slurm-lab scenario c must give sshare's numbers row by row.
TEST(FairTreeRootUserTest, MatchesSlurmSshare) {
  std::map<std::string, SlurmShareRow> slurm =
      ReadSshare(std::string(FAIRWAY_TESTDATA_DIR) + "/slurm/fairtree_root_user.txt");
  ASSERT_EQ(slurm.size(), 12u);  // root/root, 4 accounts, 7 users
  std::vector<Account> accounts = {AccountBuilder("a").User("fa1").User("fa2").User("fa3").Build(),
                                   AccountBuilder("b").User("fb1").User("fb2").Build(),
                                   AccountBuilder("c").User("fc1").Build(),
                                   AccountBuilder("d").User("fd1").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger;
  // sshare prints RawUsage truncated (559, 139; root 699) and NormUsage 0.8 / 0.2 exactly:
  // the decayed usages were 559.2 and 139.8.
  ledger.Charge(tree, A("a"), U("fa1"), 559.2);
  ledger.Charge(tree, A("b"), U("fb1"), 139.8);
  FairShareTable table = ComputeFairShare(tree, ledger, FairShareConfig{});
  size_t compared = 0;
  for (const FairShareRow& row : table.rows()) {
    if (row.depth == 0) continue;
    std::string key = row.account.str() + "/" + row.user.str();
    auto it = slurm.find(key);
    ASSERT_NE(it, slurm.end()) << key;
    ExpectSame(it->second.norm_shares, row.norm_shares, key + " NormShares");
    ExpectSame(it->second.effective_usage, row.effective_usage, key + " EffectvUsage");
    ExpectSame(it->second.level_fs, row.level_fs, key + " LevelFS");
    if (it->second.fair_share >= 0) ExpectSame(it->second.fair_share, row.fair_share, key);
    ++compared;
  }
  EXPECT_EQ(compared, slurm.size());
}

// The numbers: the reference example (two accounts of two users) gives 0.2 and 0.4 to
// the over-served account's users with root counted, where real users alone give 0.25 and 0.5.
TEST(FairTreeRootUserTest, ShiftsFactorsByOneRank) {
  std::vector<Account> accounts = TwoAccounts();
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger;
  ledger.Charge(tree, A("A"), U("a1"), 300);
  ledger.Charge(tree, A("B"), U("b1"), 100);
  FairShareTable slurm = ComputeFairShare(tree, ledger, FairShareConfig{});
  EXPECT_DOUBLE_EQ(slurm.Factor(A("B"), U("b2")), 0.8);
  EXPECT_DOUBLE_EQ(slurm.Factor(A("B"), U("b1")), 0.6);
  EXPECT_DOUBLE_EQ(slurm.Factor(A("A"), U("a2")), 0.4);
  EXPECT_DOUBLE_EQ(slurm.Factor(A("A"), U("a1")), 0.2);
  FairShareTable real = ComputeFairShare(tree, ledger, RealUsersOnly());
  EXPECT_DOUBLE_EQ(real.Factor(A("A"), U("a2")), 0.5);
  EXPECT_DOUBLE_EQ(real.Factor(A("A"), U("a1")), 0.25);
}

TEST(ClassicFairShareTest, FollowsTheFormula) {
  std::vector<Account> accounts = {AccountBuilder("A").Shares(3).User("a1").User("a2").Build(),
                                   AccountBuilder("B").Shares(1).User("b1").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger;
  ledger.Charge(tree, A("A"), U("a1"), 600);
  ledger.Charge(tree, A("B"), U("b1"), 400);
  FairShareConfig config = RealUsersOnly();
  config.algorithm = FairShareAlgorithm::kClassic;
  FairShareTable table = ComputeFairShare(tree, ledger, config);
  // A: S = 0.75, UE = 0.6 -> F = 2^-(0.8).
  // a1: S = 0.75 * 0.5 = 0.375; UN = 0.6; UE = 0.6 + (0.6 - 0.6) * 0.5 = 0.6 -> 2^-(1.6).
  // a2: S = 0.375; UN = 0; UE = 0 + (0.6 - 0) * 0.5 = 0.3 -> 2^-(0.8).
  // b1: S = 0.25; UN = 0.4; UE = 0.4 + (0.4 - 0.4) * 1 = 0.4 -> 2^-(1.6).
  EXPECT_NEAR(table.Factor(A("A"), U("a1")), std::pow(2.0, -1.6), 1e-12);
  EXPECT_NEAR(table.Factor(A("A"), U("a2")), std::pow(2.0, -0.8), 1e-12);
  EXPECT_NEAR(table.Factor(A("B"), U("b1")), std::pow(2.0, -1.6), 1e-12);
  config.dampening_factor = 2;
  FairShareTable damped = ComputeFairShare(tree, ledger, config);
  EXPECT_NEAR(damped.Factor(A("A"), U("a1")), std::pow(2.0, -0.8), 1e-12);
}

TEST(ClassicFairShareTest, NoUsageMeansFactorOne) {
  std::vector<Account> accounts = TwoAccounts();
  AccountTree tree = AccountTree::Build(accounts);
  FairShareConfig config = RealUsersOnly();
  config.algorithm = FairShareAlgorithm::kClassic;
  FairShareTable table = ComputeFairShare(tree, UsageLedger(), config);
  EXPECT_DOUBLE_EQ(table.Factor(A("A"), U("a1")), 1.0);
}

TEST(UsageLedgerTest, ChargesUpTheTree) {
  std::vector<Account> accounts = {AccountBuilder("phys").User("p").Build(),
                                   AccountBuilder("astro").Parent("phys").User("s").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger;
  ledger.Charge(tree, A("astro"), U("s"), 10);
  EXPECT_DOUBLE_EQ(ledger.Usage({A("astro"), U("s")}), 10);
  EXPECT_DOUBLE_EQ(ledger.Usage({A("astro"), UserName()}), 10);
  EXPECT_DOUBLE_EQ(ledger.Usage({A("phys"), UserName()}), 10);
  EXPECT_DOUBLE_EQ(ledger.RootUsage(), 10);
  EXPECT_DOUBLE_EQ(ledger.Usage({A("phys"), U("p")}), 0);
}

TEST(UsageLedgerTest, HalvesAfterOneHalfLife) {
  std::vector<Account> accounts = {AccountBuilder("A").User("u").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger(T(0));
  ledger.Charge(tree, A("A"), U("u"), 1000);
  Seconds half_life(7 * 86400);
  // Slurm's d = 1 - 0.693/hl gives d^hl = 0.50000... within 1e-4.
  ledger.Advance(T(7 * 86400), half_life, tree, {});
  EXPECT_NEAR(ledger.Usage({A("A"), U("u")}), 500, 0.1);
  EXPECT_EQ(ledger.last_update(), T(7 * 86400));
}

TEST(UsageLedgerTest, NewUsageIsScaledByDecayOfItsInterval) {
  std::vector<Account> accounts = {AccountBuilder("A").User("u").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger(T(0));
  Seconds half_life(3600);
  UsageCharge charge{A("A"), U("u"), 8.0, 0.5, Seconds(300)};
  ledger.Advance(T(300), half_life, tree, {charge});
  double d = 1 - 0.693 / 3600;
  EXPECT_NEAR(ledger.Usage({A("A"), U("u")}), 8.0 * 300 * std::pow(d, 300) * 0.5, 1e-9);
}

TEST(UsageLedgerTest, ZeroHalfLifeMeansNoDecay) {
  std::vector<Account> accounts = {AccountBuilder("A").User("u").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger(T(0));
  ledger.Charge(tree, A("A"), U("u"), 100);
  ledger.Advance(T(1000000), Seconds(0), tree, {});
  EXPECT_DOUBLE_EQ(ledger.Usage({A("A"), U("u")}), 100);
}

TEST(BillingTest, SumsWeightedResourcesPerNode) {
  BillingWeights w{1.0, 0.25, 2.0};
  Resources per_node{4000, 8 * testing::kGiB, 2};
  EXPECT_DOUBLE_EQ(BillingOf(per_node, 3, w), 3 * (4 + 2 + 4));
}

}  // namespace
}  // namespace fairway::core

namespace fairway::core {
namespace {

using testing::AccountBuilder;

// "astro" sorts before its parent "phys": the classic formula must still see the parent first.
TEST(ClassicFairShareTest, SubAccountUsesItsParentsValuesWhateverTheNames) {
  std::vector<Account> accounts = {
      AccountBuilder("phys").Shares(1).Build(),
      AccountBuilder("astro").Parent("phys").Shares(1).User("s").Build(),
      AccountBuilder("zoo").Shares(1).User("z").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  UsageLedger ledger;
  ledger.Charge(tree, AccountName("astro"), UserName("s"), 300);
  ledger.Charge(tree, AccountName("zoo"), UserName("z"), 100);
  FairShareConfig config = RealUsersOnly();
  config.algorithm = FairShareAlgorithm::kClassic;
  FairShareTable table = ComputeFairShare(tree, ledger, config);
  // phys: S = 0.5, UE = 0.75. astro (only child): S = 0.5, UE = 0.75 + (0.75 - 0.75) = 0.75.
  // s (only user): S = 0.5, UE = 0.75 -> F = 2^(-1.5).
  EXPECT_NEAR(table.Factor(AccountName("astro"), UserName("s")), std::pow(2.0, -1.5), 1e-12);
  // z: S = 0.5, UE = 0.25 -> 2^(-0.5).
  EXPECT_NEAR(table.Factor(AccountName("zoo"), UserName("z")), std::pow(2.0, -0.5), 1e-12);
}

TEST(AccountTreeTest, TopDownPutsParentsFirst) {
  std::vector<Account> accounts = {AccountBuilder("b").Parent("c").Build(),
                                   AccountBuilder("c").Build(),
                                   AccountBuilder("a").Parent("b").Build()};
  AccountTree tree = AccountTree::Build(accounts);
  std::vector<std::string> order;
  for (int32_t i : tree.TopDown()) order.push_back(tree.at(i).account.str());
  EXPECT_EQ(order, (std::vector<std::string>{"root", "c", "b", "a"}));
}

}  // namespace
}  // namespace fairway::core
