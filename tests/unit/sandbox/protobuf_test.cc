#include "sandbox/internal/protobuf.h"

#include <random>

#include <gtest/gtest.h>

#include "api_test_util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
namespace pb = internal::protobuf;

// Hand-built encodings, field numbers from k8s.io/apimachinery meta/v1 and k8s.io/api core/v1
// generated.proto.
std::string MapEntry(const std::string& key, const std::string& value) {
  std::string e;
  pb::AppendLen(1, key, &e);
  pb::AppendLen(2, value, &e);
  return e;
}

// ObjectMeta the way gogo-protobuf writes it: every non-pointer string and int64 present even when
// empty, the zero creationTimestamp as an empty message.
std::string ObjectMeta(const std::string& name, const std::string& ns,
                       const std::vector<std::pair<std::string, std::string>>& labels = {}) {
  std::string m;
  pb::AppendLen(1, name, &m);
  pb::AppendLen(2, "", &m);  // generateName
  pb::AppendLen(3, ns, &m);
  pb::AppendLen(4, "", &m);  // selfLink
  pb::AppendLen(5, "", &m);  // uid
  pb::AppendLen(6, "", &m);  // resourceVersion
  pb::AppendVarintField(7, 0, &m);  // generation
  pb::AppendLen(8, "", &m);  // creationTimestamp: zero time
  for (const auto& [k, v] : labels) pb::AppendLen(11, MapEntry(k, v), &m);
  return m;
}

std::string NamespaceRaw(const std::string& name) {
  std::string spec;
  pb::AppendLen(1, "kubernetes", &spec);  // finalizers
  std::string raw;
  pb::AppendLen(1, ObjectMeta(name, "", {{"team", "ml"}}), &raw);
  pb::AppendLen(2, spec, &raw);
  pb::AppendLen(3, "", &raw);  // status
  return raw;
}

std::string ConfigMapRaw(const std::string& name, const std::string& ns) {
  std::string raw;
  pb::AppendLen(1, ObjectMeta(name, ns), &raw);
  pb::AppendLen(2, MapEntry("a", "b"), &raw);
  pb::AppendLen(2, MapEntry("c", "d=e"), &raw);
  pb::AppendLen(3, MapEntry("bin", std::string("\x00\xff\x01", 3)), &raw);
  pb::AppendVarintField(4, 0, &raw);  // immutable: *bool false is a value
  return raw;
}

TEST(ProtobufWireTest, Varints) {
  for (uint64_t v : {0ULL, 1ULL, 127ULL, 128ULL, 300ULL, 1ULL << 35, ~0ULL}) {
    std::string enc;
    pb::AppendVarint(v, &enc);
    size_t pos = 0;
    uint64_t out = 0;
    ASSERT_TRUE(pb::ReadVarint(enc, &pos, &out)) << v;
    EXPECT_EQ(out, v);
    EXPECT_EQ(pos, enc.size());
  }
  size_t pos = 0;
  uint64_t out = 0;
  EXPECT_FALSE(pb::ReadVarint("\x80\x80", &pos, &out));  // truncated
  pos = 0;
  EXPECT_FALSE(pb::ReadVarint(std::string(11, '\xff'), &pos, &out));  // too long
  pos = 0;
  EXPECT_FALSE(pb::ReadVarint(std::string(9, '\xff') + "\x02", &pos, &out));  // > 64 bits
}

TEST(ProtobufWireTest, ReaderSkipsFixedWidthAndRejectsGroups) {
  std::string msg;
  pb::AppendTag(1, pb::WireType::kFixed64, &msg);
  msg.append(8, '\x01');
  pb::AppendTag(2, pb::WireType::kFixed32, &msg);
  msg.append(4, '\x02');
  pb::AppendLen(3, "xyz", &msg);
  pb::Reader r(msg);
  pb::Field f;
  std::string err;
  ASSERT_TRUE(r.Next(&f, &err));
  EXPECT_EQ(f.number, 1u);
  EXPECT_EQ(f.value, 0x0101010101010101ULL);
  ASSERT_TRUE(r.Next(&f, &err));
  EXPECT_EQ(f.value, 0x02020202u);
  ASSERT_TRUE(r.Next(&f, &err));
  EXPECT_EQ(f.bytes, "xyz");
  EXPECT_TRUE(r.done());

  std::string group;
  pb::AppendTag(1, pb::WireType::kStartGroup, &group);
  pb::Reader g(group);
  EXPECT_FALSE(g.Next(&f, &err));
  EXPECT_NE(err.find("wire type"), std::string::npos);
}

