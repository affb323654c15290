// Usage accounting (controllers/accounting.h) on a FakeClock: runs are charged from their pods
// and records up to their end, a crash (in-memory state dropped, restored from the persisted
// Account status) neither doubles nor loses usage, decay resumes from the persisted time, and
// requeued runs are all charged; usage as of a priority period's start is the same whenever it
// is computed.
#include "controllers/accounting.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <set>

#include "api/account_types.h"
#include "api/common_types.h"
#include "api/job_types.h"
#include "common/clock.h"
#include "core/account_tree.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

constexpr core::Seconds kSettle{5};
const WallTime kEpoch = WallTime{} + std::chrono::hours(24 * 365 * 55);  // some day in 2025

// `s` seconds after kEpoch, as a core timestamp and as RFC 3339.
core::Timestamp Ts(int64_t s) {
  return std::chrono::time_point_cast<core::Seconds>(kEpoch) + core::Seconds(s);
}
std::string At(int64_t s) { return api::FormatRfc3339(Ts(s)); }

// A Job of user alice in account physics (gpus per node, nodes), with jobID `id`.
api::JobObject Job(const std::string& name, uint64_t id, int gpus, int nodes = 1) {
  json j = {{"apiVersion", "fairway.dev/v1alpha1"},
            {"kind", "Job"},
            {"metadata", {{"name", name}, {"namespace", "default"}, {"uid", "uid-" + name}}},
            {"spec",
             {{"nodes", nodes},
              {"resources", {{"gpus", gpus}}},
              {"user", "alice"},
              {"account", "physics"}}},
            {"status", {{"jobID", id}, {"state", "PENDING"}}}};
  StatusOr<api::JobObject> job = api::JobFromJson(j);
  EXPECT_TRUE(job.ok()) << job.status().ToString();
  return *job;
}

void MarkRunning(api::JobObject* job, int64_t start) {
  job->status.state = core::JobState::kRunning;
  job->status.start_time = Ts(start);
  job->status.end_time.reset();
}

void MarkEnded(api::JobObject* job, core::JobState state, int64_t end) {
  job->status.state = state;
  job->status.end_time = Ts(end);
}

// A pod of run (id, restarts) of `job`, started at `start`; ended at `end` when given (Succeeded
// with finishedAt).
json Pod(const api::JobObject& job, uint64_t id, int32_t restarts, int64_t start,
         std::optional<int64_t> end = std::nullopt, int rank = 0) {
  json state = end.has_value()
                   ? json{{"terminated",
                           {{"startedAt", At(start)}, {"finishedAt", At(*end)}, {"exitCode", 0}}}}
                   : json{{"running", {{"startedAt", At(start)}}}};
  return {{"metadata",
           {{"name", job.meta.name + "-" + std::to_string(restarts) + "-" + std::to_string(rank)},
            {"namespace", "default"},
            {"labels",
             {{"fairway.dev/job", job.meta.name},
              {"fairway.dev/job-id", std::to_string(id)},
              {"fairway.dev/restarts", std::to_string(restarts)},
              {"fairway.dev/account", "physics"}}}}},
          {"status",
           {{"phase", end.has_value() ? "Succeeded" : "Running"},
            {"containerStatuses", json::array({{{"name", "main"}, {"state", state}}})}}}};
}

// The operator's usage state, its "API server" (the Account status as last persisted, kept as
// JSON), and the world it charges from.
class AccountingWorld {
 public:
  explicit AccountingWorld(core::Seconds half_life) {
    options_.half_life = half_life;
    options_.settle = kSettle;
    options_.retention = core::Seconds(3600);
    core::Account physics;
    physics.name = core::AccountName("physics");
    physics.users.push_back({core::UserName("alice")});
    cluster_.accounts.push_back(physics);
    Restart();
  }

