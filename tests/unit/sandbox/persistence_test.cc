// --data-dir: objects and resourceVersions survive a restart; a torn last log record is dropped
// whole; a damaged record in the middle of the log refuses to start.
#include "sandbox/persistence.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "common/clock.h"
#include "sandbox/api_server.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

// An API server on a data directory, as Sandbox::Start sets it up.
struct Server {
  Server(const std::string& dir, Clock* clock, JournalOptions options = JournalOptions())
      : api(std::make_unique<ApiServer>(clock)) {
    StatusOr<std::unique_ptr<FileJournal>> j =
        FileJournal::Open(dir, &api->store(), &recovery, options);
    opened = j.status();
    if (j.ok()) journal = std::move(j).value();
    api->ReloadStoredState();
  }
  ~Server() { api.reset(); }  // the store writes to the journal until it is gone

  FileJournal::Recovery recovery;
  Status opened;
  std::unique_ptr<FileJournal> journal;
  std::unique_ptr<ApiServer> api;
};

class PersistenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fairway-persistence-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static json ConfigMap(const std::string& name, const std::string& value) {
    return {{"metadata", {{"name", name}}}, {"data", {{"k", value}}}};
  }
  static json Crd() {
    return json::parse(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
      "metadata":{"name":"counters.example.com"},
      "spec":{"group":"example.com","scope":"Namespaced",
        "names":{"plural":"counters","singular":"counter","kind":"Counter"},
        "versions":[{"name":"v1","served":true,"storage":true,
          "schema":{"openAPIV3Schema":{"type":"object","properties":{
            "spec":{"type":"object","properties":{"next":{"type":"integer"}}}}}}}]}})");
  }

  FakeClock clock_{std::chrono::system_clock::from_time_t(1740816000)};
  std::string dir_;
  const std::string cms_ = "/api/v1/namespaces/default/configmaps";
};

TEST_F(PersistenceTest, RestartKeepsObjectsAndResourceVersions) {
  std::string rv;
  {
    Server s(dir_, &clock_);
    ASSERT_TRUE(s.opened.ok()) << s.opened;
    EXPECT_EQ(s.recovery.objects, 0u);
    ASSERT_TRUE(s.api->Call("POST", cms_, ConfigMap("a", "1")).ok());
    ASSERT_TRUE(
        s.api->Call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Crd()).ok());
    auto counter = s.api->Call("POST", "/apis/example.com/v1/namespaces/default/counters",
                               {{"metadata", {{"name", "job-ids"}}}, {"spec", {{"next", 41}}}});
    ASSERT_TRUE(counter.ok()) << counter.error().message();
    ASSERT_TRUE(s.api
                    ->Call("PATCH", "/apis/example.com/v1/namespaces/default/counters/job-ids",
                           {{"spec", {{"next", 42}}}}, "application/merge-patch+json")
                    .ok());
    ASSERT_TRUE(s.api->Call("POST", cms_, ConfigMap("gone", "x")).ok());
    ASSERT_TRUE(s.api->Call("DELETE", cms_ + "/gone").ok());
    rv = std::to_string(s.api->store().CurrentRv());
  }
  Server s(dir_, &clock_);
  ASSERT_TRUE(s.opened.ok()) << s.opened;
  EXPECT_GT(s.recovery.log_records, 0u);
  EXPECT_EQ(std::to_string(s.api->store().CurrentRv()), rv);
  auto a = s.api->Call("GET", cms_ + "/a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)["data"]["k"], "1");
  EXPECT_FALSE(s.api->Call("GET", cms_ + "/gone").ok());
  // The CRD's resource is served again, with the counter where it was.
  auto counter = s.api->Call("GET", "/apis/example.com/v1/namespaces/default/counters/job-ids");
  ASSERT_TRUE(counter.ok()) << counter.error().message();
  EXPECT_EQ((*counter)["spec"]["next"], 42);
  // New writes continue the revision sequence.
  auto b = s.api->Call("POST", cms_, ConfigMap("b", "2"));
  ASSERT_TRUE(b.ok());
  EXPECT_GT(std::stoll((*b)["metadata"]["resourceVersion"].get<std::string>()), std::stoll(rv));
}

// The snapshot written at start carries the revision: a second restart with no write in
// between (an empty log) must not fall back to revision 0.
TEST_F(PersistenceTest, RevisionSurvivesRestartsWithoutWrites) {
  std::string rv;
  {
    Server s(dir_, &clock_);
    ASSERT_TRUE(s.api->Call("POST", cms_, ConfigMap("a", "1")).ok());
    rv = std::to_string(s.api->store().CurrentRv());
  }
  { Server s(dir_, &clock_); }
  Server s(dir_, &clock_);
  ASSERT_TRUE(s.opened.ok()) << s.opened;
  EXPECT_EQ(std::to_string(s.api->store().CurrentRv()), rv);
}

