// kubectl fairway import-pcluster (src/cli/pcluster_import.h, import_pcluster.h): real-shaped
// ParallelCluster 3 configurations in tests/testdata/pcluster against golden outputs, the
// structure of what is printed, the settings it writes parsed by the operator's own parsers,
// and the fatal errors. After a deliberate change of output:
//   FAIRWAY_UPDATE_GOLDEN=1 build/tests/cli_unit_tests --gtest_filter='PclusterImport*'
#include "cli/pcluster_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/import_pcluster.h"
#include "cli/instance_types.h"
#include "common/clock.h"
#include "config/admission_settings.h"
#include "config/scheduler_settings.h"

namespace fairway::cli {
namespace {

using ::testing::HasSubstr;

const std::string kDir = std::string(FAIRWAY_TESTDATA_DIR) + "/pcluster/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

PclusterImport ImportFile(const std::string& name) {
  StatusOr<PclusterImport> r =
      ImportPclusterConfig(ReadFile(kDir + name + ".yaml"), {.source = name + ".yaml"});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : PclusterImport{};
}

// The reason given for `path`, or "" when it is not listed.
std::string ReasonFor(const PclusterImport& r, const std::string& path) {
  for (const Unmapped& u : r.unmapped) {
    if (u.path == path) return u.reason;
  }
  return "";
}

std::vector<YAML::Node> Documents(const PclusterImport& r) { return YAML::LoadAll(r.yaml); }

YAML::Node Pool(const YAML::Node& partition, const std::string& name) {
  for (const YAML::Node& p : partition["spec"]["nodePools"]) {
    if (p["name"].as<std::string>() == name) return p;
  }
  ADD_FAILURE() << "no pool " << name;
  return YAML::Node();
}

class PclusterGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PclusterGoldenTest, OutputMatchesGolden) {
  const PclusterImport r = ImportFile(GetParam());
  const std::string golden = kDir + GetParam() + ".fairway.yaml";
  if (std::getenv("FAIRWAY_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden) << r.yaml;
  }
  EXPECT_EQ(r.yaml, ReadFile(golden));
}

INSTANTIATE_TEST_SUITE_P(Configs, PclusterGoldenTest,
                         ::testing::Values("multi_queue", "mixed_instances", "unknown_keys"));

TEST(PclusterImportTest, MultiQueueGivesPartitionsPoolsAndSelectors) {
  const PclusterImport r = ImportFile("multi_queue");
  EXPECT_EQ(r.partitions, 2);
  EXPECT_EQ(r.node_pools, 4);
  std::vector<YAML::Node> docs = Documents(r);
  ASSERT_EQ(docs.size(), 3u);
  const YAML::Node train = docs[0];
  EXPECT_EQ(train["kind"].as<std::string>(), "Partition");
  EXPECT_EQ(train["metadata"]["name"].as<std::string>(), "train");
  EXPECT_TRUE(train["spec"]["default"].as<bool>());
  EXPECT_FALSE(docs[1]["spec"]["default"]);  // only the first queue is the default
  const YAML::Node expr = train["spec"]["nodeSelector"]["matchExpressions"][0];
  EXPECT_EQ(expr["key"].as<std::string>(), "fairway.dev/node-pool");
  EXPECT_EQ(expr["values"].as<std::vector<std::string>>(),
            (std::vector<std::string>{"train-p4d", "train-p5"}));
  const YAML::Node p4d = Pool(train, "p4d");
  EXPECT_EQ(p4d["nodeSelector"]["fairway.dev/node-pool"].as<std::string>(), "train-p4d");
  EXPECT_EQ(p4d["nodeSelector"]["node.kubernetes.io/instance-type"].as<std::string>(),
            "p4d.24xlarge");
  EXPECT_EQ(p4d["minNodes"].as<int>(), 0);
  EXPECT_EQ(p4d["maxNodes"].as<int>(), 16);
  EXPECT_EQ(p4d["gpusPerNode"].as<int>(), 8);
  EXPECT_EQ(p4d["cpusPerNode"].as<int>(), 48);  // 96 vCPUs, multithreading off
  EXPECT_EQ(p4d["memoryPerNode"].as<std::string>(), "1152Gi");
  EXPECT_EQ(p4d["tolerations"][0]["key"].as<std::string>(), "nvidia.com/gpu");
  EXPECT_EQ(Pool(train, "p5")["maxNodes"].as<int>(), 4);
  const YAML::Node cpu = Pool(docs[1], "cpu");
  EXPECT_EQ(cpu["gpusPerNode"].as<int>(), 0);
  EXPECT_EQ(cpu["tolerations"].size(), 0u);
  EXPECT_FALSE(cpu["cpusPerNode"]);
  EXPECT_EQ(Pool(docs[1], "g5")["minNodes"].as<int>(), 1);
}

TEST(PclusterImportTest, MultiQueueListsWhatItCannotMap) {
  const PclusterImport r = ImportFile("multi_queue");
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmQueues[0].ComputeResources[0].Efa"),
              HasSubstr("vpc.amazonaws.com/efa"));
  EXPECT_EQ(ReasonFor(r, "Scheduling.SlurmQueues[0].ComputeResources[1].Efa"), "");  // off
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmSettings.ScaledownIdletime"),
              HasSubstr("--scale-down-unneeded-time=15m"));
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmSettings.QueueUpdateStrategy"),
              HasSubstr("never stop running jobs"));
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmSettings.CustomSlurmSettings[7].SelectTypeParameters"),
              HasSubstr("no Fairway setting"));
  EXPECT_THAT(ReasonFor(r,
                        "Scheduling.SlurmSettings.CustomSlurmSettings[4]"
                        ".SchedulerParameters.bf_continue"),
              HasSubstr("no Fairway setting"));
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmSettings.CustomSlurmSettings[3].PriorityFlags"),
              HasSubstr("SMALL_RELATIVE_TO_TIME"));
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmQueues[1].ComputeResources[1]"),
              HasSubstr("c5.4xlarge is not in the GPU instance table"));
  EXPECT_THAT(ReasonFor(r, "HeadNode"), HasSubstr("operator"));
  EXPECT_THAT(r.yaml, HasSubstr("#   Scheduling.SlurmSettings.ScaledownIdletime: "));
}