TEST(ProtobufDecodeTest, NamespaceRoundTripToJson) {
  std::string body = pb::EncodeEnvelope("v1", "Namespace", NamespaceRaw("team-a"));
  Result<pb::Envelope> env = pb::DecodeEnvelope(body);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->api_version, "v1");
  EXPECT_EQ(env->kind, "Namespace");

  Result<json> obj = pb::DecodeObject(body, "", "");
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  EXPECT_EQ(*obj, json({{"apiVersion", "v1"},
                        {"kind", "Namespace"},
                        {"metadata", {{"name", "team-a"}, {"labels", {{"team", "ml"}}}}},
                        {"spec", {{"finalizers", {"kubernetes"}}}}}));
}

TEST(ProtobufDecodeTest, ConfigMapMapsBytesAndPointerBool) {
  Result<json> obj = pb::DecodeObject(pb::EncodeEnvelope("v1", "ConfigMap", ConfigMapRaw("cfg", "ns1")), "", "");
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  EXPECT_EQ((*obj)["metadata"], json({{"name", "cfg"}, {"namespace", "ns1"}}));
  EXPECT_EQ((*obj)["data"], json({{"a", "b"}, {"c", "d=e"}}));
  EXPECT_EQ((*obj)["binaryData"], json({{"bin", "AP8B"}}));
  EXPECT_EQ((*obj)["immutable"], false);
}

TEST(ProtobufDecodeTest, SecretDataIsBase64AndTypeMetaDefaults) {
  std::string raw;
  pb::AppendLen(1, ObjectMeta("s", ""), &raw);
  pb::AppendLen(2, MapEntry("password", "hunter2"), &raw);
  pb::AppendLen(3, "Opaque", &raw);
  // An unknown field of every wire type is skipped.
  pb::AppendVarintField(99, 7, &raw);
  pb::AppendTag(100, pb::WireType::kFixed32, &raw);
  raw.append(4, '\0');
  pb::AppendLen(101, "ignored", &raw);
  // Empty TypeMeta: the defaults (the resource being created) apply.
  Result<json> obj = pb::DecodeObject(pb::EncodeEnvelope("", "", raw), "v1", "Secret");
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  EXPECT_EQ((*obj)["kind"], "Secret");
  EXPECT_EQ((*obj)["data"], json({{"password", "aHVudGVyMg=="}}));
  EXPECT_EQ((*obj)["type"], "Opaque");
}