  // One cycle at `clock`'s time: charge everything the objects show.
  void Cycle() {
    core::Timestamp now = std::chrono::time_point_cast<core::Seconds>(clock_.Now());
    accounting_->Charge(RunsOf(objects_, cluster_, core::BillingWeights{}),
                        LiveInstanceIds(objects_), now, options_);
  }
  // Writes the checkpoint to the "API server" (through its JSON form).
  void Persist() {
    api::AccountStatus st;
    PutCheckpoint(accounting_->Checkpoint("physics"), &st);
    stored_ = api::ToJson(st);
    accounting_->MarkPersisted("physics", accounting_->Checkpoint("physics"));
  }
  // The process dies: the in-memory state goes; a new one starts from the stored status.
  void Restart() {
    accounting_ = std::make_unique<UsageAccounting>();
    StatusOr<api::AccountStatus> st = api::AccountStatusFromJson(stored_);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    accounting_->Restore("physics", "uid-physics", *st);
  }
  double Usage() const { return accounting_->Checkpoint("physics").user_usage.at("alice"); }
  const UsageCheckpoint& Checkpoint() const { return accounting_->Checkpoint("physics"); }
  // Cycle at `t` seconds after kEpoch.
  void CycleAt(int64_t t) {
    clock_.SetWallTime(kEpoch + std::chrono::seconds(t));
    Cycle();
  }

  FakeClock clock_{kEpoch};
  AccountingOptions options_;
  core::ClusterState cluster_;
  ClusterObjects objects_;
  json stored_ = json::object();
  std::unique_ptr<UsageAccounting> accounting_;
};

TEST(AccountingTest, JobEndingBetweenCyclesIsChargedToItsEnd) {
  AccountingWorld w(core::Seconds(0));
  api::JobObject job = Job("a", 10, 4);
  MarkRunning(&job, 100);
  w.objects_.jobs = {job};
  w.objects_.pods = {Pod(job, 10, 0, 101)};
  w.CycleAt(110);
  EXPECT_DOUBLE_EQ(w.Usage(), 4 * (110 - 5 - 101));  // running: up to now - settle
  // The pod ends at 130, the operator looks again at 140 (the job is not running any more).
  MarkEnded(&job, core::JobState::kCompleted, 140);
  w.objects_.jobs = {job};
  w.objects_.pods = {Pod(job, 10, 0, 101, 130)};
  w.CycleAt(140);
  EXPECT_DOUBLE_EQ(w.Usage(), 4 * (130 - 101));
  EXPECT_EQ(w.Checkpoint().charged.at("10.0"), Ts(130));
  EXPECT_TRUE(w.accounting_->NeedsFlush("physics"));
  w.CycleAt(200);  // nothing more
  EXPECT_DOUBLE_EQ(w.Usage(), 4 * (130 - 101));
}

// Three jobs over [100, 400]; checkpoints are persisted only at some cycles, and the process
// dies right after charging at others. The result equals that of a process that never died.
class CrashTest : public ::testing::TestWithParam<int64_t> {};

void SetWorldAt(AccountingWorld* w, int64_t t) {
  api::JobObject a = Job("a", 1, 2), b = Job("b", 2, 1, /*nodes=*/2), c = Job("c", 3, 8);
  MarkRunning(&a, 100);
  MarkRunning(&b, 150);
  w->objects_.pods = {Pod(a, 1, 0, 100, t >= 200 ? std::optional<int64_t>(200) : std::nullopt),
                      Pod(b, 2, 0, 150, t >= 400 ? std::optional<int64_t>(400) : std::nullopt, 0),
                      Pod(b, 2, 0, 151, t >= 400 ? std::optional<int64_t>(399) : std::nullopt, 1)};
  if (t >= 200) MarkEnded(&a, core::JobState::kCompleted, 200);
  if (t >= 400) MarkEnded(&b, core::JobState::kCompleted, 400);
  if (t >= 250) {  // c runs [250, 300]; its pod is deleted when it times out at 300
    MarkRunning(&c, 250);
    if (t < 300) w->objects_.pods.push_back(Pod(c, 3, 0, 250));
    if (t >= 300) MarkEnded(&c, core::JobState::kTimeout, 300);
  }
  w->objects_.jobs = {a, b, c};
}

