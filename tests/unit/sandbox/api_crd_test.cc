// CustomResourceDefinitions and custom resource semantics, in-process.
#include "api_test_util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

class ApiCrdTest : public testing::ApiServerTest {
 protected:
  void SetUp() override {
    auto r = Do("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CrdBody());
    ASSERT_EQ(r.status, 201) << r.raw.body;
    crd_ = r.body;
  }
  static json Job(const std::string& name, int gpus) {
    return {{"apiVersion", "example.com/v1"},
            {"kind", "GpuJob"},
            {"metadata", {{"name", name}}},
            {"spec", {{"gpus", gpus}}}};
  }
  const std::string kJobs = "/apis/example.com/v1/namespaces/default/gpujobs";
  json crd_;
};

TEST_F(ApiCrdTest, RegistrationUpdatesDiscoveryAndConditions) {
  std::map<std::string, std::string> conds;
  for (const auto& c : crd_["status"]["conditions"]) conds[c["type"]] = c["status"];
  EXPECT_EQ(conds["Established"], "True");
  EXPECT_EQ(conds["NamesAccepted"], "True");
  auto gv = Do("GET", "/apis/example.com/v1");
  ASSERT_EQ(gv.status, 200);
  EXPECT_EQ(gv.body["resources"][0]["name"], "gpujobs");
  EXPECT_EQ(gv.body["resources"][0]["shortNames"], json({"gj"}));
  EXPECT_EQ(gv.body["resources"][0]["categories"], json({"all"}));
  EXPECT_EQ(gv.body["resources"][1]["name"], "gpujobs/status");
  EXPECT_EQ(gv.body["resources"][2]["name"], "gpujobs/scale");
  bool listed = false;
  json groups = Do("GET", "/apis").body["groups"];
  for (const auto& g : groups) listed = listed || g["name"] == "example.com";
  EXPECT_TRUE(listed);
  auto list = Do("GET", kJobs);
  EXPECT_EQ(list.body["kind"], "GpuJobList");
}

TEST_F(ApiCrdTest, CreatePrunesDefaultsAndDropsStatus) {
  json job = Job("j1", 4);
  job["spec"]["unknown"] = 1;
  job["status"] = {{"phase", "Running"}};
  auto r = Do("POST", kJobs, job);
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.body["spec"], json({{"gpus", 4}, {"priority", 0}}));
  EXPECT_FALSE(r.body.contains("status"));
  EXPECT_EQ(r.body["metadata"]["generation"], 1);
}

// The Warning headers of a reply, in order.
std::vector<std::string> Warnings(const testing::Reply& r) {
  std::vector<std::string> out;
  for (const auto& [name, value] : r.raw.headers) {
    if (name == "Warning") out.push_back(value);
  }
  return out;
}

TEST_F(ApiCrdTest, StrictFieldValidationRejectsUnknownFieldsByPath) {
  json job = Job("j1", 4);
  job["spec"]["gpuz"] = 1;
  job["extra"] = true;
  auto r = Do("POST", kJobs + "?fieldValidation=Strict", job);
  ASSERT_EQ(r.status, 400) << r.raw.body;
  EXPECT_EQ(r.body["reason"], "BadRequest");
  EXPECT_EQ(r.body["message"],
            "GpuJob in version \"v1\" cannot be handled as a GpuJob: strict decoding error: "
            "unknown field \"extra\", unknown field \"spec.gpuz\"");
  EXPECT_EQ(Do("GET", kJobs + "/j1").status, 404);

  ASSERT_EQ(Do("POST", kJobs + "?fieldValidation=Strict", Job("j1", 4)).status, 201);
  json update = Do("GET", kJobs + "/j1").body;
  update["spec"]["gpuz"] = 2;
  auto put = Do("PUT", kJobs + "/j1?fieldValidation=Strict", update);
  EXPECT_EQ(put.status, 400);
  EXPECT_EQ(put.body["message"],
            "GpuJob in version \"v1\" cannot be handled as a GpuJob: strict decoding error: "
            "unknown field \"spec.gpuz\"");
  auto patch = Do("PATCH", kJobs + "/j1?fieldValidation=Strict", {{"spec", {{"gpuz", 2}}}},
                  "application/merge-patch+json");
  ASSERT_EQ(patch.status, 422);
  EXPECT_EQ(patch.body["details"]["causes"][0]["field"], "patch");
  EXPECT_NE(patch.body["message"].get<std::string>().find(
                "strict decoding error: unknown field \"spec.gpuz\""),
            std::string::npos);
  // Known fields pass.
  EXPECT_EQ(Do("PATCH", kJobs + "/j1?fieldValidation=Strict", {{"spec", {{"gpus", 2}}}},
               "application/merge-patch+json")
                .status,
            200);
}

