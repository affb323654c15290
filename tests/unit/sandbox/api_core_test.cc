// Core REST semantics of the sandbox API server, in-process.
#include "api_test_util.h"
#include "common/json_depth.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
using testing::ApiServerTest;

using ApiCoreTest = ApiServerTest;

TEST_F(ApiCoreTest, CreateSetsServerFields) {
  auto r = Do("POST", "/api/v1/namespaces/default/configmaps",
              {{"metadata", {{"name", "c"}}}, {"data", {{"k", "v"}}}});
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.body["kind"], "ConfigMap");
  EXPECT_EQ(r.body["apiVersion"], "v1");
  EXPECT_EQ(r.body["metadata"]["namespace"], "default");
  EXPECT_EQ(r.body["metadata"]["creationTimestamp"], "2025-03-01T08:00:00Z");
  EXPECT_EQ(r.body["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_FALSE(r.body["metadata"]["resourceVersion"].get<std::string>().empty());
  // A valid Deployment: its selector matches the template's labels.
  auto d = Do("POST", "/apis/apps/v1/namespaces/default/deployments",
              {{"metadata", {{"name", "d"}}},
               {"spec",
                {{"replicas", 1},
                 {"selector", {{"matchLabels", {{"app", "d"}}}}},
                 {"template",
                  {{"metadata", {{"labels", {{"app", "d"}}}}},
                   {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}}}}}});
  ASSERT_EQ(d.status, 201) << d.raw.body;
  EXPECT_EQ(d.body["metadata"]["generation"], 1);
}

TEST_F(ApiCoreTest, CreateErrors) {
  json cm = {{"metadata", {{"name", "c"}}}};
  ASSERT_EQ(Do("POST", "/api/v1/namespaces/default/configmaps", cm).status, 201);
  auto dup = Do("POST", "/api/v1/namespaces/default/configmaps", cm);
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body["reason"], "AlreadyExists");
  EXPECT_EQ(dup.body["message"], "configmaps \"c\" already exists");
  EXPECT_EQ(dup.body["details"], json({{"name", "c"}, {"kind", "configmaps"}}));
  EXPECT_EQ(dup.body["kind"], "Status");
  EXPECT_EQ(dup.body["status"], "Failure");

  auto wrong_ns = Do("POST", "/api/v1/namespaces/default/configmaps",
                     {{"metadata", {{"name", "x"}, {"namespace", "other"}}}});
  EXPECT_EQ(wrong_ns.status, 400);
  auto missing_ns = Do("POST", "/api/v1/namespaces/nope/configmaps", cm);
  EXPECT_EQ(missing_ns.status, 404);
  EXPECT_EQ(missing_ns.body["message"], "namespaces \"nope\" not found");
  auto no_name =
      Do("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", json::object()}});
  EXPECT_EQ(no_name.status, 422);
  EXPECT_EQ(no_name.body["reason"], "Invalid");
  auto with_rv = Do("POST", "/api/v1/namespaces/default/configmaps",
                    {{"metadata", {{"name", "y"}, {"resourceVersion", "5"}}}});
  EXPECT_EQ(with_rv.status, 500);
  EXPECT_EQ(with_rv.body["message"], "resourceVersion should not be set on objects to be created");
  EXPECT_EQ(Do("POST", "/api/v1/namespaces/default/configmaps", "{not json").status, 400);
  auto bad_name =
      Do("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "Bad_Name"}}}});
  EXPECT_EQ(bad_name.status, 422);
  auto unknown = Do("GET", "/apis/nope.io/v1/things");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["message"], "the server could not find the requested resource");
}

TEST_F(ApiCoreTest, GenerateNameYieldsUniqueNames) {
  std::set<std::string> names;
  for (int i = 0; i < 20; ++i) {
    auto r = Do("POST", "/api/v1/namespaces/default/pods",
                {{"metadata", {{"generateName", "train-"}}}, {"spec", PodBody("x")["spec"]}});
    ASSERT_EQ(r.status, 201);
    std::string name = r.body["metadata"]["name"];
    EXPECT_EQ(name.size(), 11u);
    EXPECT_EQ(name.rfind("train-", 0), 0u);
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 20u);
}

