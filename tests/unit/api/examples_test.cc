// Loads every examples/*.yaml document, checks it against its CRD schema (as the API server
// would: types, enums, patterns, no pruned fields), and converts it with the src/api codecs
// into core types, both as written and after the CRD defaults are applied.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/account_types.h"
#include "api/job_types.h"
#include "api/partition_types.h"
#include "api/qos_types.h"
#include "tests/unit/api/crd_test_util.h"

namespace fairway::api {
namespace {

using nlohmann::json;
using testing::ApplyDefaults;
using testing::LoadCrdsByKind;
using testing::LoadYamlDocuments;
using testing::RootSchema;
using testing::SourceRoot;
using testing::YamlFilesIn;

constexpr core::Timestamp kNow{core::Seconds(1740823200)};  // 2025-03-01T10:00:00Z

// Decodes `doc` with the codec of its kind, converts to the core type, and checks that
// ToJson/FromJson round-trips. Returns the decode/convert status.
Status ConvertAndRoundTrip(const json& doc) {
  std::string kind = doc.value("kind", "");
  if (kind == "Job") {
    StatusOr<JobObject> job = JobFromJson(doc);
    if (!job.ok()) return job.status();
    StatusOr<core::Job> core_job = ToCoreJob(*job, {.now = kNow});
    if (!core_job.ok()) return core_job.status();
    StatusOr<JobObject> again = JobFromJson(ToJson(*job));
    EXPECT_TRUE(again.ok() && *again == *job) << "round trip of " << job->meta.name;
    return OkStatus();
  }
  if (kind == "Partition") {
    StatusOr<PartitionObject> p = PartitionFromJson(doc);
    if (!p.ok()) return p.status();
    StatusOr<core::Partition> core_p = ToCorePartition(*p);
    if (!core_p.ok()) return core_p.status();
    StatusOr<PartitionObject> again = PartitionFromJson(ToJson(*p));
    EXPECT_TRUE(again.ok() && *again == *p) << "round trip of " << p->meta.name;
    return OkStatus();
  }
  if (kind == "Account") {
    StatusOr<AccountObject> a = AccountFromJson(doc);
    if (!a.ok()) return a.status();
    StatusOr<core::Account> core_a = ToCoreAccount(*a);
    if (!core_a.ok()) return core_a.status();
    StatusOr<AccountObject> again = AccountFromJson(ToJson(*a));
    EXPECT_TRUE(again.ok() && *again == *a) << "round trip of " << a->meta.name;
    return OkStatus();
  }
  if (kind == "QoS") {
    StatusOr<QosObject> q = QosFromJson(doc);
    if (!q.ok()) return q.status();
    StatusOr<core::Qos> core_q = ToCoreQos(*q);
    if (!core_q.ok()) return core_q.status();
    StatusOr<QosObject> again = QosFromJson(ToJson(*q));
    EXPECT_TRUE(again.ok() && *again == *q) << "round trip of " << q->meta.name;
    return OkStatus();
  }
  return InvalidArgumentError("unexpected kind " + kind, "kind");
}

TEST(ExamplesTest, EveryExampleIsAcceptedByItsCrdAndConverts) {
  std::map<std::string, json> crds = LoadCrdsByKind();
  std::vector<std::filesystem::path> files = YamlFilesIn(SourceRoot() / "examples");
  ASSERT_FALSE(files.empty());
  int documents = 0;
  for (const auto& file : files) {
    std::vector<json> docs = LoadYamlDocuments(file);
    EXPECT_FALSE(docs.empty()) << file;
    for (const json& doc : docs) {
      std::string kind = doc.value("kind", "");
      SCOPED_TRACE(file.filename().string() + ": " + kind + "/" +
                   doc["metadata"].value("name", ""));
      ++documents;
      EXPECT_EQ(doc.value("apiVersion", ""), "fairway.dev/v1alpha1");
      ASSERT_TRUE(crds.count(kind)) << "no CRD for kind " << kind;
      const json& schema = RootSchema(crds[kind]);
      std::vector<std::string> errors;
      testing::ValidateAgainstSchema(schema, doc, "", &errors);
      EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);

      Status as_written = ConvertAndRoundTrip(doc);
      EXPECT_TRUE(as_written.ok()) << as_written;
      json defaulted = doc;
      ApplyDefaults(schema, &defaulted);
      errors.clear();
      testing::ValidateAgainstSchema(schema, defaulted, "", &errors);
      EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
      Status after_defaults = ConvertAndRoundTrip(defaulted);
      EXPECT_TRUE(after_defaults.ok()) << after_defaults;
    }
  }
  EXPECT_GE(documents, 14);
}

TEST(ExamplesTest, CoversTheDocumentedScenarios) {
  std::map<std::string, JobObject> jobs;
  std::map<std::string, PartitionObject> partitions;
  std::map<std::string, AccountObject> accounts;
  std::map<std::string, QosObject> qoses;
  for (const auto& file : YamlFilesIn(SourceRoot() / "examples")) {
    for (const json& doc : LoadYamlDocuments(file)) {
      std::string kind = doc.value("kind", "");
      if (kind == "Job") {
        StatusOr<JobObject> j = JobFromJson(doc);
        ASSERT_TRUE(j.ok()) << j.status();
        jobs[j->meta.name] = *j;
      } else if (kind == "Partition") {
        StatusOr<PartitionObject> p = PartitionFromJson(doc);
        ASSERT_TRUE(p.ok()) << p.status();
        partitions[p->meta.name] = *p;
      } else if (kind == "Account") {
        StatusOr<AccountObject> a = AccountFromJson(doc);
        ASSERT_TRUE(a.ok()) << a.status();
        accounts[a->meta.name] = *a;
      } else if (kind == "QoS") {
        StatusOr<QosObject> q = QosFromJson(doc);
        ASSERT_TRUE(q.ok()) << q.status();
        qoses[q->meta.name] = *q;
      }
    }
  }
  ASSERT_TRUE(jobs.count("single-gpu"));
  EXPECT_EQ(jobs["single-gpu"].spec.resources.gpus, 1);
  ASSERT_TRUE(jobs.count("llm-pretrain"));
  EXPECT_EQ(jobs["llm-pretrain"].spec.nodes, 4);
  EXPECT_EQ(jobs["llm-pretrain"].spec.resources.gpus, 8);
  ASSERT_TRUE(jobs.count("sweep"));
  EXPECT_EQ(jobs["sweep"].spec.array, "0-99%10");
  ASSERT_TRUE(jobs.count("train-after-prep"));
  EXPECT_EQ(jobs["train-after-prep"].spec.dependency, "afterok:prep-data");
  ASSERT_TRUE(jobs.count("held-eval"));
  EXPECT_TRUE(jobs["held-eval"].spec.hold);
  ASSERT_TRUE(jobs.count("nightly-report"));
  EXPECT_EQ(jobs["nightly-report"].spec.begin, "now+10minutes");

  // The begin time resolves against the submit time.
  JobObject report = jobs["nightly-report"];
  report.meta.creation_timestamp = kNow;
  StatusOr<core::Job> core_report = ToCoreJob(report);
  ASSERT_TRUE(core_report.ok()) << core_report.status();
  EXPECT_EQ(core_report->begin_time, kNow + std::chrono::minutes(10));

  ASSERT_TRUE(partitions.count("gpu"));
  EXPECT_TRUE(partitions["gpu"].spec.is_default);
  EXPECT_FALSE(partitions["gpu"].spec.node_selector.empty());
  ASSERT_TRUE(partitions.count("debug"));
  StatusOr<core::Partition> debug = ToCorePartition(partitions["debug"]);
  ASSERT_TRUE(debug.ok());
  EXPECT_EQ(debug->max_time, core::Seconds(3600));
  EXPECT_EQ(debug->priority_tier, 2u);
  EXPECT_EQ(debug->preempt_mode, core::PreemptMode::kOff);

  EXPECT_EQ(accounts["astro"].spec.parent, "physics");
  EXPECT_TRUE(accounts["physics"].spec.parent.empty());
  EXPECT_TRUE(accounts.count("biology"));

  EXPECT_EQ(qoses["high"].spec.preempt, std::vector<std::string>{"low"});
  EXPECT_TRUE(qoses.count("normal"));
  EXPECT_EQ(qoses["low"].spec.preempt_mode, core::PreemptMode::kRequeue);

  // Every reference between the examples resolves.
  for (const auto& [name, job] : jobs) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(job.spec.account.empty() || accounts.count(job.spec.account));
    EXPECT_TRUE(job.spec.qos.empty() || qoses.count(job.spec.qos));
    StatusOr<std::vector<core::PartitionName>> parts = ParsePartitionList(job.spec.partition);
    ASSERT_TRUE(parts.ok());
    for (const core::PartitionName& p : *parts) {
      EXPECT_TRUE(partitions.count(p.str())) << p.str();
    }
  }
  for (const auto& [name, account] : accounts) {
    EXPECT_TRUE(account.spec.parent.empty() || accounts.count(account.spec.parent));
    EXPECT_TRUE(account.spec.default_qos.empty() || qoses.count(account.spec.default_qos));
  }
}