TEST_P(CrashTest, CrashBetweenChargeAndPersistNeitherDoublesNorLoses) {
  const core::Seconds half_life(GetParam());
  AccountingWorld steady(half_life), crashing(half_life);
  // (cycle time, what happens after the charge in the crashing process)
  enum After { kPersist, kCrash, kNothing };
  const std::vector<std::pair<int64_t, After>> cycles = {
      {120, kPersist}, {180, kCrash},   {210, kNothing}, {260, kCrash},   {280, kPersist},
      {320, kCrash},   {350, kNothing}, {410, kCrash},   {420, kPersist}, {500, kNothing}};
  for (const auto& [t, after] : cycles) {
    SetWorldAt(&steady, t);
    steady.CycleAt(t);
    SetWorldAt(&crashing, t);
    crashing.CycleAt(t);
    if (after == kPersist) crashing.Persist();
    if (after == kCrash) crashing.Restart();
  }
  EXPECT_NEAR(crashing.Usage(), steady.Usage(), 1e-9 * steady.Usage());
  if (half_life.count() == 0) {
    // GPU-seconds of the pods: a 2 x 100, b 1 x (250 + 248), c 8 x 50 (from its record once
    // its pod was gone: the cursor was at 275 = 280 - settle).
    EXPECT_DOUBLE_EQ(crashing.Usage(), 2 * 100 + 250 + 248 + 8 * 50);
  }
}

INSTANTIATE_TEST_SUITE_P(HalfLives, CrashTest, ::testing::Values(0, 3600));

TEST(AccountingTest, RestartAfterLongGapDecaysFromThePersistedTime) {
  const core::Seconds half_life(3600);
  AccountingWorld w(half_life);
  api::JobObject job = Job("a", 10, 2);
  MarkRunning(&job, 0);
  MarkEnded(&job, core::JobState::kCompleted, 100);
  w.objects_.jobs = {job};
  w.objects_.pods = {Pod(job, 10, 0, 0, 100)};
  w.CycleAt(200);
  w.Persist();
  const double d = core::DecayFactorPerSecond(half_life);
  const double lambda = -std::log(d);
  const double at_200 = 2 * (std::pow(d, 100) - std::pow(d, 200)) / lambda;
  EXPECT_NEAR(w.Usage(), at_200, 1e-9 * at_200);
  EXPECT_EQ(w.Checkpoint().as_of, Ts(200));
  // Down for ten half-lives; the first cycle decays from the persisted time and charges nothing
  // again.
  w.Restart();
  w.CycleAt(200 + 36000);
  EXPECT_NEAR(w.Usage(), at_200 * std::pow(d, 36000), 1e-9 * at_200 * std::pow(d, 36000));
  EXPECT_NEAR(w.Usage() / at_200, std::pow(0.5, 10), 1e-5);  // d^half_life ~ 1/2
}

TEST(AccountingTest, RequeuedJobIsChargedForBothRuns) {
  AccountingWorld w(core::Seconds(0));
  api::JobObject job = Job("a", 10, 3);
  MarkRunning(&job, 100);
  w.objects_.jobs = {job};
  w.objects_.pods = {Pod(job, 10, 0, 100)};
  w.CycleAt(120);
  // Requeued at 150: run 0's pod ended (being deleted), the job waits as restarts=1.
  job.status.state = core::JobState::kPending;
  job.status.restarts = 1;
  job.status.start_time.reset();
  w.objects_.jobs = {job};
  w.objects_.pods = {Pod(job, 10, 0, 100, 150)};
  w.CycleAt(160);
  // Run 1 on [200, 260]; run 0's pod is gone.
  MarkRunning(&job, 200);
  MarkEnded(&job, core::JobState::kCompleted, 262);
  w.objects_.jobs = {job};
  w.objects_.pods = {Pod(job, 10, 1, 200, 260)};
  w.CycleAt(270);
  EXPECT_DOUBLE_EQ(w.Usage(), 3 * (50 + 60));
  EXPECT_EQ(w.Checkpoint().charged.at("10.0"), Ts(150));
  EXPECT_EQ(w.Checkpoint().charged.at("10.1"), Ts(260));
}