// A long run keeps the log near the snapshot's size instead of growing with every write, and
// a restart after compactions restores the latest state.
TEST_F(PersistenceTest, LogIsCompactedDuringARun) {
  JournalOptions options;
  options.compact_min_bytes = 8192;
  std::string rv;
  uint64_t largest_log = 0;
  int64_t opened_rv = 0;
  {
    Server s(dir_, &clock_, options);
    ASSERT_TRUE(s.opened.ok()) << s.opened;
    opened_rv = s.api->store().CurrentRv();
    json big = ConfigMap("a", "0");
    big["data"]["padding"] = std::string(2000, 'x');  // every record carries ~2 KB
    ASSERT_TRUE(s.api->Call("POST", cms_, big).ok());
    for (int i = 1; i <= 60; ++i) {
      ASSERT_TRUE(s.api
                      ->Call("PATCH", cms_ + "/a", {{"data", {{"k", std::to_string(i)}}}},
                             "application/merge-patch+json")
                      .ok());
      largest_log = std::max<uint64_t>(largest_log, std::filesystem::file_size(dir_ + "/log"));
    }
    rv = std::to_string(s.api->store().CurrentRv());
  }
  // The snapshot was rewritten during the run, and the log never held much more than the
  // threshold (the snapshot's size) plus the record that crossed it.
  std::ifstream in(dir_ + "/snapshot.json");
  const json snapshot = json::parse(in);
  EXPECT_GT(snapshot["resourceVersion"].get<int64_t>(), opened_rv + 1);
  const uint64_t snapshot_bytes = std::filesystem::file_size(dir_ + "/snapshot.json");
  EXPECT_LT(largest_log, std::max(options.compact_min_bytes, snapshot_bytes) + 8192);
  Server s(dir_, &clock_);
  ASSERT_TRUE(s.opened.ok()) << s.opened;
  EXPECT_EQ(std::to_string(s.api->store().CurrentRv()), rv);
  auto a = s.api->Call("GET", cms_ + "/a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)["data"]["k"], "60");
}

TEST_F(PersistenceTest, TornLastRecordIsDroppedWhole) {
  {
    Server s(dir_, &clock_);
    ASSERT_TRUE(s.opened.ok()) << s.opened;
    ASSERT_TRUE(s.api->Call("POST", cms_, ConfigMap("kept", "1")).ok());
    ASSERT_TRUE(s.api->Call("POST", cms_, ConfigMap("torn", "2")).ok());
  }
  // A crash in the middle of the last append: its tail never reached the disk.
  const std::string log = dir_ + "/log";
  const auto size = std::filesystem::file_size(log);
  std::filesystem::resize_file(log, size - 10);
  {
    Server s(dir_, &clock_);
    ASSERT_TRUE(s.opened.ok()) << s.opened;
    EXPECT_GT(s.recovery.torn_bytes, 0u);
    EXPECT_TRUE(s.api->Call("GET", cms_ + "/kept").ok());
    EXPECT_FALSE(s.api->Call("GET", cms_ + "/torn").ok());
    ASSERT_TRUE(s.api->Call("POST", cms_, ConfigMap("after", "3")).ok());
  }
  Server s(dir_, &clock_);
  ASSERT_TRUE(s.opened.ok()) << s.opened;
  EXPECT_EQ(s.recovery.torn_bytes, 0u);
  EXPECT_TRUE(s.api->Call("GET", cms_ + "/kept").ok());
  EXPECT_TRUE(s.api->Call("GET", cms_ + "/after").ok());
}

TEST_F(PersistenceTest, DamagedRecordBeforeOthersRefusesToStart) {
  {
    Server s(dir_, &clock_);
    ASSERT_TRUE(s.opened.ok()) << s.opened;
    ASSERT_TRUE(s.api->Call("POST", cms_, ConfigMap("one", "1")).ok());
    ASSERT_TRUE(s.api->Call("POST", cms_, ConfigMap("two", "2")).ok());
  }
  {
    std::fstream log(dir_ + "/log", std::ios::in | std::ios::out | std::ios::binary);
    log.seekp(20);  // inside the first record's payload
    log.put('#');
  }
  Server s(dir_, &clock_);
  EXPECT_EQ(s.opened.code(), StatusCode::kDataLoss) << s.opened;
}

}  // namespace
}  // namespace fairway::sandbox
