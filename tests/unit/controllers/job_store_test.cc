// The typed Job store (job_store.h) and the informer transforms of core objects (object_trim.h).
#include "controllers/job_store.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "controllers/cycle_job.h"
#include "controllers/object_trim.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

json Job(const std::string& name, const std::string& rv, const std::string& state = "PENDING") {
  return {{"apiVersion", "fairway.dev/v1alpha1"},
          {"kind", "Job"},
          {"metadata",
           {{"name", name},
            {"namespace", "default"},
            {"uid", "uid-" + name},
            {"resourceVersion", rv},
            {"generation", 1},
            {"annotations", {{"note", "kept in the typed form only"}}}}},
          {"spec", {{"resources", {{"gpus", 2}}}, {"user", "alice"}, {"timeLimit", "1:00:00"}}},
          {"status", {{"jobID", 7}, {"state", state}, {"reason", "Priority"}}}};
}

TEST(JobStoreTest, KeepsTheDecodedJobAndItsStub) {
  JobStore store;
  json kept = store.Absorb(Job("a", "10"));
  EXPECT_EQ(
      kept,
      json({{"metadata", {{"name", "a"}, {"namespace", "default"}, {"resourceVersion", "10"}}}}));
  JobStore::EntryPtr e = store.Get("default/a");
  ASSERT_NE(e, nullptr);
  ASSERT_TRUE(e->job.ok()) << e->job.status();
  EXPECT_EQ(e->job->spec.resources.gpus, 2);
  EXPECT_EQ(e->job->meta.annotations.at("note"), "kept in the typed form only");
  EXPECT_EQ(*e->stub, json({{"apiVersion", "fairway.dev/v1alpha1"},
                            {"kind", "Job"},
                            {"metadata",
                             {{"name", "a"},
                              {"namespace", "default"},
                              {"uid", "uid-a"},
                              {"resourceVersion", "10"},
                              {"generation", 1}}},
                            {"status", {{"jobID", 7}, {"reason", "Priority"}}}}));
}

// An informer event older than our own write (the write's response came first) is ignored, so
// the next cycle reads what was written.
TEST(JobStoreTest, NeverGoesBackToAnOlderVersion) {
  JobStore store;
  store.Absorb(Job("a", "12", "RUNNING"));
  json stub = store.Absorb(Job("a", "11", "PENDING"));
  EXPECT_EQ(stub["metadata"]["resourceVersion"], "11");  // the informer stores what it got
  EXPECT_EQ(*store.Get("default/a")->job->status.state, core::JobState::kRunning);
  store.Absorb(Job("a", "13", "COMPLETED"));
  EXPECT_EQ(*store.Get("default/a")->job->status.state, core::JobState::kCompleted);
}

TEST(JobStoreTest, KeepsWhyAJobDoesNotDecode) {
  JobStore store;
  json bad = Job("bad", "5");
  bad["spec"]["timeLimit"] = "soon";
  store.Absorb(bad);
  JobStore::EntryPtr e = store.Get("default/bad");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->job.ok());
  EXPECT_NE(e->job.status().ToString().find("spec.timeLimit"), std::string::npos);
}

// A write whose response arrives after the Job's delete does not bring it back.
TEST(JobStoreTest, WritesDoNotResurrectDeletedJobs) {
  JobStore store;
  store.Absorb(Job("a", "1"));
  store.Absorb(Job("b", "2"));
  store.Erase("default/a");
  EXPECT_EQ(store.Get("default/a"), nullptr);
  JobStore::EntryPtr late = store.PutIfPresent(Job("a", "3", "RUNNING"));
  EXPECT_EQ(*late->job->status.state, core::JobState::kRunning);  // the caller reads it
  EXPECT_EQ(store.Get("default/a"), nullptr);
  store.PutIfPresent(Job("b", "4", "RUNNING"));
  EXPECT_EQ(*store.Get("default/b")->job->status.state, core::JobState::kRunning);
  EXPECT_EQ(store.Size(), 1u);
}

// A cycle's Job shares the store's until it changes: the store's copy is never touched.
TEST(CycleJobTest, CopiesOnTheFirstChangeOnly) {
  JobStore store;
  store.Absorb(Job("a", "1"));
  JobStore::EntryPtr e = store.Get("default/a");
  CycleJob job(std::shared_ptr<const api::JobObject>(e, &*e->job),
               std::shared_ptr<const JobFacts>(e, &e->facts));
  EXPECT_EQ(&*job, &*e->job);  // shared, not copied
  EXPECT_EQ(job.facts(), &e->facts);
  const api::JobObject& before = job;
  job.Mutable().status.reason = "Resources";
  EXPECT_EQ(job.facts(), nullptr);  // the stored version's facts no longer describe it
  EXPECT_EQ(job.key(), "default/a");
  job.Mutable().spec.hold = true;  // the same copy
  EXPECT_NE(&*job, &*e->job);
  EXPECT_EQ(job->status.reason, "Resources");
  EXPECT_TRUE(job->spec.hold);
  EXPECT_EQ(e->job->status.reason, "Priority");
  EXPECT_EQ(before.status.reason, "Priority");  // earlier references still read the shared one
  store.Erase("default/a");
  e.reset();
  EXPECT_EQ(before.meta.name, "a");  // and it stays alive with the CycleJob
}