TEST(AccountingTest, RequeuedArrayTaskIsChargedForBothRunsUnderOneKey) {
  AccountingWorld w(core::Seconds(0));
  api::JobObject job = Job("arr", 20, 1);
  job.spec.array = "0-1";
  api::ArrayStatus array;
  array.task_count = 2;
  api::ArrayTaskRecord task;
  task.index = 0;
  task.job_id = 21;
  task.start_time = Ts(100);
  array.tasks = {task};
  job.status.array = array;
  job.status.state = core::JobState::kRunning;
  w.objects_.jobs = {job};
  w.objects_.pods = {Pod(job, 21, 0, 100)};
  w.CycleAt(120);
  // Requeued at 150: the task's record goes (PENDING again), its pod ended and is being deleted.
  job.status.array->tasks.clear();
  w.objects_.jobs = {job};
  w.objects_.pods = {Pod(job, 21, 0, 100, 150)};
  w.CycleAt(160);
  // Run 2 of the same task (same jobID and restarts, so the same key) on [200, 230]; its record
  // is dropped once COMPLETED, the pod stays.
  w.objects_.pods = {Pod(job, 21, 0, 200, 230)};
  w.CycleAt(240);
  EXPECT_DOUBLE_EQ(w.Usage(), 50 + 30);
}

TEST(AccountingTest, PodsDeletedAtTheEndAreChargedFromTheRecord) {
  AccountingWorld w(core::Seconds(0));
  api::JobObject job = Job("a", 10, 1, /*nodes=*/2);
  MarkRunning(&job, 100);
  w.objects_.jobs = {job};
  w.objects_.pods = {Pod(job, 10, 0, 101, std::nullopt, 0), Pod(job, 10, 0, 101, std::nullopt, 1)};
  w.CycleAt(130);
  EXPECT_DOUBLE_EQ(w.Usage(), 2 * (125 - 101));
  // TIMEOUT at 160: the operator deleted the pods, which are gone by the next cycle.
  MarkEnded(&job, core::JobState::kTimeout, 160);
  w.objects_.jobs = {job};
  w.objects_.pods.clear();
  w.CycleAt(170);
  EXPECT_DOUBLE_EQ(w.Usage(), 2 * (160 - 101));
}

TEST(AccountingTest, CursorsAreDroppedWhenTheJobIsGoneOrAfterTheRetention) {
  AccountingWorld w(core::Seconds(0));
  api::JobObject a = Job("a", 10, 1), b = Job("b", 11, 1);
  MarkRunning(&a, 100);
  MarkEnded(&a, core::JobState::kCompleted, 200);
  MarkRunning(&b, 100);
  MarkEnded(&b, core::JobState::kCompleted, 200);
  w.objects_.jobs = {a, b};
  w.objects_.pods = {Pod(a, 10, 0, 100, 200), Pod(b, 11, 0, 100, 200)};
  w.CycleAt(210);
  EXPECT_EQ(w.Checkpoint().charged.size(), 2u);
  w.objects_.jobs = {b};  // a deleted (its pods with it)
  w.objects_.pods = {Pod(b, 11, 0, 100, 200)};
  w.CycleAt(220);
  EXPECT_EQ(w.Checkpoint().charged.count("10.0"), 0u);
  EXPECT_EQ(w.Checkpoint().charged.count("11.0"), 1u);
  // An hour after b's end its cursor goes and the horizon moves past it: b is not charged again.
  w.CycleAt(200 + 3600);
  EXPECT_TRUE(w.Checkpoint().charged.empty());
  EXPECT_EQ(w.Checkpoint().horizon, Ts(200));
  w.Persist();
  w.Restart();
  w.CycleAt(200 + 3700);
  EXPECT_DOUBLE_EQ(w.Usage(), 100 + 100);
  EXPECT_TRUE(w.Checkpoint().charged.empty());
}

