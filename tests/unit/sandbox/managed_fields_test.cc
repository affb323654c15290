// metadata.managedFields and server-side apply conflicts, through the API server in-process.
#include <gtest/gtest.h>

#include <string>

#include "api_test_util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
using testing::Reply;

class ManagedFieldsTest : public testing::ApiServerTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(
        Do("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CrdBody()).status,
        201);
  }
  Reply Apply(const std::string& manager, const json& spec, bool force = false) {
    json body = {{"apiVersion", "example.com/v1"},
                 {"kind", "GpuJob"},
                 {"metadata", {{"name", "j"}}},
                 {"spec", spec}};
    return Do("PATCH", kPath + "?fieldManager=" + manager + (force ? "&force=true" : ""),
              body.dump(), "application/apply-patch+yaml");
  }
  // The fieldsV1 of `manager`'s entry with `operation`, or null.
  static json FieldsOf(const json& obj, const std::string& manager, const std::string& operation) {
    for (const json& e : obj["metadata"].value("managedFields", json::array())) {
      if (e["manager"] == manager && e["operation"] == operation) return e["fieldsV1"];
    }
    return nullptr;
  }

  const std::string kPath = "/apis/example.com/v1/namespaces/default/gpujobs/j";
};

TEST_F(ManagedFieldsTest, ApplyRecordsOwnershipAndConflictsNameTheManager) {
  Reply created = Apply("team-a", {{"gpus", 2}, {"replicas", 1}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(FieldsOf(created.body, "team-a", "Apply"),
            json({{"f:spec", {{"f:gpus", json::object()}, {"f:replicas", json::object()}}}}));
  const json& entry = created.body["metadata"]["managedFields"][0];
  EXPECT_EQ(entry["apiVersion"], "example.com/v1");
  EXPECT_EQ(entry["fieldsType"], "FieldsV1");
  EXPECT_EQ(entry["time"], "2025-03-01T08:00:00Z");

  // Another manager applying the same value shares the field; a different value conflicts.
  EXPECT_EQ(Apply("team-b", {{"gpus", 2}}).status, 200);
  Reply conflict = Apply("team-b", {{"gpus", 2}, {"replicas", 3}});
  ASSERT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body["reason"], "Conflict");
  EXPECT_EQ(conflict.body["message"],
            "Apply failed with 1 conflict: conflict with \"team-a\": .spec.replicas");
  EXPECT_EQ(conflict.body["details"]["causes"][0], json({{"reason", "FieldManagerConflict"},
                                                         {"message", "conflict with \"team-a\""},
                                                         {"field", ".spec.replicas"}}));
  EXPECT_EQ(Do("GET", kPath).body["spec"]["replicas"], 1);

  // force=true (kubectl --force-conflicts) moves the field to the applier.
  Reply forced = Apply("team-b", {{"gpus", 2}, {"replicas", 3}}, true);
  ASSERT_EQ(forced.status, 200) << forced.body;
  EXPECT_EQ(forced.body["spec"]["replicas"], 3);
  EXPECT_EQ(FieldsOf(forced.body, "team-a", "Apply"),
            json({{"f:spec", {{"f:gpus", json::object()}}}}));
  EXPECT_EQ(FieldsOf(forced.body, "team-b", "Apply"),
            json({{"f:spec", {{"f:gpus", json::object()}, {"f:replicas", json::object()}}}}));
}

TEST_F(ManagedFieldsTest, ConflictsWithSeveralFieldsAndUpdateManagers) {
  ASSERT_EQ(Apply("team-a", {{"gpus", 2}, {"replicas", 1}}).status, 201);
  Reply merge = Do("PATCH", kPath + "?fieldManager=kubectl-edit", {{"spec", {{"priority", 5}}}},
                   "application/merge-patch+json");
  ASSERT_EQ(merge.status, 200);
  EXPECT_EQ(FieldsOf(merge.body, "kubectl-edit", "Update"),
            json({{"f:spec", {{"f:priority", json::object()}}}}));
  Reply conflict = Apply("team-b", {{"gpus", 4}, {"replicas", 3}, {"priority", 1}});
  ASSERT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body["message"],
            "Apply failed with 3 conflicts: conflicts with \"kubectl-edit\" using example.com/v1:\n"
            "- .spec.priority\n"
            "conflicts with \"team-a\":\n"
            "- .spec.gpus\n"
            "- .spec.replicas");
}

TEST_F(ManagedFieldsTest, UpdatesTakeOwnershipAndApplyRemovesWhatItNoLongerApplies) {
  ASSERT_EQ(Apply("team-a", {{"gpus", 2}, {"replicas", 1}}).status, 201);
  // An update of a field moves it to the updater, without a conflict.
  Reply merge = Do("PATCH", kPath + "?fieldManager=ops", {{"spec", {{"replicas", 2}}}},
                   "application/merge-patch+json");
  ASSERT_EQ(merge.status, 200);
  EXPECT_EQ(FieldsOf(merge.body, "team-a", "Apply"),
            json({{"f:spec", {{"f:gpus", json::object()}}}}));
  EXPECT_EQ(FieldsOf(merge.body, "ops", "Update"),
            json({{"f:spec", {{"f:replicas", json::object()}}}}));

  ASSERT_EQ(Apply("team-a", {{"gpus", 2}, {"priority", 7}}).status, 200);
  // priority was team-a's alone: it goes (and the schema's default comes back); replicas is
  // ops's and stays.
  Reply reapplied = Apply("team-a", {{"gpus", 2}});
  ASSERT_EQ(reapplied.status, 200) << reapplied.body;
  EXPECT_EQ(reapplied.body["spec"], json({{"gpus", 2}, {"replicas", 2}, {"priority", 0}}));
}

TEST_F(ManagedFieldsTest, KeyedListItemsAndStatusSubresource) {
  json pod = PodBody("p");
  Reply created = Do("POST", "/api/v1/namespaces/default/pods?fieldManager=creator", pod);
  ASSERT_EQ(created.status, 201);
  json fields = FieldsOf(created.body, "creator", "Update");
  const json& item = fields["f:spec"]["f:containers"]["k:{\"name\":\"main\"}"];
  EXPECT_EQ(item,
            json({{".", json::object()}, {"f:name", json::object()}, {"f:image", json::object()}}));
  EXPECT_FALSE(fields.contains("f:status"));
  Reply status = Do("PATCH", "/api/v1/namespaces/default/pods/p/status?fieldManager=kubelet",
                    {{"status", {{"phase", "Running"}}}}, "application/merge-patch+json");
  ASSERT_EQ(status.status, 200);
  for (const json& e : status.body["metadata"]["managedFields"]) {
    if (e["manager"] != "kubelet") continue;
    EXPECT_EQ(e["subresource"], "status");
    EXPECT_EQ(e["fieldsV1"], json({{"f:status", {{"f:phase", json::object()}}}}));
  }
}

}  // namespace
}  // namespace fairway::sandbox