TEST_F(ApiCrdTest, WarnFieldValidationIsTheDefaultAndPrunes) {
  json job = Job("j1", 4);
  job["spec"]["gpuz"] = 1;
  for (const char* query : {"", "?fieldValidation=Warn"}) {
    auto r = Do("POST", kJobs + query, job);
    ASSERT_EQ(r.status, 201) << query << r.raw.body;
    EXPECT_EQ(Warnings(r), std::vector<std::string>{R"(299 - "unknown field \"spec.gpuz\"")"});
    EXPECT_FALSE(r.body["spec"].contains("gpuz"));
    ASSERT_EQ(Do("DELETE", kJobs + "/j1").status, 200);
  }
  ASSERT_EQ(Do("POST", kJobs, Job("j1", 4)).status, 201);
  auto patch = Do("PATCH", kJobs + "/j1", {{"spec", {{"gpuz", 2}, {"gpus", 2}}}},
                  "application/merge-patch+json");
  ASSERT_EQ(patch.status, 200);
  EXPECT_EQ(Warnings(patch), std::vector<std::string>{R"(299 - "unknown field \"spec.gpuz\"")"});
  EXPECT_EQ(patch.body["spec"], json({{"gpus", 2}, {"priority", 0}}));
}

TEST_F(ApiCrdTest, IgnoreFieldValidationPrunesSilently) {
  json job = Job("j1", 4);
  job["spec"]["gpuz"] = 1;
  auto r = Do("POST", kJobs + "?fieldValidation=Ignore", job);
  ASSERT_EQ(r.status, 201);
  EXPECT_TRUE(Warnings(r).empty());
  EXPECT_FALSE(r.body["spec"].contains("gpuz"));
}

TEST_F(ApiCrdTest, UnsupportedFieldValidationIsInvalidOptions) {
  auto r = Do("POST", kJobs + "?fieldValidation=strict", Job("j1", 4));
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.body["message"],
            "CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: "
            "\"strict\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
  auto patch = Do("PATCH", kJobs + "/j1?fieldValidation=x", {{"spec", {{"gpus", 2}}}},
                  "application/merge-patch+json");
  EXPECT_EQ(patch.status, 422);
  EXPECT_EQ(patch.body["details"]["kind"], "PatchOptions");
  // Reads take no fieldValidation.
  EXPECT_EQ(Do("GET", kJobs + "?fieldValidation=x").status, 200);
}

TEST_F(ApiCrdTest, ValidationErrorsHaveCauses) {
  auto r = Do("POST", kJobs, Job("j1", 9));
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.body["reason"], "Invalid");
  EXPECT_EQ(r.body["message"],
            "GpuJob.example.com \"j1\" is invalid: spec.gpus: Invalid value: 9: spec.gpus in body "
            "should be less than or equal to 8");
  EXPECT_EQ(r.body["details"]["kind"], "GpuJob");
  EXPECT_EQ(r.body["details"]["group"], "example.com");
  EXPECT_EQ(r.body["details"]["causes"][0]["field"], "spec.gpus");
  auto missing = Do("POST", kJobs, {{"metadata", {{"name", "j2"}}}});
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.body["details"]["causes"][0]["message"], "Required value");
}

TEST_F(ApiCrdTest, GenerationAndStatusSubresource) {
  json job = Do("POST", kJobs, Job("j1", 2)).body;
  // Status write: only status changes, generation stays.
  json st = job;
  st["status"] = {{"phase", "Running"}};
  st["spec"]["gpus"] = 8;
  auto s = Do("PUT", kJobs + "/j1/status", st);
  ASSERT_EQ(s.status, 200) << s.raw.body;
  EXPECT_EQ(s.body["status"]["phase"], "Running");
  EXPECT_EQ(s.body["spec"]["gpus"], 2);
  EXPECT_EQ(s.body["metadata"]["generation"], 1);
  // Metadata-only change: no bump. Main endpoint keeps stored status.
  auto m = Do("PATCH", kJobs + "/j1",
              {{"metadata", {{"labels", {{"a", "b"}}}}}, {"status", {{"phase", "X"}}}},
              "application/merge-patch+json");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.body["metadata"]["generation"], 1);
  EXPECT_EQ(m.body["status"]["phase"], "Running");
  // Spec change bumps.
  auto g = Do("PATCH", kJobs + "/j1", {{"spec", {{"gpus", 4}}}}, "application/merge-patch+json");
  EXPECT_EQ(g.body["metadata"]["generation"], 2);
  // PUT without resourceVersion is 422 for custom resources.
  json no_rv = g.body;
  no_rv["metadata"].erase("resourceVersion");
  auto put = Do("PUT", kJobs + "/j1", no_rv);
  EXPECT_EQ(put.status, 422);
  EXPECT_EQ(put.body["details"]["causes"][0]["field"], "metadata.resourceVersion");
  EXPECT_EQ(put.body["details"]["causes"][0]["message"],
            "Invalid value: 0x0: must be specified for an update");
  // Stale PUT conflict message names the group.
  json stale = job;
  stale["spec"]["gpus"] = 1;
  auto conflict = Do("PUT", kJobs + "/j1", stale);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body["details"],
            json({{"name", "j1"}, {"group", "example.com"}, {"kind", "gpujobs"}}));
  EXPECT_NE(conflict.body["message"].get<std::string>().find("gpujobs.example.com \"j1\""),
            std::string::npos);
  // Status subresource of a missing object: 404.
  st["metadata"]["name"] = "nope";
  EXPECT_EQ(Do("PUT", kJobs + "/nope/status", st).status, 404);
}