TEST(AccountingTest, StatusWithoutCursorsIsChargedFromItsLastDecayTime) {
  AccountingWorld w(core::Seconds(0));
  // Written before cursors existed: usage up to 150.
  w.stored_ = {{"rawUsage", 50.0}, {"userUsage", {{"alice", 50.0}}}, {"lastDecayTime", At(150)}};
  w.Restart();
  api::JobObject job = Job("a", 10, 1);
  MarkRunning(&job, 100);
  MarkEnded(&job, core::JobState::kCompleted, 200);
  w.objects_.jobs = {job};
  w.objects_.pods = {Pod(job, 10, 0, 100, 200)};
  w.CycleAt(210);
  EXPECT_DOUBLE_EQ(w.Usage(), 50 + 50);
}

TEST(AccountingTest, LedgerSumsOwnUsageAlongTheTree) {
  UsageAccounting acc;
  api::AccountStatus physics, theory;
  physics.user_usage = {{"alice", 10}};
  theory.user_usage = {{"dave", 5}, {"", 2}};  // "": jobs without a user
  acc.Restore("physics", "u1", physics);
  acc.Restore("theory", "u2", theory);
  core::Account p, t;
  p.name = core::AccountName("physics");
  p.users.push_back({core::UserName("alice")});
  t.name = core::AccountName("theory");
  t.parent = core::AccountName("physics");
  t.users.push_back({core::UserName("dave")});
  core::AccountTree tree = core::AccountTree::Build({p, t});
  core::UsageLedger ledger = acc.Ledger(tree, Ts(0));
  EXPECT_DOUBLE_EQ(ledger.Usage({core::AccountName("theory"), core::UserName()}), 7);
  EXPECT_DOUBLE_EQ(ledger.Usage({core::AccountName("physics"), core::UserName()}), 17);
  EXPECT_DOUBLE_EQ(ledger.RootUsage(), 17);
  EXPECT_DOUBLE_EQ(ledger.Usage({core::AccountName("theory"), core::UserName("dave")}), 5);
  EXPECT_TRUE(acc.Knows("theory", "u2"));
  EXPECT_FALSE(acc.Knows("theory", "u3"));  // the Account was created again: restore anew
}

TEST(AccountingTest, AnEndedRunFlushesItsAccountAndTheAncestors) {
  UsageAccounting acc;
  api::AccountObject physics, theory, chem;
  physics.meta.name = "physics";
  theory.meta.name = "theory";
  theory.spec.parent = "physics";
  chem.meta.name = "chem";
  for (const api::AccountObject* a : {&physics, &theory, &chem}) {
    acc.Restore(a->meta.name, a->meta.uid, a->status);
  }
  RunFacts run;
  run.key = "5.0";
  run.job_id = 5;
  run.account = core::AccountName("theory");
  run.user = core::UserName("dave");
  run.rate = 1;
  run.spans = {{Ts(0), Ts(10)}};
  run.ended = true;
  AccountingOptions o;
  acc.Charge({run}, {{5, 5}}, Ts(20), o);
  EXPECT_TRUE(acc.NeedsFlush("theory"));
  EXPECT_EQ(AccountsToFlush(acc, {physics, theory, chem}),
            (std::set<std::string>{"physics", "theory"}));
  acc.MarkPersisted("theory", acc.Checkpoint("theory"));
  EXPECT_TRUE(AccountsToFlush(acc, {physics, theory, chem}).empty());
}

TEST(AccountingTest, DecayedUsageDoesNotDependOnHowTheIntervalIsSplit) {
  const double d = core::DecayFactorPerSecond(core::Seconds(600));
  const double lambda = -std::log(d);
  const core::Timestamp t0 = Ts(0), t1 = Ts(70), t2 = Ts(300), now = Ts(900);
  double whole = DecayedUsage(3, t0, t2, now, lambda);
  double split = DecayedUsage(3, t0, t1, now, lambda) + DecayedUsage(3, t1, t2, now, lambda);
  EXPECT_NEAR(split, whole, 1e-12 * whole);
  EXPECT_DOUBLE_EQ(DecayedUsage(3, t0, t2, now, 0), 3 * 300);
}