TEST(PclusterImportTest, SettingsParseWithTheOperatorsParsers) {
  const PclusterImport r = ImportFile("multi_queue");
  ASSERT_TRUE(r.settings);
  const YAML::Node cm = Documents(r).back();
  EXPECT_EQ(cm["kind"].as<std::string>(), "ConfigMap");
  EXPECT_EQ(cm["metadata"]["name"].as<std::string>(), "fairway-settings");
  EXPECT_EQ(cm["metadata"]["namespace"].as<std::string>(), "fairway-system");
  const std::string text = cm["data"]["fairway.yaml"].as<std::string>();
  StatusOr<core::SchedulerConfig> config = config::ParseSchedulerSettings(text);
  ASSERT_TRUE(config.ok()) << config.status().ToString() << "\n" << text;
  EXPECT_EQ(config->priority.weights.age, 1000u);
  EXPECT_EQ(config->priority.weights.fair_share, 10000u);
  EXPECT_TRUE(config->priority.accrue_always);
  EXPECT_EQ(config->fair_share.decay_half_life, std::chrono::hours(24 * 14));
  EXPECT_EQ(config->backfill.interval, core::Seconds(60));
  EXPECT_EQ(config->backfill.window, std::chrono::minutes(2880));
  EXPECT_EQ(config->main_queue_depth, 200u);
  EXPECT_TRUE(config->preemption.by_qos);
  EXPECT_FALSE(config->preemption.by_partition_tier);
  StatusOr<config::AdmissionSettings> admission = config::ParseAdmissionSettings(text);
  ASSERT_TRUE(admission.ok()) << admission.status().ToString();
  EXPECT_EQ(admission->max_array_size, 10001);
}

TEST(PclusterImportTest, MixedInstancesCountTheSmallestNode) {
  const PclusterImport r = ImportFile("mixed_instances");
  std::vector<YAML::Node> docs = Documents(r);
  ASSERT_EQ(docs.size(), 2u);  // no cluster-wide parameters: no settings
  EXPECT_FALSE(r.settings);
  const YAML::Node four = Pool(docs[0], "four-gpu");
  EXPECT_EQ(four["gpusPerNode"].as<int>(), 4);
  EXPECT_FALSE(four["nodeSelector"]["node.kubernetes.io/instance-type"]);
  EXPECT_EQ(ReasonFor(r, "Scheduling.SlurmQueues[0].ComputeResources[0]"), "");
  const YAML::Node any = Pool(docs[0], "any-gpu");
  EXPECT_EQ(any["gpusPerNode"].as<int>(), 1);
  EXPECT_EQ(any["cpusPerNode"].as<int>(), 4);
  EXPECT_EQ(any["memoryPerNode"].as<std::string>(), "16Gi");
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmQueues[0].ComputeResources[1]"),
              HasSubstr("different GPU counts"));
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmQueues[1].ComputeResources[0]"),
              HasSubstr("16 AWS Neuron device(s)"));
  EXPECT_EQ(Pool(docs[1], "trn1")["gpusPerNode"].as<int>(), 0);
}

