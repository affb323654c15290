#include "sandbox/internal/delete_options_body.h"

#include <gtest/gtest.h>

#include "api_test_util.h"
#include "sandbox/internal/protobuf.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
namespace pb = internal::protobuf;

constexpr const char* kProtobuf = "application/vnd.kubernetes.protobuf";

// The body helm v4 sends when `helm uninstall` deletes its release Secret, as captured on the
// wire: the magic, then runtime.Unknown{typeMeta{"v1", "DeleteOptions"}, raw "", "", ""}.
const std::string kHelmUninstallBody(
    "k8s\0\x0a\x13\x0a\x02v1\x12\x0d"
    "DeleteOptions\x12\x00\x1a\x00\x22\x00",
    31);

// meta/v1 DeleteOptions{gracePeriodSeconds: 1, preconditions{uid}, propagationPolicy}.
std::string DeleteOptionsRaw(const std::string& uid) {
  std::string preconditions;
  pb::AppendLen(1, uid, &preconditions);
  std::string raw;
  pb::AppendVarintField(1, 0, &raw);
  pb::AppendLen(2, preconditions, &raw);
  pb::AppendLen(4, "Background", &raw);
  return raw;
}

HttpRequest Request(const std::string& body, const std::string& content_type) {
  HttpRequest req;
  req.method = "DELETE";
  req.headers["content-type"] = content_type;
  req.body = body;
  return req;
}

TEST(DeleteOptionsBodyTest, JsonAndEmptyBodiesPassThrough) {
  const std::string json_body = R"({"propagationPolicy":"Background"})";
  Result<std::string> j = internal::DeleteOptionsBody(Request(json_body, "application/json"));
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(*j, json_body);
  Result<std::string> empty = internal::DeleteOptionsBody(Request("", kProtobuf));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(DeleteOptionsBodyTest, HelmUninstallBodyIsEmptyOptions) {
  Result<std::string> r = internal::DeleteOptionsBody(Request(kHelmUninstallBody, kProtobuf));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(json::parse(*r), json({{"apiVersion", "meta.k8s.io/v1"}, {"kind", "DeleteOptions"}}));
}

TEST(DeleteOptionsBodyTest, DecodesEveryFieldKubectlSends) {
  std::string body = pb::EncodeEnvelope("apps/v1", "DeleteOptions", DeleteOptionsRaw("u-1"));
  Result<std::string> r = internal::DeleteOptionsBody(Request(body, kProtobuf));
  ASSERT_TRUE(r.ok()) << r.error().message();
  json o = json::parse(*r);
  EXPECT_EQ(o["gracePeriodSeconds"], 0);  // a pointer field: zero is a value
  EXPECT_EQ(o["preconditions"]["uid"], "u-1");
  EXPECT_EQ(o["propagationPolicy"], "Background");
}

TEST(DeleteOptionsBodyTest, OtherKindsAndMalformedBodiesAreBadRequest) {
  std::string other = pb::EncodeEnvelope("v1", "ConfigMap", "");
  Result<std::string> r = internal::DeleteOptionsBody(Request(other, kProtobuf));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), 400);
  EXPECT_NE(r.error().message().find("not ConfigMap"), std::string::npos);
  for (const std::string& bad : {std::string("k8s"), std::string("k8s\0\x0a\x7f", 6),
                                 pb::EncodeEnvelope("v1", "DeleteOptions", "\x08")}) {
    Result<std::string> b = internal::DeleteOptionsBody(Request(bad, kProtobuf));
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code(), 400) << b.error().message();
  }
}

class DeleteOptionsApiTest : public testing::ApiServerTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(Do("POST", "/api/v1/namespaces/default/secrets",
                 json{{"metadata", {{"name", "sh.helm.release.v1.fw.v1"}}}})
                  .status,
              201);
  }
  const std::string path_ = "/api/v1/namespaces/default/secrets/sh.helm.release.v1.fw.v1";
};

TEST_F(DeleteOptionsApiTest, HelmUninstallDeletesTheReleaseSecret) {
  testing::Reply r = Do("DELETE", path_, json(kHelmUninstallBody), kProtobuf);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(Do("GET", path_).status, 404);
}

TEST_F(DeleteOptionsApiTest, ProtobufPreconditionsAreEnforced) {
  std::string body = pb::EncodeEnvelope("v1", "DeleteOptions", DeleteOptionsRaw("not-the-uid"));
  testing::Reply r = Do("DELETE", path_, json(body), kProtobuf);
  EXPECT_EQ(r.status, 409) << r.body.dump();
  EXPECT_EQ(Do("GET", path_).status, 200);
}

TEST_F(DeleteOptionsApiTest, DeleteCollectionTakesProtobufOptions) {
  testing::Reply r =
      Do("DELETE", "/api/v1/namespaces/default/secrets", json(kHelmUninstallBody), kProtobuf);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(Do("GET", path_).status, 404);
}

}  // namespace
}  // namespace fairway::sandbox