// Usage as of a period start (OwnUsageAt) from the facts: the same one cycle after the start, a
// few cycles later, and in a restarted process that recharged from a persisted checkpoint.
class PeriodUsageTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(PeriodUsageTest, SameWheneverAndAfterARestart) {
  const core::Seconds half_life(GetParam());
  const double d = core::DecayFactorPerSecond(half_life);
  const double lambda = d < 1.0 ? -std::log(d) : 0.0;
  AccountingOptions o;
  o.half_life = half_life;
  o.settle = kSettle;
  auto runs_at = [&](bool second_ended) {
    RunFacts a{"1.0", 1, core::AccountName("physics"), core::UserName("alice"), 2, {}, false};
    a.spans = {{Ts(100), std::nullopt}};
    RunFacts b{"2.0", 2, core::AccountName("physics"), core::UserName("bob"), 1, {}, second_ended};
    b.spans = {{Ts(50), second_ended ? std::optional(Ts(400)) : std::nullopt}};
    return std::vector<RunFacts>{a, b};
  };
  const JobIdRanges live = {{1, 1}, {2, 2}};
  const core::Timestamp start = Ts(300);
  const double alice = DecayedUsage(2, Ts(100), start, start, lambda);
  const double bob = DecayedUsage(1, Ts(50), start, start, lambda);

  UsageAccounting first;
  first.Charge(runs_at(false), live, Ts(290), o);  // cursors 285: before the start
  first.Charge(runs_at(false), live, Ts(310), o);  // cursors 305: past it
  const core::UsageLedger early = first.OwnUsageAt(runs_at(false), start, half_life);
  api::AccountStatus persisted;
  PutCheckpoint(first.Checkpoint("physics"), &persisted);
  first.Charge(runs_at(true), live, Ts(500), o);  // bob's run ended at 400
  const core::UsageLedger later = first.OwnUsageAt(runs_at(true), start, half_life);

  UsageAccounting restarted;
  restarted.Restore("physics", "uid-1", persisted);
  restarted.Charge(runs_at(true), live, Ts(620), o);
  const core::UsageLedger after_restart = restarted.OwnUsageAt(runs_at(true), start, half_life);

  for (const core::UsageLedger* l : {&early, &later, &after_restart}) {
    EXPECT_NEAR(l->Usage({core::AccountName("physics"), core::UserName("alice")}), alice,
                1e-9 * alice);
    EXPECT_NEAR(l->Usage({core::AccountName("physics"), core::UserName("bob")}), bob, 1e-9 * bob);
    EXPECT_EQ(l->last_update(), start);
  }
}

INSTANTIATE_TEST_SUITE_P(HalfLives, PeriodUsageTest, ::testing::Values(0, 3600));

TEST(AccountingTest, SubtreeLedgerChargesOwnUsageUpTheTree) {
  core::Account p, t;
  core::AccountUser alice, bob;
  alice.name = core::UserName("alice");
  bob.name = core::UserName("bob");
  p.name = core::AccountName("physics");
  p.users.push_back(alice);
  t.name = core::AccountName("astro");
  t.parent = core::AccountName("physics");
  t.users.push_back(bob);
  core::AccountTree tree = core::AccountTree::Build({p, t});
  core::UsageLedger own;
  own.Set({core::AccountName("physics"), core::UserName("alice")}, 10);
  own.Set({core::AccountName("astro"), core::UserName("bob")}, 5);
  core::UsageLedger ledger = SubtreeLedger(tree, own, Ts(300));
  EXPECT_EQ(ledger.Usage({core::AccountName("physics"), core::UserName()}), 15);
  EXPECT_EQ(ledger.Usage({core::AccountName("astro"), core::UserName()}), 5);
  EXPECT_EQ(ledger.RootUsage(), 15);
  EXPECT_EQ(ledger.last_update(), Ts(300));
}

}  // namespace
}  // namespace fairway::controllers
