// Limits of one user association inside an account (issue #16; Slurm's `sacctmgr modify user
// NAME set MaxJobs= MaxSubmitJobs= GrpTRES=gres/gpu=`). Slurm 22.05 in tools/slurm-lab
// (tests/testdata/slurm/user_limits.txt): hu1 MaxJobs=1 -> second job AssocMaxJobsLimit;
// hu3 GrpTRES=gres/gpu=1 -> second 1-GPU job AssocGrpGRES; hu2 in the same account unlimited.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/cycle.h"
#include "tests/testing/builders.h"

namespace fairway::core {
namespace {

using testing::AccountBuilder;
using testing::JobBuilder;
using testing::NodeBuilder;
using testing::PartitionBuilder;
using testing::T;

UserLimits MaxJobs(int64_t n) {
  UserLimits l;
  l.max_jobs = n;
  return l;
}
UserLimits GrpGpus(int64_t n) {
  UserLimits l;
  l.grp_gpus = n;
  return l;
}
UserLimits MaxSubmitJobs(int64_t n) {
  UserLimits l;
  l.max_submit_jobs = n;
  return l;
}

class UserLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.partitions.push_back(PartitionBuilder("gpu").Default().Build());
    for (int i = 0; i < 4; ++i) {
      cluster_.nodes.push_back(NodeBuilder("n" + std::to_string(i)).Gpus(4).Build());
    }
  }

  // Submits two 1-GPU jobs for `user` ("<user>_1", "<user>_2").
  void SubmitTwo(const std::string& user) {
    for (int k = 1; k <= 2; ++k) {
      const uint64_t id = next_id_++;
      pending_.push_back(JobBuilder(user + "_" + std::to_string(k))
                             .Id(id)
                             .User(user)
                             .Account("hu")
                             .Submit(static_cast<int64_t>(id))
                             .Build());
    }
  }

  // Reason per job name after one cycle; "started" for started jobs.
  std::map<std::string, std::string> Run() {
    CycleInput in;
    in.now = T(1000);
    in.cluster = &cluster_;
    in.pending = &pending_;
    in.config = &config_;
    in.usage = &usage_;
    CycleResult result = RunCycle(in);
    std::map<std::string, std::string> out;
    for (const StartDecision& s : result.started) out[pending_[s.pending_index].name] = "started";
    for (const PendingDecision& p : result.pending) {
      out[pending_[p.pending_index].name] = std::string(PendingReasonName(p.reason));
    }
    return out;
  }

  ClusterState cluster_;
  std::vector<Job> pending_;
  SchedulerConfig config_;
  UsageLedger usage_;
  uint64_t next_id_ = 1;
};

TEST_F(UserLimitsTest, UserLimitsBindThatUserOnly) {
  cluster_.accounts.push_back(AccountBuilder("hu")
                                  .UserWithLimits("hu1", MaxJobs(1))
                                  .User("hu2")
                                  .UserWithLimits("hu3", GrpGpus(1))
                                  .Build());
  SubmitTwo("hu1");
  SubmitTwo("hu2");
  SubmitTwo("hu3");
  std::map<std::string, std::string> r = Run();
  EXPECT_EQ(r["hu1_1"], "started");
  EXPECT_EQ(r["hu1_2"], "AssocMaxJobsLimit");
  EXPECT_EQ(r["hu2_1"], "started");
  EXPECT_EQ(r["hu2_2"], "started");
  EXPECT_EQ(r["hu3_1"], "started");
  EXPECT_EQ(r["hu3_2"], "AssocGrpGRES");
}

// The user's own limit replaces the account's per-user limit, looser or stricter.
TEST_F(UserLimitsTest, UserLimitReplacesTheAccountsPerUserLimit) {
  cluster_.accounts.push_back(AccountBuilder("hu")
                                  .MaxJobsPerUser(1)
                                  .UserWithLimits("loose", MaxJobs(2))
                                  .User("plain")
                                  .Build());
  SubmitTwo("loose");
  SubmitTwo("plain");
  std::map<std::string, std::string> r = Run();
  EXPECT_EQ(r["loose_2"], "started");
  EXPECT_EQ(r["plain_1"], "started");
  EXPECT_EQ(r["plain_2"], "AssocMaxJobsLimit");
}

// A parent account's per-user limit is inherited unless the user association sets its own.
TEST_F(UserLimitsTest, UserLimitOverridesAnInheritedPerUserLimit) {
  cluster_.accounts.push_back(AccountBuilder("top").MaxGpusPerUser(1).Build());
  cluster_.accounts.push_back(
      AccountBuilder("hu").Parent("top").UserWithLimits("big", GrpGpus(2)).User("small").Build());
  SubmitTwo("big");
  SubmitTwo("small");
  std::map<std::string, std::string> r = Run();
  EXPECT_EQ(r["big_2"], "started");
  EXPECT_EQ(r["small_1"], "started");
  EXPECT_EQ(r["small_2"], "AssocGrpGRES");
}

// MaxSubmitJobs counts pending + running; jobs beyond it pend (Slurm rejects them at submit,
// which a Kubernetes object already admitted cannot be).
TEST_F(UserLimitsTest, UserMaxSubmitJobsHoldsBackLaterSubmissions) {
  cluster_.accounts.push_back(
      AccountBuilder("hu").UserWithLimits("hu1", MaxSubmitJobs(1)).User("hu2").Build());
  SubmitTwo("hu1");
  SubmitTwo("hu2");
  std::map<std::string, std::string> r = Run();
  EXPECT_EQ(r["hu1_1"], "started");
  EXPECT_EQ(r["hu1_2"], "AssocMaxSubmitJobLimit");
  EXPECT_EQ(r["hu2_2"], "started");
}

}  // namespace
}  // namespace fairway::core