TEST(ProtobufDecodeTest, DeploymentSpec) {
  std::string port;
  pb::AppendVarintField(2, 0, &port);   // hostPort
  pb::AppendVarintField(3, 80, &port);  // containerPort
  pb::AppendLen(4, "TCP", &port);
  std::string qty;
  pb::AppendLen(1, "500m", &qty);
  std::string resources;
  pb::AppendLen(1, MapEntry("cpu", qty), &resources);  // limits
  std::string container;
  pb::AppendLen(1, "nginx", &container);
  pb::AppendLen(2, "nginx:1.27", &container);
  pb::AppendLen(3, "sleep", &container);
  pb::AppendLen(4, "3600", &container);
  pb::AppendLen(6, port, &container);
  pb::AppendLen(8, resources, &container);
  pb::AppendVarintField(16, 0, &container);  // stdin false: omitted
  std::string pod_spec;
  pb::AppendLen(2, container, &pod_spec);
  std::string tmpl;
  pb::AppendLen(1, ObjectMeta("", "", {{"app", "web"}}), &tmpl);
  pb::AppendLen(2, pod_spec, &tmpl);
  std::string selector;
  pb::AppendLen(1, MapEntry("app", "web"), &selector);
  std::string max_surge;  // IntOrString "25%"
  pb::AppendVarintField(1, 1, &max_surge);
  pb::AppendVarintField(2, 0, &max_surge);
  pb::AppendLen(3, "25%", &max_surge);
  std::string rolling;
  pb::AppendLen(2, max_surge, &rolling);
  std::string strategy;
  pb::AppendLen(1, "RollingUpdate", &strategy);
  pb::AppendLen(2, rolling, &strategy);
  std::string spec;
  pb::AppendVarintField(1, 0, &spec);  // replicas: *int32 0 is a value
  pb::AppendLen(2, selector, &spec);
  pb::AppendLen(3, tmpl, &spec);
  pb::AppendLen(4, strategy, &spec);
  std::string raw;
  pb::AppendLen(1, ObjectMeta("web", "default"), &raw);
  pb::AppendLen(2, spec, &raw);

  Result<json> obj = pb::DecodeObject(pb::EncodeEnvelope("apps/v1", "Deployment", raw), "", "");
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  const json& s = (*obj)["spec"];
  EXPECT_EQ(s["replicas"], 0);
  EXPECT_EQ(s["selector"], json({{"matchLabels", {{"app", "web"}}}}));
  EXPECT_EQ(s["strategy"], json({{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", "25%"}}}}));
  EXPECT_EQ(s["template"]["metadata"], json({{"labels", {{"app", "web"}}}}));
  EXPECT_EQ(s["template"]["spec"]["containers"],
            json::parse(R"([{"name":"nginx","image":"nginx:1.27","command":["sleep"],"args":["3600"],
                "ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"limits":{"cpu":"500m"}}}])"));
}

TEST(ProtobufDecodeTest, TimesAndOwnerReferences) {
  std::string ts;
  pb::AppendVarintField(1, 1740816000, &ts);
  pb::AppendVarintField(2, 0, &ts);
  std::string owner;
  pb::AppendLen(1, "Deployment", &owner);
  pb::AppendLen(3, "web", &owner);
  pb::AppendLen(4, "uid-1", &owner);
  pb::AppendLen(5, "apps/v1", &owner);
  pb::AppendVarintField(6, 1, &owner);
  std::string meta;
  pb::AppendLen(1, "x", &meta);
  pb::AppendLen(8, ts, &meta);
  pb::AppendLen(13, owner, &meta);
  pb::AppendLen(14, "example.com/f", &meta);
  std::string raw;
  pb::AppendLen(1, meta, &raw);
  Result<json> obj = pb::DecodeRaw(raw, "v1", "ConfigMap");
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  EXPECT_EQ((*obj)["metadata"]["creationTimestamp"], "2025-03-01T08:00:00Z");
  EXPECT_EQ((*obj)["metadata"]["finalizers"], json({"example.com/f"}));
  EXPECT_EQ((*obj)["metadata"]["ownerReferences"],
            json::parse(R"([{"kind":"Deployment","name":"web","uid":"uid-1","apiVersion":"apps/v1","controller":true}])"));
}

TEST(ProtobufDecodeTest, MalformedInputsAreBadRequest) {
  std::string good = ConfigMapRaw("cfg", "ns1");
  auto code = [](const std::string& body) {
    Result<json> r = pb::DecodeObject(body, "v1", "ConfigMap");
    return r.ok() ? 0 : r.error().code();
  };
  EXPECT_EQ(code(pb::EncodeEnvelope("v1", "ConfigMap", good)), 0);
  EXPECT_EQ(code(""), 400);
  EXPECT_EQ(code("{\"kind\":\"ConfigMap\"}"), 400);          // no magic
  const std::string magic(pb::kMagic);
  EXPECT_EQ(code(magic + "\x0a\x05"), 400);                    // length past the end
  EXPECT_EQ(code(magic + "\x08"), 400);                         // truncated varint
  EXPECT_EQ(code(magic + std::string("\x00\x00", 2)), 400);    // field number 0

  std::string wrong_wire;
  pb::AppendVarintField(1, 5, &wrong_wire);  // metadata as a varint
  EXPECT_EQ(code(pb::EncodeEnvelope("v1", "ConfigMap", wrong_wire)), 400);

  std::string bad_utf8;
  pb::AppendLen(2, MapEntry("k", "\xc3\x28"), &bad_utf8);
  Result<json> r = pb::DecodeObject(pb::EncodeEnvelope("v1", "ConfigMap", bad_utf8), "", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), 400);
  EXPECT_NE(r.error().message().find("data: invalid UTF-8"), std::string::npos) << r.error().message();

  std::string truncated = pb::EncodeEnvelope("v1", "ConfigMap", good);
  truncated.resize(truncated.size() - 3);
  EXPECT_EQ(code(truncated), 400);

  // A kind without a schema is 415, like upstream for a media type it cannot decode.
  EXPECT_EQ(code(pb::EncodeEnvelope("v1", "PersistentVolume", good)), 415);
}

// Robustness: random bytes and mutations of valid messages never crash, and every result is
// either an object that serializes or a 4xx error.
TEST(ProtobufDecodeTest, FuzzRandomAndMutatedBytes) {
  std::mt19937 rng(12345);
  std::vector<std::string> seeds = {
      pb::EncodeEnvelope("v1", "ConfigMap", ConfigMapRaw("cfg", "ns1")),
      pb::EncodeEnvelope("v1", "Namespace", NamespaceRaw("team-a")),
  };
  auto check = [](const std::string& body, const std::string& kind) {
    Result<json> r = pb::DecodeObject(body, "v1", kind);
    if (r.ok()) {
      ASSERT_TRUE(r->is_object());
      (void)r->dump();  // throws on invalid UTF-8
    } else {
      ASSERT_GE(r.error().code(), 400);
      ASSERT_LT(r.error().code(), 500);
    }
  };
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 3000; ++i) {
    std::string body(pb::kMagic);
    size_t len = static_cast<size_t>(rng() % 64);
    for (size_t k = 0; k < len; ++k) body.push_back(static_cast<char>(byte(rng)));
    check(body, i % 2 ? "ConfigMap" : "Deployment");
  }
  for (int i = 0; i < 20000; ++i) {
    std::string body = seeds[static_cast<size_t>(i) % seeds.size()];
    int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) {
      size_t pos = pb::kMagic.size() + rng() % (body.size() - pb::kMagic.size());
      switch (rng() % 4) {
        case 0:
          body[pos] = static_cast<char>(body[pos] ^ (1 << (rng() % 8)));
          break;
        case 1:
          body[pos] = static_cast<char>(byte(rng));
          break;
        case 2:
          body.erase(pos, 1 + rng() % 3);
          break;
        default:
          body.insert(pos, 1, static_cast<char>(byte(rng)));
          break;
      }
      if (body.size() <= pb::kMagic.size()) body = seeds[0];
    }
    check(body, i % 2 ? "ConfigMap" : "Namespace");
  }
}

class ProtobufApiTest : public testing::ApiServerTest {
 protected:
  HttpResponse Post(const std::string& target, const std::string& body) {
    HttpRequest req;
    req.method = "POST";
    req.target = target;
    req.headers["content-type"] = std::string(pb::kMediaType);
    req.headers["accept"] = "application/vnd.kubernetes.protobuf, application/json";
    req.body = body;
    HandlerReply r = api_.Handle(req);
    EXPECT_EQ(r.watch, nullptr);
    return r.response;
  }
};

TEST_F(ProtobufApiTest, CreateNamespaceAndConfigMapFromProtobuf) {
  HttpResponse ns = Post("/api/v1/namespaces", pb::EncodeEnvelope("v1", "Namespace", NamespaceRaw("team-a")));
  ASSERT_EQ(ns.status, 201) << ns.body;
  EXPECT_EQ(ns.content_type, "application/json");
  HttpResponse cm = Post("/api/v1/namespaces/team-a/configmaps",
                         pb::EncodeEnvelope("v1", "ConfigMap", ConfigMapRaw("cfg", "")));
  ASSERT_EQ(cm.status, 201) << cm.body;

  testing::Reply got = Do("GET", "/api/v1/namespaces/team-a/configmaps/cfg");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body["data"], json({{"a", "b"}, {"c", "d=e"}}));
  EXPECT_EQ(got.body["metadata"]["namespace"], "team-a");
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/team-a").body["metadata"]["labels"]["team"], "ml");
}

