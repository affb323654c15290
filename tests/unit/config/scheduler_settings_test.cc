#include "config/scheduler_settings.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fairway::config {
namespace {

TEST(SchedulerSettingsTest, EmptyDocumentGivesDefaults) {
  StatusOr<core::SchedulerConfig> c = ParseSchedulerSettings("");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->priority.max_age, core::Seconds(7 * 86400));
  EXPECT_EQ(c->fair_share.algorithm, core::FairShareAlgorithm::kFairTree);
}

TEST(SchedulerSettingsTest, ReadsEveryKey) {
  StatusOr<core::SchedulerConfig> c = ParseSchedulerSettings(R"(
priority:
  weights: {age: 1000, fairShare: 10000, jobSize: 500, partition: 1000, qos: 2000, tresGpu: 1.5,
            expansion: 3000}
  maxAge: 14-0
  favorSmall: true
  jobSizeBasis: gpus
  accrueAlways: true
fairShare:
  algorithm: classic
  decayHalfLife: 0
  dampeningFactor: 2
  billing: {cpu: 0.5, memoryGiB: 0.25, gpu: 4}
backfill:
  enabled: false
  interval: 10
  window: 2-0
  resolution: 120
  maxJobTest: 50
  maxJobStart: 5
  mode: easy
  minPrioReserve: 1000
  reserveWholeNodes: false
  runtimePrediction: userHistory
  order: shortestFirst
preemption:
  qos: false
  partitionPriority: false
scheduler:
  mainQueueDepth: 100
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->priority.weights.age, 1000u);
  EXPECT_EQ(c->priority.weights.fair_share, 10000u);
  EXPECT_EQ(c->priority.weights.job_size, 500u);
  EXPECT_DOUBLE_EQ(c->priority.weights.tres_gpu, 1.5);
  EXPECT_EQ(c->priority.weights.expansion, 3000u);
  EXPECT_EQ(c->priority.max_age, core::Seconds(14 * 86400));
  EXPECT_TRUE(c->priority.favor_small);
  EXPECT_EQ(c->priority.job_size_basis, core::JobSizeBasis::kGpus);
  EXPECT_TRUE(c->priority.accrue_always);
  EXPECT_EQ(c->fair_share.algorithm, core::FairShareAlgorithm::kClassic);
  EXPECT_EQ(c->fair_share.decay_half_life, core::Seconds(0));
  EXPECT_DOUBLE_EQ(c->fair_share.dampening_factor, 2);
  EXPECT_DOUBLE_EQ(c->fair_share.billing.gpu, 4);
  EXPECT_EQ(c->main_queue_depth, 100u);
  EXPECT_FALSE(c->backfill.enabled);
  EXPECT_EQ(c->backfill.interval, core::Seconds(10));
  EXPECT_EQ(c->backfill.window, core::Seconds(2 * 86400));
  EXPECT_EQ(c->backfill.resolution, core::Seconds(120));
  EXPECT_EQ(c->backfill.max_job_test, 50u);
  EXPECT_EQ(c->backfill.max_job_start, 5u);
  EXPECT_EQ(c->backfill.job_part_count_reserve, 1u);
  EXPECT_EQ(c->backfill.min_prio_reserve, 1000u);
  EXPECT_FALSE(c->backfill.reserve_whole_nodes);
  EXPECT_EQ(c->backfill.runtime_prediction, core::RuntimePrediction::kUserHistory);
  EXPECT_EQ(c->backfill.order, core::BackfillOrder::kShortestFirst);
  EXPECT_FALSE(c->preemption.by_qos);
  EXPECT_FALSE(c->preemption.by_partition_tier);
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* field;
  const char* message_part;
};

