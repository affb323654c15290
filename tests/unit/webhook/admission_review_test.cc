#include "webhook/admission_review.h"

#include <gtest/gtest.h>

#include "common/base64.h"

namespace fairway::webhook {
namespace {

using nlohmann::json;

json Review() {
  return json::parse(R"({
    "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
    "request": {
      "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
      "kind": {"group": "fairway.dev", "version": "v1alpha1", "kind": "Job"},
      "resource": {"group": "fairway.dev", "version": "v1alpha1", "resource": "jobs"},
      "subResource": "", "requestKind": {"group": "fairway.dev", "version": "v1alpha1", "kind": "Job"},
      "name": "train-1", "namespace": "ml", "operation": "UPDATE",
      "userInfo": {"username": "alice", "uid": "u-1", "groups": ["physics", "system:authenticated"],
                   "extra": {"scopes": ["x"]}},
      "object": {"metadata": {"name": "train-1"}, "spec": {"nice": 1}},
      "oldObject": {"metadata": {"name": "train-1"}, "spec": {}},
      "dryRun": true,
      "options": {"apiVersion": "meta.k8s.io/v1", "kind": "UpdateOptions"}
    }})");
}

TEST(AdmissionReviewTest, ParsesEveryField) {
  StatusOr<AdmissionRequest> r = ParseAdmissionReview(Review());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(r->kind.group, "fairway.dev");
  EXPECT_EQ(r->kind.version, "v1alpha1");
  EXPECT_EQ(r->kind.kind, "Job");
  EXPECT_EQ(r->resource.resource, "jobs");
  EXPECT_EQ(r->sub_resource, "");
  EXPECT_EQ(r->name, "train-1");
  EXPECT_EQ(r->namespace_name, "ml");
  EXPECT_EQ(r->operation, Operation::kUpdate);
  EXPECT_EQ(r->user.username, "alice");
  EXPECT_EQ(r->user.uid, "u-1");
  EXPECT_EQ(r->user.groups, std::vector<std::string>({"physics", "system:authenticated"}));
  EXPECT_EQ(r->object["spec"]["nice"], 1);
  EXPECT_EQ(r->old_object["spec"], json::object());
  EXPECT_TRUE(r->dry_run);
}

TEST(AdmissionReviewTest, DeleteHasNoObject) {
  json review = Review();
  review["request"]["operation"] = "DELETE";
  review["request"]["object"] = nullptr;
  StatusOr<AdmissionRequest> r = ParseAdmissionReview(review);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->operation, Operation::kDelete);
  EXPECT_TRUE(r->object.is_null());
}

struct MalformedCase {
  std::string name;
  std::string pointer;  // JSON pointer to change ("" = replace the whole review)
  json value;           // new value; a discarded value removes the member
  std::string error;
};

class MalformedReviewTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedReviewTest, IsRejectedWithTheField) {
  json review = Review();
  const MalformedCase& c = GetParam();
  if (c.pointer.empty()) {
    review = c.value;
  } else if (c.value.is_discarded()) {
    json::json_pointer p(c.pointer);
    review[p.parent_pointer()].erase(p.back());
  } else {
    review[json::json_pointer(c.pointer)] = c.value;
  }
  StatusOr<AdmissionRequest> r = ParseAdmissionReview(review);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().ToString(), c.error);
}