TEST_F(ApiCoreTest, ResourceVersionIsGlobalAndIncreasing) {
  auto a = Do("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "a"}}}});
  auto n = Do("POST", "/api/v1/nodes", {{"metadata", {{"name", "n"}}}});
  int64_t rva = std::stoll(a.body["metadata"]["resourceVersion"].get<std::string>());
  int64_t rvn = std::stoll(n.body["metadata"]["resourceVersion"].get<std::string>());
  EXPECT_GT(rvn, rva);
  auto list = Do("GET", "/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(list.body["kind"], "ConfigMapList");
  EXPECT_GE(std::stoll(list.body["metadata"]["resourceVersion"].get<std::string>()), rvn);
  auto empty = Do("GET", "/api/v1/namespaces/kube-public/configmaps");
  EXPECT_TRUE(empty.body["items"].is_array());
  EXPECT_TRUE(empty.body["items"].empty());
}

TEST_F(ApiCoreTest, UpdateConcurrency) {
  auto c = Do("POST", "/api/v1/namespaces/default/configmaps",
              {{"metadata", {{"name", "c"}}}, {"data", {{"k", "1"}}}});
  json stale = c.body;
  json fresh = c.body;
  fresh["data"]["k"] = "2";
  auto ok = Do("PUT", "/api/v1/namespaces/default/configmaps/c", fresh);
  ASSERT_EQ(ok.status, 200) << ok.raw.body;
  EXPECT_NE(ok.body["metadata"]["resourceVersion"], c.body["metadata"]["resourceVersion"]);
  stale["data"]["k"] = "3";
  auto conflict = Do("PUT", "/api/v1/namespaces/default/configmaps/c", stale);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body["reason"], "Conflict");
  EXPECT_EQ(
      conflict.body["message"],
      "Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please "
      "apply your changes to the latest version and try again");
  // Built-ins: PUT without resourceVersion is unconditional.
  json unconditional = stale;
  unconditional["metadata"].erase("resourceVersion");
  EXPECT_EQ(Do("PUT", "/api/v1/namespaces/default/configmaps/c", unconditional).status, 200);
  // Name mismatch.
  json renamed = unconditional;
  renamed["metadata"]["name"] = "other";
  EXPECT_EQ(Do("PUT", "/api/v1/namespaces/default/configmaps/c", renamed).status, 400);
  EXPECT_EQ(
      Do("PUT", "/api/v1/namespaces/default/configmaps/nope", json{{"metadata", json::object()}})
          .status,
      404);
}

TEST_F(ApiCoreTest, PatchTypes) {
  Do("POST", "/api/v1/namespaces/default/configmaps",
     {{"metadata", {{"name", "c"}, {"labels", {{"old", "1"}}}}}});
  auto merge = Do("PATCH", "/api/v1/namespaces/default/configmaps/c",
                  {{"metadata", {{"labels", {{"old", nullptr}, {"new", "x"}}}}}},
                  "application/merge-patch+json");
  ASSERT_EQ(merge.status, 200);
  EXPECT_EQ(merge.body["metadata"]["labels"], json({{"new", "x"}}));
  auto stale = Do("PATCH", "/api/v1/namespaces/default/configmaps/c",
                  {{"metadata", {{"resourceVersion", "1"}, {"labels", {{"a", "b"}}}}}},
                  "application/merge-patch+json");
  EXPECT_EQ(stale.status, 409);
  auto test_fail = Do("PATCH", "/api/v1/namespaces/default/configmaps/c",
                      json::parse(R"([{"op":"test","path":"/metadata/labels/new","value":"y"}])"),
                      "application/json-patch+json");
  EXPECT_EQ(test_fail.status, 422);
  auto smp = Do("PATCH", "/api/v1/namespaces/default/configmaps/c",
                {{"metadata", {{"finalizers", {"a"}}}}}, "application/strategic-merge-patch+json");
  ASSERT_EQ(smp.status, 200);
  smp = Do("PATCH", "/api/v1/namespaces/default/configmaps/c",
           {{"metadata", {{"finalizers", {"b"}}}}}, "application/strategic-merge-patch+json");
  EXPECT_EQ(smp.body["metadata"]["finalizers"], json({"a", "b"}));
  EXPECT_EQ(
      Do("PATCH", "/api/v1/namespaces/default/configmaps/c", json::object(), "text/plain").status,
      415);
  EXPECT_EQ(Do("PATCH", "/api/v1/namespaces/default/configmaps/nope", json::object(),
               "application/merge-patch+json")
                .status,
            404);
}

TEST_F(ApiCoreTest, FinalizersDelayDeletion) {
  Do("POST", "/api/v1/namespaces/default/configmaps",
     {{"metadata", {{"name", "c"}, {"finalizers", {"example.com/x"}}}}});
  auto w = Watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" +
                 std::to_string(api_.store().CurrentRv()));
  auto del = Do("DELETE", "/api/v1/namespaces/default/configmaps/c");
  ASSERT_EQ(del.status, 200);
  EXPECT_EQ(del.body["metadata"]["deletionTimestamp"], "2025-03-01T08:00:00Z");
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/default/configmaps/c").status, 200);
  EXPECT_EQ(Do("DELETE", "/api/v1/namespaces/default/configmaps/c").status,
            200);  // harmless repeat
  auto add = Do("PATCH", "/api/v1/namespaces/default/configmaps/c",
                {{"metadata", {{"finalizers", {"example.com/x", "new"}}}}},
                "application/merge-patch+json");
  EXPECT_EQ(add.status, 422);
  auto remove = Do("PATCH", "/api/v1/namespaces/default/configmaps/c",
                   {{"metadata", {{"finalizers", nullptr}}}}, "application/merge-patch+json");
  ASSERT_EQ(remove.status, 200);
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/default/configmaps/c").status, 404);
  auto events = Events(*w);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["type"], "MODIFIED");
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_FALSE(events[1]["object"]["metadata"].contains("finalizers"));
  EXPECT_EQ(events[2]["type"], "DELETED");
}