TEST(SchedulerSettingsTest, RejectsBadSettingsNamingTheKey) {
  const BadCase cases[] = {
      {"typo", "priority:\n  wieghts: {}\n", "priority.wieghts", "unknown key"},
      {"top-level typo", "fairshare: {}\n", "fairshare", "unknown key"},
      {"negative weight", "priority:\n  weights: {age: -5}\n", "priority.weights.age", "integer"},
      {"weight not a number", "priority:\n  weights: {qos: high}\n", "priority.weights.qos",
       "integer"},
      {"bad duration", "priority:\n  maxAge: 7 days\n", "priority.maxAge", ""},
      {"unlimited age", "priority:\n  maxAge: UNLIMITED\n", "priority.maxAge", "finite"},
      {"bad enum", "fairShare:\n  algorithm: fairtree\n", "fairShare.algorithm", "fairTree"},
      {"damping < 1", "fairShare:\n  dampeningFactor: 0.5\n", "fairShare.dampeningFactor",
       "at least 1"},
      {"negative billing", "fairShare:\n  billing: {gpu: -1}\n", "fairShare.billing",
       "non-negative"},
      {"not a map", "priority: 5\n", "priority", "mapping"},
      {"bool", "priority:\n  favorSmall: maybe\n", "priority.favorSmall", "true or false"},
      {"resolution range", "backfill:\n  resolution: 7200\n", "backfill.resolution", "3600"},
      {"window too long", "backfill:\n  window: 50000\n", "backfill.window", "43200"},
      {"bad mode", "backfill:\n  mode: aggressive\n", "backfill.mode", "easy"},
      {"bad prediction", "backfill:\n  runtimePrediction: last2\n", "backfill.runtimePrediction",
       "off, userHistory"},
      {"interval text", "backfill:\n  interval: soon\n", "backfill.interval", "seconds"},
      // Issue #16: conservative mode with EASY's reservation count contradicts itself.
      {"mode contradicts jobPartCountReserve",
       "backfill:\n  mode: conservative\n  jobPartCountReserve: 1\n", "backfill.mode",
       "backfill.mode: conservative means backfill.jobPartCountReserve: 0, but "
       "backfill.jobPartCountReserve is 1"},
      {"easy contradicts jobPartCountReserve",
       "backfill:\n  jobPartCountReserve: 3\n  mode: easy\n", "backfill.mode",
       "backfill.jobPartCountReserve is 3"},
  };
  for (const BadCase& c : cases) {
    StatusOr<core::SchedulerConfig> r = ParseSchedulerSettings(c.yaml);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(r.status().field(), c.field) << c.name << ": " << r.status();
    EXPECT_NE(r.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << r.status();
  }
}

TEST(SchedulerSettingsTest, ModeAgreeingWithJobPartCountReserveIsAccepted) {
  StatusOr<core::SchedulerConfig> easy =
      ParseSchedulerSettings("backfill:\n  mode: easy\n  jobPartCountReserve: 1\n");
  ASSERT_TRUE(easy.ok()) << easy.status();
  EXPECT_EQ(easy->backfill.job_part_count_reserve, 1u);
  StatusOr<core::SchedulerConfig> conservative =
      ParseSchedulerSettings("backfill:\n  jobPartCountReserve: 0\n  mode: conservative\n");
  ASSERT_TRUE(conservative.ok()) << conservative.status();
  EXPECT_EQ(conservative->backfill.job_part_count_reserve, 0u);
}

TEST(SchedulerSettingsTest, BrokenYamlGivesLineAndColumn) {
  StatusOr<core::SchedulerConfig> r = ParseSchedulerSettings("priority: {weights: [1, 2\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not valid YAML: line"), std::string::npos) << r.status();
}

TEST(SchedulerSettingsTest, MissingFileIsNotFound) {
  StatusOr<core::SchedulerConfig> r = LoadSchedulerSettingsFile("/nonexistent/settings.yaml");
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

TEST(SchedulerSettingsTest, NameKeyNamesThePolicy) {
  StatusOr<NamedSchedulerSettings> s =
      ParseNamedSchedulerSettings("name: tuned-v2\nbackfill: {mode: easy}\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "tuned-v2");
  EXPECT_EQ(s->config.backfill.job_part_count_reserve, 1u);
  StatusOr<NamedSchedulerSettings> bad = ParseNamedSchedulerSettings("name: [a, b]\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("name"), std::string::npos) << bad.status();
}

TEST(SchedulerSettingsTest, FileWithoutNameIsNamedAfterTheFile) {
  std::string path = (std::filesystem::path(::testing::TempDir()) / "fcfs-easy.yaml").string();
  std::ofstream(path) << "backfill: {mode: easy}\n";
  StatusOr<NamedSchedulerSettings> s = LoadNamedSchedulerSettingsFile(path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "fcfs-easy");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace fairway::config