// examples/interactive: the QoS and partition of notebook sessions, and Jobs written as the
// plugin's sessions would be (Jupyter, VS Code, a debugger on a multi-node job).
TEST(ExamplesTest, InteractiveExamplesAreValidSessions) {
  std::map<std::string, json> crds = LoadCrdsByKind();
  std::set<std::string> sessions;
  for (const auto& file : YamlFilesIn(SourceRoot() / "examples" / "interactive")) {
    for (const json& doc : LoadYamlDocuments(file)) {
      const std::string kind = doc.value("kind", "");
      SCOPED_TRACE(file.filename().string() + ": " + kind);
      ASSERT_TRUE(crds.count(kind)) << "no CRD for kind " << kind;
      std::vector<std::string> errors;
      testing::ValidateAgainstSchema(RootSchema(crds[kind]), doc, "", &errors);
      EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
      Status converted = ConvertAndRoundTrip(doc);
      EXPECT_TRUE(converted.ok()) << converted;
      if (kind != "Job") continue;
      StatusOr<JobObject> job = JobFromJson(doc);
      ASSERT_TRUE(job.ok()) << job.status();
      EXPECT_TRUE(job->spec.interactive);
      EXPECT_EQ(job->spec.qos, "interactive");
      sessions.insert(job->meta.name);
    }
  }
  EXPECT_EQ(sessions, (std::set<std::string>{"ddp-debug", "notebook", "vscode"}));
}

// The C++ decoders fill absent fields with the same defaults the CRD schemas declare, so an
// object built by hand and the same object read back from the API server agree.
TEST(ExamplesTest, CppDefaultsMatchCrdDefaults) {
  std::map<std::string, json> crds = LoadCrdsByKind();
  const json bare = {{"metadata", {{"name", "x"}}}};
  for (std::string kind : {"Job", "Partition", "Account", "QoS"}) {
    SCOPED_TRACE(kind);
    json defaulted = bare;
    defaulted["kind"] = kind;
    ApplyDefaults(RootSchema(crds[kind]), &defaulted);
    json plain = bare;
    plain["kind"] = kind;
    if (kind == "Job") {
      EXPECT_EQ(JobFromJson(defaulted)->spec, JobFromJson(plain)->spec);
    } else if (kind == "Partition") {
      EXPECT_EQ(PartitionFromJson(defaulted)->spec, PartitionFromJson(plain)->spec);
    } else if (kind == "Account") {
      EXPECT_EQ(AccountFromJson(defaulted)->spec, AccountFromJson(plain)->spec);
    } else {
      EXPECT_EQ(QosFromJson(defaulted)->spec, QosFromJson(plain)->spec);
    }
  }
}

}  // namespace
}  // namespace fairway::api