TEST_F(ApiCoreTest, DeletePreconditions) {
  auto c = Do("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "c"}}}});
  auto bad = Do("DELETE", "/api/v1/namespaces/default/configmaps/c",
                {{"preconditions", {{"uid", "nope"}}}});
  EXPECT_EQ(bad.status, 409);
  auto ok = Do("DELETE", "/api/v1/namespaces/default/configmaps/c",
               {{"preconditions", {{"uid", c.body["metadata"]["uid"]}}}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body["kind"], "ConfigMap");
  EXPECT_EQ(Do("DELETE", "/api/v1/namespaces/default/configmaps/c").status, 404);
}

TEST_F(ApiCoreTest, PaginationUsesOneSnapshot) {
  for (int i = 0; i < 5; ++i) {
    Do("POST", "/api/v1/namespaces/default/configmaps",
       {{"metadata", {{"name", "c" + std::to_string(i)}}}});
  }
  auto p1 = Do("GET", "/api/v1/namespaces/default/configmaps?limit=2");
  ASSERT_EQ(p1.body["items"].size(), 2u);
  EXPECT_EQ(p1.body["metadata"]["remainingItemCount"], 3);
  std::string rv = p1.body["metadata"]["resourceVersion"];
  Do("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "late"}}}});
  std::vector<std::string> names;
  for (const auto& i : p1.body["items"]) names.push_back(i["metadata"]["name"]);
  std::string cont = p1.body["metadata"]["continue"];
  while (!cont.empty()) {
    auto p = Do("GET", "/api/v1/namespaces/default/configmaps?limit=2&continue=" + cont);
    ASSERT_EQ(p.status, 200);
    EXPECT_EQ(p.body["metadata"]["resourceVersion"], rv);
    for (const auto& i : p.body["items"]) names.push_back(i["metadata"]["name"]);
    cont = p.body["metadata"].value("continue", "");
  }
  EXPECT_EQ(names, (std::vector<std::string>{"c0", "c1", "c2", "c3", "c4"}));
  auto garbage = Do("GET", "/api/v1/namespaces/default/configmaps?limit=2&continue=garbage");
  EXPECT_EQ(garbage.status, 410);
  EXPECT_EQ(garbage.body["reason"], "Expired");
  // An old resourceVersion without limit returns current state.
  auto old = Do("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=1");
  EXPECT_EQ(old.status, 200);
  EXPECT_EQ(old.body["items"].size(), 6u);
}

TEST_F(ApiCoreTest, SelectorsFilterLists) {
  Do("POST", "/api/v1/namespaces/default/configmaps",
     {{"metadata", {{"name", "a"}, {"labels", {{"tier", "gpu"}}}}}});
  Do("POST", "/api/v1/namespaces/default/configmaps",
     {{"metadata", {{"name", "b"}, {"labels", {{"tier", "cpu"}}}}}});
  auto gpu = Do("GET", "/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dgpu");
  ASSERT_EQ(gpu.body["items"].size(), 1u);
  EXPECT_EQ(gpu.body["items"][0]["metadata"]["name"], "a");
  auto notin = Do("GET", "/api/v1/configmaps?labelSelector=tier+notin+(gpu)");
  ASSERT_EQ(notin.body["items"].size(), 1u);
  auto byname = Do("GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Db");
  ASSERT_EQ(byname.body["items"].size(), 1u);
  auto bad = Do("GET", "/api/v1/configmaps?fieldSelector=spec.foo%3Db");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["message"], "field label not supported: spec.foo");
}

TEST_F(ApiCoreTest, LeaseMicroTimeRoundTripsAndConflicts) {
  json lease = json::parse(R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
    "metadata":{"name":"fairway"},"spec":{"holderIdentity":"a_1","leaseDurationSeconds":15,
    "acquireTime":"2025-03-01T08:00:00.000000Z","renewTime":"2025-03-01T08:04:58.120455Z","leaseTransitions":2}})");
  auto c = Do("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", lease);
  ASSERT_EQ(c.status, 201);
  EXPECT_EQ(c.body["spec"]["renewTime"], "2025-03-01T08:04:58.120455Z");
  EXPECT_NE(c.raw.body.find("\"renewTime\":\"2025-03-01T08:04:58.120455Z\""), std::string::npos);
  EXPECT_EQ(Do("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", lease).status,
            409);
  json a = c.body;
  json b = c.body;
  a["spec"]["holderIdentity"] = "a_2";
  b["spec"]["holderIdentity"] = "b_1";
  EXPECT_EQ(Do("PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/fairway", a).status,
            200);
  EXPECT_EQ(Do("PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/fairway", b).status,
            409);
  EXPECT_EQ(Do("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/fairway")
                .body["spec"]["holderIdentity"],
            "a_2");
}

TEST_F(ApiCoreTest, EventsAreOneStoreWithTwoViews) {
  json v1 =
      json::parse(R"({"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"p.1"},
    "eventTime":"2025-03-01T08:00:00.000000Z","reportingController":"fairway.dev/scheduler",
    "reportingInstance":"s-1","action":"Scheduling","reason":"FailedScheduling","type":"Warning",
    "note":"0/4 nodes","regarding":{"kind":"Pod","name":"p","namespace":"default","uid":"u1"}})");
  auto c = Do("POST", "/apis/events.k8s.io/v1/namespaces/default/events", v1);
  ASSERT_EQ(c.status, 201) << c.raw.body;
  EXPECT_EQ(c.body["note"], "0/4 nodes");
  auto core = Do("GET", "/api/v1/namespaces/default/events/p.1");
  ASSERT_EQ(core.status, 200);
  EXPECT_EQ(core.body["message"], "0/4 nodes");
  EXPECT_EQ(core.body["involvedObject"]["name"], "p");
  EXPECT_EQ(core.body["reportingComponent"], "fairway.dev/scheduler");
  Do("POST", "/api/v1/namespaces/default/events",
     json::parse(
         R"({"metadata":{"name":"q.1"},"involvedObject":{"kind":"Pod","name":"q","namespace":"default"},
                     "reason":"Started","message":"m","type":"Normal"})"));
  auto selected = Do("GET",
                     "/api/v1/namespaces/default/"
                     "events?fieldSelector=involvedObject.name%3Dp,involvedObject.uid%3Du1");
  ASSERT_EQ(selected.body["items"].size(), 1u);
  auto v1list = Do("GET", "/apis/events.k8s.io/v1/namespaces/default/events");
  EXPECT_EQ(v1list.body["items"].size(), 2u);
  json invalid = v1;
  invalid["metadata"]["name"] = "p.2";
  invalid.erase("eventTime");
  invalid.erase("action");
  invalid["type"] = "Bad";
  auto bad = Do("POST", "/apis/events.k8s.io/v1/namespaces/default/events", invalid);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body["details"]["causes"].size(), 3u);
}