TEST(PclusterImportTest, QueueCustomSlurmSettingsBecomePartitionFields) {
  const PclusterImport r = ImportFile("mixed_instances");
  std::vector<YAML::Node> docs = Documents(r);
  const YAML::Node flex = docs[0]["spec"];
  EXPECT_EQ(flex["maxTime"].as<std::string>(), "2-00:00:00");
  EXPECT_EQ(flex["defaultTime"].as<std::string>(), "60");
  EXPECT_EQ(flex["defaultTime"].Tag(), "!");  // quoted: a string, as the CRD wants
  EXPECT_EQ(flex["allowAccounts"].as<std::vector<std::string>>(),
            (std::vector<std::string>{"ml", "vision"}));
  EXPECT_EQ(flex["priorityTier"].as<int>(), 10);
  EXPECT_FALSE(flex["preemptMode"]);
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmQueues[0].CustomSlurmSettings.PreemptMode"),
              HasSubstr("OFF, CANCEL or REQUEUE"));
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmQueues[0].CustomSlurmSettings.OverSubscribe"),
              HasSubstr("no Partition field"));
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmQueues[0].CapacityType"), HasSubstr("capacity-type"));
  const YAML::Node neuron = docs[1]["spec"];
  EXPECT_EQ(neuron["state"].as<std::string>(), "UP");
  EXPECT_FALSE(neuron["maxNodes"]);  // UNLIMITED is the default
  EXPECT_FALSE(neuron["default"].as<bool>());
}

TEST(PclusterImportTest, UnknownKeysAreListedAndNamesMadeDnsLabels) {
  const PclusterImport r = ImportFile("unknown_keys");
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmQueues[0].ComputeResources[0].MaxCoutn"),
              HasSubstr("misspelt"));
  EXPECT_THAT(ReasonFor(r, "Scheduling.SlurmQueues[0].ComputeResources[0].Name"),
              HasSubstr("\"gpu-big\""));
  EXPECT_THAT(ReasonFor(r, "DirectoryService"), HasSubstr("directory sync"));
  EXPECT_THAT(ReasonFor(r, "SharedStorage"), HasSubstr("PersistentVolumeClaims"));
  EXPECT_THAT(ReasonFor(r, "Scheduling.ScalingStrategy"), HasSubstr("autoscaler"));
  const YAML::Node pool = Pool(Documents(r)[0], "gpu-big");
  EXPECT_EQ(pool["nodeSelector"]["fairway.dev/node-pool"].as<std::string>(), "gpu-gpu-big");
  EXPECT_EQ(pool["gpusPerNode"].as<int>(), 8);
  EXPECT_EQ(pool["memoryPerNode"].as<std::string>(), "1536Gi");
  EXPECT_EQ(pool["minNodes"].as<int>(), 2);
}

struct FatalCase {
  std::string name;
  std::string yaml;
  std::string message;
};

class PclusterFatalTest : public ::testing::TestWithParam<FatalCase> {};

TEST_P(PclusterFatalTest, RefusesWithTheReason) {
  StatusOr<PclusterImport> r = ImportPclusterConfig(GetParam().yaml, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr(GetParam().message));
}

constexpr char kQueue[] = "Scheduling:\n  Scheduler: slurm\n  SlurmQueues:\n    - Name: q\n";

INSTANTIATE_TEST_SUITE_P(
    Errors, PclusterFatalTest,
    ::testing::Values(
        FatalCase{"BadYaml", "Scheduling:\n  Scheduler: slurm\n  SlurmQueues: [\n",
                  "not valid YAML: line 4"},
        FatalCase{"NotAMapping", "- a\n- b\n", "must be a YAML mapping"},
        FatalCase{"NoScheduling", "Region: us-east-1\n", "Scheduling"},
        FatalCase{"Batch", "Scheduling:\n  Scheduler: awsbatch\n",
                  "Scheduling.Scheduler (line 2): \"awsbatch\": only Slurm"},
        FatalCase{"NoQueues", "Scheduling:\n  Scheduler: slurm\n",
                  "Scheduling.SlurmQueues (line 2): required"},
        FatalCase{"QueueWithoutName",
                  "Scheduling:\n  Scheduler: slurm\n  SlurmQueues:\n    - ComputeResources: []\n",
                  "Scheduling.SlurmQueues[0].Name"},
        FatalCase{"BothInstanceKinds",
                  std::string(kQueue) + "      ComputeResources:\n        - Name: a\n"
                                        "          InstanceType: g5.xlarge\n"
                                        "          Instances: [{InstanceType: g5.xlarge}]\n",
                  "exactly one of InstanceType and Instances"},
        FatalCase{"MinAboveMax",
                  std::string(kQueue) + "      ComputeResources:\n        - Name: a\n"
                                        "          InstanceType: g5.xlarge\n"
                                        "          MinCount: 5\n          MaxCount: 2\n",
                  "MinCount exceeds MaxCount"},
        FatalCase{"CountNotANumber",
                  std::string(kQueue) + "      ComputeResources:\n        - Name: a\n"
                                        "          InstanceType: g5.xlarge\n"
                                        "          MaxCount: lots\n",
                  "ComputeResources[0].MaxCount (line 8): must be a whole number"}),
    [](const auto& info) { return info.param.name; });