const json kRemove = json(json::value_t::discarded);

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedReviewTest,
    ::testing::Values(
        MalformedCase{"NotAnObject", "", json::array(),
                      "INVALID_ARGUMENT: an AdmissionReview must be a JSON object"},
        MalformedCase{"OldVersion", "/apiVersion", "admission.k8s.io/v1beta1",
                      "INVALID_ARGUMENT: apiVersion: must be admission.k8s.io/v1 (the only "
                      "admissionReviewVersion served)"},
        MalformedCase{"WrongKind", "/kind", "Pod",
                      "INVALID_ARGUMENT: kind: must be AdmissionReview"},
        MalformedCase{"NoRequest", "/request", kRemove, "INVALID_ARGUMENT: request: is required"},
        MalformedCase{"RequestNotObject", "/request", "x",
                      "INVALID_ARGUMENT: request: must be an object"},
        MalformedCase{"NoUid", "/request/uid", kRemove,
                      "INVALID_ARGUMENT: request.uid: is required"},
        MalformedCase{"EmptyUid", "/request/uid", "",
                      "INVALID_ARGUMENT: request.uid: must not be empty"},
        MalformedCase{"UidNumber", "/request/uid", 7,
                      "INVALID_ARGUMENT: request.uid: must be a string"},
        MalformedCase{"NoKind", "/request/kind", kRemove,
                      "INVALID_ARGUMENT: request.kind: is required"},
        MalformedCase{"NoResourceName", "/request/resource/resource", kRemove,
                      "INVALID_ARGUMENT: request.resource.resource: is required"},
        MalformedCase{"BadOperation", "/request/operation", "PATCH",
                      "INVALID_ARGUMENT: request.operation: must be CREATE, UPDATE, DELETE or "
                      "CONNECT"},
        MalformedCase{"NoUserInfo", "/request/userInfo", kRemove,
                      "INVALID_ARGUMENT: request.userInfo: is required"},
        MalformedCase{"GroupsNotAList", "/request/userInfo/groups", "physics",
                      "INVALID_ARGUMENT: request.userInfo.groups: must be a list"},
        MalformedCase{"GroupNotAString", "/request/userInfo/groups/1", 3,
                      "INVALID_ARGUMENT: request.userInfo.groups[1]: must be a string"},
        MalformedCase{"UsernameNotAString", "/request/userInfo/username", true,
                      "INVALID_ARGUMENT: request.userInfo.username: must be a string"},
        MalformedCase{"ObjectMissingOnUpdate", "/request/object", kRemove,
                      "INVALID_ARGUMENT: request.object: must be an object for UPDATE"},
        MalformedCase{"OldObjectNotObject", "/request/oldObject", json::array(),
                      "INVALID_ARGUMENT: request.oldObject: must be an object or null"},
        MalformedCase{"DryRunNotBool", "/request/dryRun", "yes",
                      "INVALID_ARGUMENT: request.dryRun: must be true or false"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

TEST(AdmissionReviewTest, BodyMustBeJsonWithinTheDepthLimit) {
  StatusOr<AdmissionRequest> r = ParseAdmissionReviewBody("{not json");
  EXPECT_EQ(r.status().ToString(), "INVALID_ARGUMENT: the body is not JSON");
  std::string deep(kMaxJsonDepth + 1, '[');
  deep += std::string(kMaxJsonDepth + 1, ']');
  r = ParseAdmissionReviewBody(deep);
  EXPECT_EQ(r.status().ToString(),
            "INVALID_ARGUMENT: the body nests JSON more than 1000 levels deep");
  // Brackets inside strings do not count.
  json review = Review();
  review["request"]["object"]["spec"]["note"] = std::string(5000, '[') + "\\\"";
  EXPECT_TRUE(ParseAdmissionReviewBody(review.dump()).ok());
}

TEST(AdmissionReviewTest, AllowedResponseCarriesTheBase64Patch) {
  AdmissionResponse r = Allow("u-1");
  r.patch = json::array({{{"op", "add"}, {"path", "/spec/user"}, {"value", "alice"}}});
  r.warnings = {"spec.user replaced"};
  json out = ToAdmissionReviewResponse(r);
  EXPECT_EQ(out["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(out["kind"], "AdmissionReview");
  EXPECT_EQ(out["response"]["uid"], "u-1");
  EXPECT_EQ(out["response"]["allowed"], true);
  EXPECT_EQ(out["response"]["patchType"], "JSONPatch");
  StatusOr<std::string> patch = Base64Decode(out["response"]["patch"].get<std::string>());
  ASSERT_TRUE(patch.ok());
  EXPECT_EQ(json::parse(*patch), r.patch);
  EXPECT_EQ(out["response"]["warnings"], json({"spec.user replaced"}));
  EXPECT_FALSE(out["response"].contains("status"));
}

TEST(AdmissionReviewTest, NoPatchTypeWithoutAPatch) {
  json out = ToAdmissionReviewResponse(Allow("u-1"));
  EXPECT_EQ(out["response"], json({{"uid", "u-1"}, {"allowed", true}}));
}

TEST(AdmissionReviewTest, DenialCarriesCodeReasonAndMessage) {
  struct {
    int32_t code;
    const char* reason;
  } cases[] = {{403, "Forbidden"}, {422, "Invalid"}, {400, "BadRequest"}};
  for (const auto& c : cases) {
    json out = ToAdmissionReviewResponse(Deny("u-2", c.code, "no"));
    EXPECT_EQ(out["response"], json({{"uid", "u-2"},
                                     {"allowed", false},
                                     {"status",
                                      {{"status", "Failure"},
                                       {"code", c.code},
                                       {"message", "no"},
                                       {"reason", c.reason}}}}));
  }
}

}  // namespace
}  // namespace fairway::webhook