TEST_F(ApiCoreTest, TableOutputForBuiltins) {
  Do("POST", "/api/v1/nodes",
     {{"metadata", {{"name", "n1"}}},
      {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}});
  auto t = Do("GET", "/api/v1/nodes", nullptr, "application/json",
              "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  ASSERT_EQ(t.status, 200);
  EXPECT_EQ(t.body["kind"], "Table");
  EXPECT_EQ(t.body["rows"][0]["cells"][0], "n1");
  EXPECT_EQ(t.body["rows"][0]["cells"][1], "Ready");
  EXPECT_EQ(t.body["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  auto one = Do("GET", "/api/v1/nodes/n1?includeObject=Object", nullptr, "application/json",
                "application/json;as=Table;v=v1;g=meta.k8s.io");
  EXPECT_EQ(one.body["rows"][0]["object"]["kind"], "Node");
}

TEST_F(ApiCoreTest, NodeCreateKeepsStatus) {
  auto n = Do(
      "POST", "/api/v1/nodes",
      {{"metadata", {{"name", "n1"}}}, {"status", {{"allocatable", {{"nvidia.com/gpu", "8"}}}}}});
  EXPECT_EQ(n.body["status"]["allocatable"]["nvidia.com/gpu"], "8");
}

TEST_F(ApiCoreTest, NamespaceDeletionRemovesContents) {
  Do("POST", "/api/v1/namespaces", {{"metadata", {{"name", "ml"}}}});
  Do("POST", "/api/v1/namespaces/ml/configmaps", {{"metadata", {{"name", "c"}}}});
  EXPECT_EQ(Do("DELETE", "/api/v1/namespaces/ml").status, 200);
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/ml/configmaps/c").status, 404);
  EXPECT_EQ(Do("POST", "/api/v1/namespaces/ml/configmaps", {{"metadata", {{"name", "c"}}}}).status,
            404);
}

TEST_F(ApiCoreTest, OwnerReferencesAreGarbageCollected) {
  auto owner =
      Do("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "owner"}}}});
  json ref = {{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"name", "owner"},
              {"uid", owner.body["metadata"]["uid"]}};
  Do("POST", "/api/v1/namespaces/default/configmaps",
     {{"metadata", {{"name", "dep"}, {"ownerReferences", {ref}}}}});
  Do("DELETE", "/api/v1/namespaces/default/configmaps/owner");
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/default/configmaps/dep").status, 404);
}

TEST_F(ApiCoreTest, FaultInjection) {
  api_.faults().AddRule({"list", "configmaps", 429, 2, 3, ""});
  auto r1 = Do("GET", "/api/v1/namespaces/default/configmaps");
  EXPECT_EQ(r1.status, 429);
  EXPECT_EQ(r1.body["reason"], "TooManyRequests");
  ASSERT_EQ(r1.raw.headers.size(), 1u);
  EXPECT_EQ(r1.raw.headers[0], (std::pair<std::string, std::string>{"Retry-After", "3"}));
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/default/configmaps").status, 429);
  EXPECT_EQ(Do("GET", "/api/v1/namespaces/default/configmaps").status, 200);
  // Over the admin endpoint.
  auto add = Do("POST", "/sandbox/faults", {{"verb", "create"}, {"resource", "*"}, {"code", 503}});
  ASSERT_EQ(add.status, 200);
  EXPECT_EQ(
      Do("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "x"}}}}).status,
      503);
  EXPECT_EQ(
      Do("POST", "/api/v1/namespaces/default/configmaps", {{"metadata", {{"name", "x"}}}}).status,
      201);
  Do("POST", "/sandbox/faults/unauthorized", {{"count", 1}});
  EXPECT_EQ(Do("GET", "/api/v1/nodes").status, 401);
  EXPECT_EQ(Do("GET", "/api/v1/nodes").status, 200);
  Do("POST", "/sandbox/faults", {{"verb", "update"}, {"resource", "configmaps"}, {"code", 409}});
  json cm = Do("GET", "/api/v1/namespaces/default/configmaps/x").body;
  EXPECT_EQ(Do("PUT", "/api/v1/namespaces/default/configmaps/x", cm).status, 409);
  EXPECT_EQ(Do("DELETE", "/sandbox/faults").status, 200);
  EXPECT_TRUE(api_.faults().rules().empty());
}

TEST_F(ApiCoreTest, BodyFormats) {
  // Protobuf is decoded (protobuf_test.cc): the bare magic is an empty Namespace, so no name.
  auto proto = Do("POST", "/api/v1/namespaces", std::string("k8s\0", 4),
                  "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(proto.status, 422);
  EXPECT_EQ(proto.body["reason"], "Invalid");
  auto cbor = Do("POST", "/api/v1/namespaces", std::string("\xd9\xd9\xf7", 3), "application/cbor");
  EXPECT_EQ(cbor.status, 415);
  EXPECT_EQ(cbor.body["reason"], "UnsupportedMediaType");
  auto yaml = Do("POST", "/api/v1/namespaces/default/configmaps",
                 std::string("metadata:\n  name: y\ndata:\n  k: v\n"), "application/yaml");
  ASSERT_EQ(yaml.status, 201) << yaml.raw.body;
  EXPECT_EQ(yaml.body["data"]["k"], "v");
  auto review = Do("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                   {{"apiVersion", "authorization.k8s.io/v1"},
                    {"kind", "SelfSubjectAccessReview"},
                    {"spec", {{"resourceAttributes", {{"verb", "get"}, {"resource", "pods"}}}}}});
  EXPECT_EQ(review.status, 201);
  EXPECT_EQ(review.body["status"]["allowed"], true);
}

// {"metadata":{"name":NAME},"x":[[...]]}, nested `depth` levels (the object is the first).
std::string NestedBody(const std::string& name, size_t depth) {
  return R"({"metadata":{"name":")" + name + R"("},"x":)" + std::string(depth - 1, '[') +
         std::string(depth - 1, ']') + "}";
}

TEST_F(ApiCoreTest, BodiesNestedBeyondTheLimitAreBadRequestNotACrash) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  // 200 KB nested 100,000 deep used to overflow the stack.
  auto deep = Do("POST", cms, NestedBody("deep", 100000));
  EXPECT_EQ(deep.status, 400);
  EXPECT_EQ(deep.body["reason"], "BadRequest");
  EXPECT_EQ(deep.body["message"],
            "the body of the request could not be decoded: it nests more than 1000 levels deep");
  // Every body is checked before anything parses it: patches, YAML, the admin routes.
  EXPECT_EQ(Do("PATCH", cms + "/deep", NestedBody("deep", kMaxJsonDepth + 1),
               "application/merge-patch+json")
                .status,
            400);
  EXPECT_EQ(Do("POST", cms, "metadata: {name: y}\nx: " + std::string(5000, '['), "application/yaml")
                .status,
            400);
  EXPECT_EQ(Do("POST", "/sandbox/faults", std::string(5000, '[')).status, 400);
  // At the limit the object is stored and served whole.
  auto at_limit = Do("POST", cms, NestedBody("limit", kMaxJsonDepth));
  ASSERT_EQ(at_limit.status, 201) << at_limit.raw.body.substr(0, 300);
  auto get = Do("GET", cms + "/limit");
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(get.body["x"], json::parse(NestedBody("limit", kMaxJsonDepth))["x"]);
}

TEST_F(ApiCoreTest, Discovery) {
  auto api = Do("GET", "/api");
  EXPECT_EQ(api.body["kind"], "APIVersions");
  EXPECT_EQ(api.body["versions"], json({"v1"}));
  auto v1 = Do("GET", "/api/v1");
  EXPECT_EQ(v1.body["kind"], "APIResourceList");
  bool binding = false;
  bool eviction = false;
  for (const auto& r : v1.body["resources"]) {
    if (r["name"] == "pods/binding") binding = r["verbs"] == json({"create"});
    if (r["name"] == "pods/eviction") eviction = r["group"] == "policy" && r["kind"] == "Eviction";
  }
  EXPECT_TRUE(binding);
  EXPECT_TRUE(eviction);
  auto apis = Do("GET", "/apis");
  EXPECT_EQ(apis.body["kind"], "APIGroupList");
  auto apps = Do("GET", "/apis/apps");
  EXPECT_EQ(apps.body["kind"], "APIGroup");
  EXPECT_EQ(apps.body["preferredVersion"]["groupVersion"], "apps/v1");
  EXPECT_EQ(Do("GET", "/version").body["major"], "1");
  EXPECT_EQ(Do("GET", "/apis/nope").status, 404);
  EXPECT_EQ(Do("GET", "/openapi/v3").status, 200);
  EXPECT_EQ(Do("GET", "/openapi/v3/apis/apps/v1").body["openapi"], "3.0.0");
}

}  // namespace
}  // namespace fairway::sandbox
