// Watch semantics through ApiServer::Handle (in-process WatchStream).
#include "api_test_util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;
using ApiWatchTest = testing::ApiServerTest;

const std::string kPods = "/api/v1/namespaces/default/pods";

TEST_F(ApiWatchTest, UnsetResourceVersionReplaysAdded) {
  Do("POST", kPods, PodBody("a"));
  Do("POST", kPods, PodBody("b"));
  auto w = Watch("/api/v1/pods?watch=1");
  auto events = Events(*w);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[0]["object"]["kind"], "Pod");
  EXPECT_EQ(events[0]["object"]["apiVersion"], "v1");
  auto zero = Watch("/api/v1/pods?watch=true&resourceVersion=0");
  EXPECT_EQ(Events(*zero).size(), 2u);
}

TEST_F(ApiWatchTest, FromRevisionSendsOnlyLaterChangesInOrder) {
  std::string rv = Do("POST", kPods, PodBody("a")).body["metadata"]["resourceVersion"];
  auto w = Watch(kPods + "?watch=1&resourceVersion=" + rv);
  EXPECT_TRUE(Events(*w).empty());
  Do("PATCH", kPods + "/a", {{"metadata", {{"labels", {{"x", "1"}}}}}},
     "application/merge-patch+json");
  Do("DELETE", kPods + "/a");
  auto events = Events(*w);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "MODIFIED");
  EXPECT_EQ(events[1]["type"], "DELETED");
  EXPECT_GT(std::stoll(events[1]["object"]["metadata"]["resourceVersion"].get<std::string>()),
            std::stoll(events[0]["object"]["metadata"]["resourceVersion"].get<std::string>()));
  EXPECT_EQ(events[1]["object"]["metadata"]["labels"]["x"], "1");
}

TEST_F(ApiWatchTest, SelectorTransitionsBecomeAddedAndDeleted) {
  Do("POST", kPods, PodBody("a"));
  auto w =
      Watch("/api/v1/pods?watch=1&fieldSelector=status.phase!%3DSucceeded,status.phase!%3DFailed");
  ASSERT_EQ(Events(*w).size(), 1u);
  Do("PATCH", kPods + "/a/status", {{"status", {{"phase", "Succeeded"}}}},
     "application/merge-patch+json");
  auto left = Events(*w);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["type"], "DELETED");
  EXPECT_EQ(left[0]["object"]["status"]["phase"], "Pending");  // previous content
  auto lw = Watch("/api/v1/pods?watch=1&labelSelector=team%3Dml&resourceVersion=" +
                  std::to_string(api_.store().CurrentRv()));
  Do("PATCH", kPods + "/a", {{"metadata", {{"labels", {{"team", "ml"}}}}}},
     "application/merge-patch+json");
  auto entered = Events(*lw);
  ASSERT_EQ(entered.size(), 1u);
  EXPECT_EQ(entered[0]["type"], "ADDED");
}

TEST_F(ApiWatchTest, BookmarksCarryOnlyTheResourceVersion) {
  auto w = Watch("/api/v1/pods?watch=1&allowWatchBookmarks=true");
  clock_.Advance(std::chrono::seconds(2));
  auto events = Events(*w);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "BOOKMARK");
  EXPECT_EQ(events[0]["object"],
            json({{"kind", "Pod"},
                  {"apiVersion", "v1"},
                  {"metadata", {{"resourceVersion", std::to_string(api_.store().CurrentRv())}}}}));
  auto nobm = Watch("/api/v1/pods?watch=1");
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_TRUE(Events(*nobm).empty());
}

TEST_F(ApiWatchTest, BooleanParametersDecodeAsKubeApiserverDecodesThem) {
  // apimachinery's Convert_Slice_string_To_bool: "0" and any case of "false" are false, every
  // other value (the empty one too) is true; the first of repeated values counts.
  for (const std::string query : {"watch=1", "watch=true", "watch=True", "watch=TRUE", "watch=t",
                                  "watch=yes", "watch=", "watch", "watch=true&watch=false"}) {
    HttpRequest req;
    req.method = "GET";
    req.target = "/api/v1/pods?" + query;
    HandlerReply r = api_.Handle(req);
    EXPECT_NE(r.watch, nullptr) << query << ": " << r.response.body;
    if (r.watch) r.watch->Close();
  }
  for (const std::string query :
       {"watch=0", "watch=false", "watch=False", "watch=FALSE", "watch=fAlSe", "watch=0&watch=1"}) {
    auto r = Do("GET", "/api/v1/pods?" + query);
    EXPECT_EQ(r.status, 200) << query;
    EXPECT_EQ(r.body["kind"], "PodList") << query;
  }
  // The Python client's spelling turns bookmarks on too.
  auto w = Watch("/api/v1/pods?watch=True&allowWatchBookmarks=True");
  clock_.Advance(std::chrono::seconds(2));
  auto events = Events(*w);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "BOOKMARK");
}

TEST_F(ApiWatchTest, CompactedRevisionGivesErrorEventThenEnd) {
  Do("POST", kPods, PodBody("a"));
  Do("POST", kPods, PodBody("b"));
  ASSERT_EQ(Do("POST", "/sandbox/compact").status, 200);
  auto w = Watch(kPods + "?watch=1&resourceVersion=1");
  bool alive = true;
  auto events = Events(*w, &alive);
  EXPECT_FALSE(alive);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ERROR");
  EXPECT_EQ(events[0]["object"]["code"], 410);
  EXPECT_EQ(events[0]["object"]["reason"], "Expired");
  EXPECT_NE(events[0]["object"]["message"].get<std::string>().find("too old resource version"),
            std::string::npos);
}

TEST_F(ApiWatchTest, DropEndsStreamsAndBadRequestsFailBeforeStreaming) {
  auto w = Watch("/api/v1/pods?watch=1");
  Do("POST", "/sandbox/watches/drop");
  bool alive = true;
  Events(*w, &alive);
  EXPECT_FALSE(alive);
  EXPECT_EQ(Do("GET", "/api/v1/pods?watch=1&labelSelector=a+in+(").status, 400);
  EXPECT_EQ(Do("GET", "/api/v1/pods?watch=1&sendInitialEvents=true").status, 400);
  EXPECT_EQ(Do("GET", "/apis/nope/v1/things?watch=1").status, 404);
}

TEST_F(ApiWatchTest, TableWatchEvents) {
  Do("POST", kPods, PodBody("a"));
  auto w = Watch("/api/v1/namespaces/default/pods?watch=1",
                 "application/json;as=Table;v=v1;g=meta.k8s.io");
  auto events = Events(*w);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["object"]["kind"], "Table");
  EXPECT_EQ(events[0]["object"]["rows"][0]["cells"][0], "a");
}

TEST_F(ApiWatchTest, EventsV1ViewOfCoreEvents) {
  auto w = Watch("/apis/events.k8s.io/v1/namespaces/default/events?watch=1");
  Do("POST", "/api/v1/namespaces/default/events",
     json::parse(
         R"({"metadata":{"name":"e"},"involvedObject":{"kind":"Pod","name":"p"},"message":"hi","reason":"R"})"));
  auto events = Events(*w);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["object"]["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(events[0]["object"]["note"], "hi");
  EXPECT_EQ(events[0]["object"]["regarding"]["name"], "p");
}

}  // namespace
}  // namespace fairway::sandbox