TEST(PclusterImportTest, BadSlurmValuesAreListedNotWritten) {
  const std::string yaml =
      "Scheduling:\n  Scheduler: slurm\n  SlurmSettings:\n    CustomSlurmSettings:\n"
      "      - PriorityWeightAge: -3\n      - PriorityMaxAge: soon\n"
      "      - PriorityWeightTRES: CPU=1,GRES/gpu=2.5\n"
      "      - SchedulerParameters: bf_window=50000,bf_interval=30\n"
      "      - MaxArraySize: 0\n"
      "  SlurmQueues:\n    - Name: q\n      CustomSlurmSettings: {PriorityTier: 70000}\n"
      "      ComputeResources:\n"
      "        - {Name: a, InstanceType: g6.xlarge}\n";
  StatusOr<PclusterImport> r = ImportPclusterConfig(yaml, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(ReasonFor(*r, "Scheduling.SlurmSettings.CustomSlurmSettings[0].PriorityWeightAge"),
              HasSubstr("\"-3\" is not a whole number"));
  EXPECT_THAT(ReasonFor(*r, "Scheduling.SlurmSettings.CustomSlurmSettings[1].PriorityMaxAge"),
              HasSubstr("not a Slurm time"));
  EXPECT_THAT(ReasonFor(*r, "Scheduling.SlurmSettings.CustomSlurmSettings[2].PriorityWeightTRES"),
              HasSubstr("CPU"));
  // Ranges the operator's settings parsers enforce: the value is listed and left out.
  const std::string refused = "Scheduling.SlurmSettings.CustomSlurmSettings";
  std::vector<std::string> reasons;
  for (const Unmapped& u : r->unmapped) {
    if (u.path == refused) reasons.push_back(u.reason);
  }
  EXPECT_THAT(reasons,
              ::testing::UnorderedElementsAre(HasSubstr("settings backfill.window: "),
                                              HasSubstr("settings limits.maxArraySize: ")));
  EXPECT_THAT(ReasonFor(*r, "Scheduling.SlurmQueues[0].CustomSlurmSettings.PriorityTier"),
              HasSubstr("above Slurm's 65533"));
  const std::string text = Documents(*r).back()["data"]["fairway.yaml"].as<std::string>();
  StatusOr<core::SchedulerConfig> config = config::ParseSchedulerSettings(text);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_DOUBLE_EQ(config->priority.weights.tres_gpu, 2.5);
  EXPECT_EQ(config->backfill.interval, core::Seconds(30));
  EXPECT_EQ(text.find("age"), std::string::npos);
  EXPECT_EQ(text.find("window"), std::string::npos);
  EXPECT_EQ(text.find("limits"), std::string::npos);
}

TEST(InstanceTypesTest, KnowsCommonGpuTypes) {
  ASSERT_NE(LookupInstanceType("p5.48xlarge"), nullptr);
  EXPECT_EQ(LookupInstanceType("p5.48xlarge")->gpus, 8);
  EXPECT_EQ(LookupInstanceType("g4dn.12xlarge")->gpus, 4);
  EXPECT_EQ(LookupInstanceType("g6e.xlarge")->memory_gib, 32);
  EXPECT_EQ(LookupInstanceType("inf2.48xlarge")->neuron, 12);
  EXPECT_EQ(LookupInstanceType("m5.large"), nullptr);
}

CliEnvironment Env(std::ostream* out, std::ostream* err, Clock* clock) {
  CliEnvironment env;
  env.out = out;
  env.err = err;
  env.clock = clock;
  return env;
}

TEST(ImportPclusterCommandTest, PrintsYamlAndASummary) {
  std::ostringstream out, err;
  FakeClock clock;
  const std::string file = kDir + "multi_queue.yaml";
  EXPECT_EQ(RunKubectlFairway({"import-pcluster", file}, Env(&out, &err, &clock)), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("kind: Partition"));
  EXPECT_THAT(err.str(), HasSubstr("2 partition(s), 4 node pool(s), settings;"));
  std::ostringstream out2, err2;
  EXPECT_EQ(
      RunKubectlFairway({"import-pcluster", kDir + "missing.yaml"}, Env(&out2, &err2, &clock)), 1);
  EXPECT_THAT(err2.str(), HasSubstr("import-pcluster: error: cannot read"));
  EXPECT_THAT(Usage(), HasSubstr("import-pcluster Prints Partitions"));
}

}  // namespace
}  // namespace fairway::cli
