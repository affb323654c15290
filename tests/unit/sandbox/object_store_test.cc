#include "sandbox/object_store.h"

#include <gtest/gtest.h>

namespace fairway::sandbox {
namespace {

const ResourceRef kPods{"", "pods", "/pods"};

nlohmann::json Pod(const std::string& ns, const std::string& name) {
  return {{"metadata", {{"namespace", ns}, {"name", name}}}, {"spec", {{"x", 1}}}};
}

int64_t Rv(const ObjectPtr& o) {
  return std::stoll((*o)["metadata"]["resourceVersion"].get<std::string>());
}

Result<Mutation> Replace(nlohmann::json obj) {
  Mutation m;
  m.kind = Mutation::kReplace;
  m.object = std::move(obj);
  return m;
}

TEST(ObjectStoreTest, EveryWriteBumpsTheGlobalRevision) {
  ObjectStore store;
  auto a = store.Create(kPods, Pod("ns", "a"));
  ASSERT_TRUE(a.ok());
  auto b = store.Create({"", "nodes", "/nodes"}, {{"metadata", {{"name", "n"}}}});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(Rv(*a) + 1, Rv(*b));
  auto m = store.Mutate(kPods, "ns", "a", [](const nlohmann::json& cur) {
    nlohmann::json next = cur;
    next["spec"]["x"] = 2;
    return Replace(next);
  });
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(Rv(m->object), Rv(*b) + 1);
  EXPECT_EQ(store.CurrentRv(), Rv(m->object));
  EXPECT_EQ((*m->object)["metadata"]["resourceVersion"], std::to_string(store.CurrentRv()));
}

TEST(ObjectStoreTest, DuplicateCreateIsAlreadyExists) {
  ObjectStore store;
  ASSERT_TRUE(store.Create(kPods, Pod("ns", "a")).ok());
  auto again = store.Create(kPods, Pod("ns", "a"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), 409);
  EXPECT_EQ(again.error().reason(), "AlreadyExists");
  EXPECT_EQ(again.error().message(), "pods \"a\" already exists");
  EXPECT_TRUE(store.Create(kPods, Pod("other", "a")).ok());
}

TEST(ObjectStoreTest, IdenticalReplaceIsNotAWrite) {
  ObjectStore store;
  ASSERT_TRUE(store.Create(kPods, Pod("ns", "a")).ok());
  int64_t before = store.CurrentRv();
  auto m = store.Mutate(kPods, "ns", "a", [](const nlohmann::json& cur) { return Replace(cur); });
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->changed);
  EXPECT_EQ(store.CurrentRv(), before);
}

TEST(ObjectStoreTest, MissingObjectIsNotFound) {
  ObjectStore store;
  auto m =
      store.Mutate(kPods, "ns", "nope", [](const nlohmann::json& cur) { return Replace(cur); });
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), 404);
  EXPECT_EQ(m.error().message(), "pods \"nope\" not found");
}

TEST(ObjectStoreTest, ListIsSortedAndFilteredByNamespace) {
  ObjectStore store;
  ASSERT_TRUE(store.Create(kPods, Pod("b", "z")).ok());
  ASSERT_TRUE(store.Create(kPods, Pod("a", "y")).ok());
  ASSERT_TRUE(store.Create(kPods, Pod("b", "x")).ok());
  auto all = store.List("/pods", "");
  ASSERT_EQ(all.items.size(), 3u);
  EXPECT_EQ((*all.items[0])["metadata"]["name"], "y");
  EXPECT_EQ(all.rv, store.CurrentRv());
  auto b = store.List("/pods", "b");
  ASSERT_EQ(b.items.size(), 2u);
  EXPECT_EQ((*b.items[0])["metadata"]["name"], "x");
}

TEST(ObjectStoreTest, WatchWithoutRevisionReplaysThenStreams) {
  int wakes = 0;  // outlives the store, whose destruction still wakes the watcher
  ObjectStore store;
  ASSERT_TRUE(store.Create(kPods, Pod("ns", "a")).ok());
  auto w = store.Watch("/pods", "", std::nullopt);
  ASSERT_TRUE(w.ok());
  (*w)->SetWakeup([&] { ++wakes; });
  ASSERT_TRUE(store.Create(kPods, Pod("ns", "b")).ok());
  EXPECT_EQ(wakes, 1);
  std::vector<StoreEvent> events;
  bool closed = false;
  store.Drain(**w, &events, &closed);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kAdded);
  EXPECT_EQ((*events[1].object)["metadata"]["name"], "b");
  EXPECT_FALSE(closed);
}

TEST(ObjectStoreTest, WatchFromRevisionSendsOnlyLaterEventsInOrder) {
  ObjectStore store;
  ASSERT_TRUE(store.Create(kPods, Pod("ns", "a")).ok());
  int64_t rv = store.CurrentRv();
  auto del = store.Mutate(kPods, "ns", "a", [](const nlohmann::json&) {
    Mutation m;
    m.kind = Mutation::kRemove;
    return Result<Mutation>(m);
  });
  ASSERT_TRUE(del.ok());
  EXPECT_TRUE(del->removed);
  auto w = store.Watch("/pods", "", rv);
  ASSERT_TRUE(w.ok());
  std::vector<StoreEvent> events;
  bool closed = false;
  store.Drain(**w, &events, &closed);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kDeleted);
  // DELETED carries the last state with the deletion's revision.
  EXPECT_EQ(Rv(events[0].object), rv + 1);
  EXPECT_EQ((*events[0].object)["spec"]["x"], 1);
}

TEST(ObjectStoreTest, CompactedRevisionIsExpired) {
  ObjectStore store;
  ASSERT_TRUE(store.Create(kPods, Pod("ns", "a")).ok());
  ASSERT_TRUE(store.Create(kPods, Pod("ns", "b")).ok());
  store.Compact();
  auto w = store.Watch("/pods", "", 1);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code(), 410);
  EXPECT_NE(w.error().message().find("too old resource version: 1"), std::string::npos);
  EXPECT_TRUE(store.Watch("/pods", "", store.CurrentRv()).ok());
}

TEST(ObjectStoreTest, HistoryLimitExpiresOldRevisions) {
  ObjectStore store(ObjectStore::Options{2, 100});
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store.Create(kPods, Pod("ns", "p" + std::to_string(i))).ok());
  EXPECT_FALSE(store.Watch("/pods", "", 1).ok());
  EXPECT_TRUE(store.Watch("/pods", "", 3).ok());
}

TEST(ObjectStoreTest, CloseAllWatchersEndsStreams) {
  ObjectStore store;
  auto w = store.Watch("/pods", "", std::nullopt);
  ASSERT_TRUE(w.ok());
  store.CloseAllWatchers();
  std::vector<StoreEvent> events;
  bool closed = false;
  store.Drain(**w, &events, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(store.WatcherCount(), 0u);
}

}  // namespace
}  // namespace fairway::sandbox