TEST_F(ProtobufApiTest, SelfSubjectAccessReviewIsAllowed) {
  std::string attrs;
  pb::AppendLen(2, "create", &attrs);
  pb::AppendLen(5, "pods", &attrs);
  std::string spec;
  pb::AppendLen(1, attrs, &spec);
  std::string raw;
  pb::AppendLen(1, ObjectMeta("", ""), &raw);
  pb::AppendLen(2, spec, &raw);
  HttpResponse r = Post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                        pb::EncodeEnvelope("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw));
  ASSERT_EQ(r.status, 201) << r.body;
  json body = json::parse(r.body);
  EXPECT_EQ(body["status"]["allowed"], true);
  EXPECT_EQ(body["spec"]["resourceAttributes"], json({{"verb", "create"}, {"resource", "pods"}}));
}

TEST_F(ProtobufApiTest, MalformedAndUnsupportedBodiesAreStatuses) {
  HttpResponse bad = Post("/api/v1/namespaces", std::string("k8s\0", 4) + "\x0a\x7f");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["reason"], "BadRequest");
  HttpResponse unsupported = Post("/api/v1/nodes", pb::EncodeEnvelope("v1", "Node", ""));
  EXPECT_EQ(unsupported.status, 415);
  HttpResponse mismatch = Post("/api/v1/namespaces",
                               pb::EncodeEnvelope("v1", "ConfigMap", ConfigMapRaw("x", "")));
  EXPECT_EQ(mismatch.status, 400);  // the kind does not match the resource
}

// The same mutations through the whole request path: always a JSON reply, never a 5xx.
TEST_F(ProtobufApiTest, FuzzThroughHandler) {
  std::mt19937 rng(777);
  const std::string seed = pb::EncodeEnvelope("v1", "ConfigMap", ConfigMapRaw("cfg", "default"));
  for (int i = 0; i < 2000; ++i) {
    std::string body = seed;
    for (int m = 0; m < 3; ++m) {
      size_t pos = pb::kMagic.size() + rng() % (body.size() - pb::kMagic.size());
      body[pos] = static_cast<char>(rng() % 256);
    }
    HttpResponse r = Post("/api/v1/namespaces/default/configmaps", body);
    ASSERT_LT(r.status, 500) << r.body;
    ASSERT_FALSE(json::parse(r.body, nullptr, false).is_discarded());
  }
}

}  // namespace
}  // namespace fairway::sandbox