// What a cycle derives from a stored version is derived once, when it is stored.
TEST(JobStoreTest, DerivesTheCyclesFactsOncePerVersion) {
  JobStore store;
  json job = Job("a", "1");
  job["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
  job["metadata"]["annotations"]["fairway.dev/preempted-by"] = "7.0=9:requeue:30";
  job["spec"]["resources"]["gpuType"] = "A100";
  store.Absorb(job);
  const JobFacts& facts = store.Get("default/a")->facts;
  EXPECT_EQ(facts.key, "default/a");
  ASSERT_EQ(facts.marks.size(), 1u);
  EXPECT_EQ(facts.marks[0].preemptor, 9u);
  ASSERT_TRUE(facts.core_job.has_value());
  ASSERT_TRUE(facts.core_job->ok()) << facts.core_job->status().ToString();
  EXPECT_EQ((*facts.core_job)->per_node.gpus, 2);
  EXPECT_EQ((*facts.core_job)->gpu_type, "a100");  // as the snapshot compares types
  EXPECT_EQ((*facts.core_job)->key, "default/a");

  // Without a creation timestamp the submit time would be the cycle's clock: not derived.
  store.Absorb(Job("b", "2"));
  EXPECT_FALSE(store.Get("default/b")->facts.core_job.has_value());
  // Ended Jobs are not converted: the snapshot skips them.
  json ended = Job("c", "3", "COMPLETED");
  ended["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
  store.Absorb(ended);
  EXPECT_FALSE(store.Get("default/c")->facts.core_job.has_value());
}

// A bad spec is a fact too: the snapshot fails the Job with this message.
TEST(JobStoreTest, FactsKeepWhyASpecCannotRun) {
  JobStore store;
  json job = Job("a", "1");
  job["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
  // The template asks for 4 GPUs, spec.resources for 2: the scheduler would account 2.
  json gpus = {{"nvidia.com/gpu", "4"}};
  job["spec"]["template"] = {
      {"spec",
       {{"containers", {{{"name", "main"}, {"image", "x"}, {"resources", {{"limits", gpus}}}}}}}}};
  store.Absorb(job);
  const JobStore::EntryPtr e = store.Get("default/a");
  ASSERT_TRUE(e->job.ok()) << e->job.status();
  ASSERT_TRUE(e->facts.core_job.has_value());
  ASSERT_FALSE(e->facts.core_job->ok());
  EXPECT_NE(e->facts.core_job->status().ToString().find("gpu"), std::string::npos)
      << e->facts.core_job->status();
}

TEST(JobStoreTest, ListsByKey) {
  JobStore store;
  for (const char* name : {"c", "a", "b"}) store.Absorb(Job(name, "1"));
  std::vector<std::string> keys;
  for (const JobStore::EntryPtr& e : store.List()) keys.push_back(e->facts.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"default/a", "default/b", "default/c"}));
}

TEST(ObjectTrimTest, PodKeepsWhatTheOperatorReads) {
  json pod = {{"metadata",
               {{"name", "p"},
                {"labels", {{"fairway.dev/job", "j"}}},
                {"managedFields", json::array({{{"manager", "kubectl"}}})},
                {"annotations",
                 {{"kubectl.kubernetes.io/last-applied-configuration", "{...}"}, {"keep", "1"}}}}},
              {"spec",
               {{"nodeName", "n1"},
                {"schedulerName", "fairway"},
                {"volumes", json::array({{{"name", "v"}}})},
                {"containers",
                 json::array({{{"name", "main"},
                               {"image", "busybox"},
                               {"command", {"sleep", "10"}},
                               {"env", json::array({{{"name", "SLURM_JOB_ID"}, {"value", "1"}}})},
                               {"resources", {{"requests", {{"nvidia.com/gpu", "1"}}}}}}})}}},
              {"status", {{"phase", "Running"}}}};
  json t = TrimPod(pod);
  EXPECT_FALSE(t["metadata"].contains("managedFields"));
  EXPECT_EQ(t["metadata"]["annotations"], json({{"keep", "1"}}));
  EXPECT_EQ(t["metadata"]["labels"], pod["metadata"]["labels"]);
  EXPECT_FALSE(t["spec"].contains("volumes"));
  EXPECT_EQ(t["spec"]["containers"][0],
            json({{"name", "main"}, {"resources", {{"requests", {{"nvidia.com/gpu", "1"}}}}}}));
  EXPECT_EQ(t["spec"]["nodeName"], "n1");
  EXPECT_EQ(t["status"], pod["status"]);
}

TEST(ObjectTrimTest, NodeDropsItsImageListAndMalformedObjectsPassThrough) {
  json node = {{"metadata", {{"name", "n"}}},
               {"status", {{"images", json::array({{{"names", {"a"}}}})}, {"capacity", {}}}}};
  EXPECT_EQ(TrimNode(node), json({{"metadata", {{"name", "n"}}}, {"status", {{"capacity", {}}}}}));
  EXPECT_EQ(TrimPod(json("not an object")), json("not an object"));
  EXPECT_EQ(TrimPod(json({{"spec", 3}})), json({{"spec", 3}}));
}

}  // namespace
}  // namespace fairway::controllers