TEST_F(ApiCrdTest, StrategicMergeIs415ForCustomResources) {
  Do("POST", kJobs, Job("j1", 2));
  EXPECT_EQ(Do("PATCH", kJobs + "/j1", {{"spec", {{"gpus", 3}}}},
               "application/strategic-merge-patch+json")
                .status,
            415);
}

TEST_F(ApiCrdTest, DeleteReturnsSuccessStatus) {
  json job = Do("POST", kJobs, Job("j1", 2)).body;
  auto d = Do("DELETE", kJobs + "/j1");
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.body["kind"], "Status");
  EXPECT_EQ(d.body["status"], "Success");
  EXPECT_EQ(d.body["details"]["name"], "j1");
  EXPECT_EQ(d.body["details"]["kind"], "gpujobs");
  EXPECT_EQ(d.body["details"]["uid"], job["metadata"]["uid"]);
}

TEST_F(ApiCrdTest, ScaleSubresource) {
  json job = Job("j1", 2);
  job["spec"]["replicas"] = 3;
  Do("POST", kJobs, job);
  auto s = Do("GET", kJobs + "/j1/scale");
  EXPECT_EQ(s.body["kind"], "Scale");
  EXPECT_EQ(s.body["spec"]["replicas"], 3);
  EXPECT_EQ(s.body["status"]["replicas"], 0);
  auto p = Do("PATCH", kJobs + "/j1/scale", {{"spec", {{"replicas", 5}}}},
              "application/merge-patch+json");
  ASSERT_EQ(p.status, 200) << p.raw.body;
  EXPECT_EQ(Do("GET", kJobs + "/j1").body["spec"]["replicas"], 5);
}

TEST_F(ApiCrdTest, TableUsesPrinterColumns) {
  Do("POST", kJobs, Job("j1", 2));
  auto t =
      Do("GET", kJobs, nullptr, "application/json", "application/json;as=Table;v=v1;g=meta.k8s.io");
  ASSERT_EQ(t.body["columnDefinitions"].size(), 2u);
  EXPECT_EQ(t.body["columnDefinitions"][1]["name"], "GPUs");
  EXPECT_EQ(t.body["rows"][0]["cells"], json::parse(R"(["j1",2])"));
}

TEST_F(ApiCrdTest, CustomResourceFieldSelectors) {
  Do("POST", kJobs, Job("j1", 2));
  Do("POST", kJobs, Job("j2", 2));
  EXPECT_EQ(Do("GET", kJobs + "?fieldSelector=metadata.name%3Dj2").body["items"].size(), 1u);
  EXPECT_EQ(Do("GET", kJobs + "?fieldSelector=spec.gpus%3D2").status, 400);
}

TEST_F(ApiCrdTest, CrdDeletionRemovesInstancesAndPaths) {
  Do("POST", kJobs, Job("j1", 2));
  auto w = Watch(kJobs + "?watch=1&resourceVersion=" + std::to_string(api_.store().CurrentRv()));
  EXPECT_EQ(
      Do("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gpujobs.example.com")
          .status,
      200);
  EXPECT_EQ(Do("GET", kJobs).status, 404);
  EXPECT_EQ(Do("GET", "/apis/example.com/v1").status, 404);
  auto events = Events(*w);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "DELETED");
  // Re-creating the CRD gives an empty collection.
  ASSERT_EQ(Do("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CrdBody()).status,
            201);
  EXPECT_TRUE(Do("GET", kJobs).body["items"].empty());
}

TEST_F(ApiCrdTest, InvalidCrdIsRejected) {
  json bad = CrdBody();
  bad["metadata"]["name"] = "wrong.example.com";
  auto r = Do("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad);
  EXPECT_EQ(r.status, 422);
}

TEST_F(ApiCrdTest, ApplyCreatesThenReplaces) {
  auto a = api_.Apply(Job("j1", 2));
  ASSERT_TRUE(a.ok()) << a.error().message();
  json again = Job("j1", 3);
  auto b = api_.Apply(again);
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ((*b)["spec"]["gpus"], 3);
  EXPECT_EQ((*b)["metadata"]["generation"], 2);
}

}  // namespace
}  // namespace fairway::sandbox
