// The kube client layer against an in-process sandbox API server over real HTTP and TLS.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "common/clock.h"
#include "kube/api_client.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/kube_config.h"
#include "kube/leader_election.h"
#include "kube/work_queue.h"
#include "sandbox/sandbox.h"

namespace fairway::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
namespace fs = std::filesystem;

json PodJson(const std::string& name, const std::string& ns = "default") {
  return {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", "t"}}}}},
      {"spec", {{"schedulerName", "fairway"}, {"containers", {{{"name", "c"}, {"image", "i"}}}}}}};
}

bool WaitFor(const std::function<bool()>& pred, milliseconds limit = milliseconds(8000)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return pred();
}

class KubeTest : public ::testing::Test {
 protected:
  void Start(bool tls) {
    sandbox::SandboxOptions o;
    o.tls = tls;
    o.api.bookmark_interval = milliseconds(200);
    auto sb = sandbox::Sandbox::Start(o, &clock_);
    ASSERT_TRUE(sb.ok()) << sb.status();
    sb_ = std::move(sb).value();
    dir_ = fs::temp_directory_path() /
           ("kube_it_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (sb_) sb_->Stop();
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  RestConfig Config() {
    RestConfig c;
    c.transport.server = sb_->url();
    c.transport.ca_pem = sb_->ca_pem();
    c.token = std::make_shared<StaticTokenSource>("t");
    c.qps = 0;  // tests measure behaviour, not throttling
    return c;
  }
  std::unique_ptr<RestApiClient> Client(RestConfig c) {
    RestClientOptions o;
    o.retry_backoff = {milliseconds(20), milliseconds(200), 2.0, 0.2};
    auto cl = RestApiClient::Create(c, &clock_, o);
    EXPECT_TRUE(cl.ok()) << cl.status();
    return std::move(cl).value();
  }
  std::unique_ptr<RestApiClient> Client() { return Client(Config()); }
  InformerOptions FastInformer() {
    InformerOptions o;
    o.reflector.backoff = {milliseconds(50), milliseconds(400), 2.0, 0.2};
    o.reflector.min_watch_timeout = seconds(300);
    o.reflector.max_watch_timeout = seconds(300);
    return o;
  }
  // Server-side truth: namespace/name -> resourceVersion.
  std::map<std::string, std::string> ServerPods(ApiClient* c) {
    std::map<std::string, std::string> out;
    auto l = c->List(ResourceRef::Pods(), "", {});
    EXPECT_TRUE(l.ok()) << l.status();
    for (auto& p : l->items) out[ObjectKey(p)] = p["metadata"]["resourceVersion"];
    return out;
  }
  std::map<std::string, std::string> CachePods(const Informer& inf) {
    std::map<std::string, std::string> out;
    for (auto& p : inf.cache().List()) out[ObjectKey(*p)] = (*p)["metadata"]["resourceVersion"];
    return out;
  }

  RealClock clock_;
  std::unique_ptr<sandbox::Sandbox> sb_;
  fs::path dir_;
};

class KubeCrudTest : public KubeTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override { Start(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(PlainAndTls, KubeCrudTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Tls" : "Plain"; });

TEST_P(KubeCrudTest, CrudPatchBindAndErrorMapping) {
  auto c = Client();
  auto created = c->Create(ResourceRef::Pods(), "default", PodJson("p1"));
  ASSERT_TRUE(created.ok()) << created.status();
  std::string uid = (*created)["metadata"]["uid"];
  std::string rv = (*created)["metadata"]["resourceVersion"];

  auto dup = c->Create(ResourceRef::Pods(), "default", PodJson("p1"));
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(dup.status().message().find("already exists"), std::string::npos) << dup.status();

  auto missing = c->Get(ResourceRef::Pods(), "default", "nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("pods \"nope\" not found"), std::string::npos)
      << missing.status();

  // Merge patch, then an update carrying the stale resourceVersion conflicts.
  auto patched = c->Patch(ResourceRef::Pods(), "default", "p1", PatchType::kMerge,
                          {{"metadata", {{"labels", {{"x", "1"}}}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  json stale = *created;
  stale["metadata"]["labels"]["y"] = "2";
  auto upd = c->Update(ResourceRef::Pods(), "default", stale);
  EXPECT_EQ(upd.status().code(), StatusCode::kAborted);
  EXPECT_NE(upd.status().message().find("the object has been modified"), std::string::npos);

  auto jp =
      c->Patch(ResourceRef::Pods(), "default", "p1", PatchType::kJson,
               json::array({{{"op", "test"}, {"path", "/metadata/labels/x"}, {"value", "nope"}}}));
  EXPECT_EQ(jp.status().code(), StatusCode::kInvalidArgument);

  auto sp = c->Patch(
      ResourceRef::Pods(), "default", "p1", PatchType::kStrategicMerge,
      {{"status",
        {{"conditions",
          {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"}}}}}}},
      "status");
  ASSERT_TRUE(sp.ok()) << sp.status();

  // Bind, then binding again conflicts.
  ASSERT_TRUE(c->Bind("default", "p1", "node-a", uid).ok());
  auto got = c->Get(ResourceRef::Pods(), "default", "p1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["spec"]["nodeName"], "node-a");
  EXPECT_EQ(c->Bind("default", "p1", "node-b").code(), StatusCode::kAborted);
  EXPECT_EQ(c->Bind("default", "ghost", "node-b").code(), StatusCode::kNotFound);

  // Delete with a wrong uid precondition conflicts; then a real delete; then NotFound.
  ASSERT_TRUE(c->Create(ResourceRef::Pods(), "default", PodJson("p2")).ok());
  DeleteOptions wrong;
  wrong.uid = "not-the-uid";
  EXPECT_EQ(c->Delete(ResourceRef::Pods(), "default", "p2", wrong).code(), StatusCode::kAborted);
  EXPECT_TRUE(c->Delete(ResourceRef::Pods(), "default", "p2").ok());
  EXPECT_EQ(c->Delete(ResourceRef::Pods(), "default", "p2").code(), StatusCode::kNotFound);

  // Leases: update with the read resourceVersion works, a stale one is Aborted.
  json lease = {{"metadata", {{"name", "l"}}}, {"spec", {{"holderIdentity", "a"}}}};
  auto l1 = c->Create(ResourceRef::Leases(), "default", lease);
  ASSERT_TRUE(l1.ok()) << l1.status();
  json l2 = *l1;
  l2["spec"]["holderIdentity"] = "b";
  ASSERT_TRUE(c->Update(ResourceRef::Leases(), "default", l2).ok());
  EXPECT_EQ(c->Update(ResourceRef::Leases(), "default", l2).status().code(), StatusCode::kAborted);
}

TEST_P(KubeCrudTest, PaginatedListSeesEverything) {
  auto c = Client();
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(c->Create(ResourceRef::Pods(), "default", PodJson("p" + std::to_string(i))).ok());
  ListOptions lo;
  lo.limit = 3;
  int64_t before = c->request_count();
  auto l = c->List(ResourceRef::Pods(), "default", lo);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->items.size(), 7u);
  EXPECT_EQ(c->request_count() - before, 3);
  EXPECT_FALSE(l->resource_version.empty());
  lo.label_selector = "app=other";
  EXPECT_TRUE(c->List(ResourceRef::Pods(), "", lo)->items.empty());
}

TEST_P(KubeCrudTest, KubeconfigFromSandboxWorks) {
  std::string path = (dir_ / "config").string();
  ASSERT_TRUE(sb_->WriteKubeconfig(path).ok());
  auto cfg = ResolveRestConfig(path, &clock_);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  auto c = Client(*cfg);
  auto l = c->List(ResourceRef::Namespaces(), "", {});
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_GE(l->items.size(), 1u);
}

class KubePlainTest : public KubeTest {
 protected:
  void SetUp() override { Start(false); }
};

TEST_F(KubePlainTest, TlsVerificationFailsWithWrongCa) {
  sb_->Stop();
  sb_.reset();
  Start(true);
  RestConfig cfg = Config();
  cfg.transport.ca_pem.clear();  // system roots do not know the sandbox CA
  auto c = Client(cfg);
  auto r = c->Get(ResourceRef::Namespaces(), "", "default");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  cfg.transport.insecure_skip_tls_verify = true;
  auto c2 = Client(cfg);
  EXPECT_TRUE(c2->Get(ResourceRef::Namespaces(), "", "default").ok());
}

TEST_F(KubePlainTest, RetryAfterHonouredForReadsOnly) {
  auto c = Client();
  sb_->api().faults().AddRule({"get", "namespaces", 429, 2, 1, ""});
  auto t0 = std::chrono::steady_clock::now();
  auto r = c->Get(ResourceRef::Namespaces(), "", "default");
  auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(elapsed, milliseconds(1900));  // 2 x Retry-After: 1
  EXPECT_EQ(c->request_count(), 3);

  sb_->api().faults().AddRule({"*", "pods", 503, 3, 0, ""});
  auto l = c->List(ResourceRef::Pods(), "default", {});
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(c->request_count(), 3 + 4);

  sb_->api().faults().AddRule({"create", "pods", 503, 1, 0, ""});
  auto cr = c->Create(ResourceRef::Pods(), "default", PodJson("x"));
  EXPECT_EQ(cr.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(c->request_count(), 3 + 4 + 1);
  sb_->api().faults().AddRule({"update", "pods", 409, 1, 0, ""});
  ASSERT_TRUE(c->Create(ResourceRef::Pods(), "default", PodJson("y")).ok());
  auto y = c->Get(ResourceRef::Pods(), "default", "y");
  EXPECT_EQ(c->Update(ResourceRef::Pods(), "default", *y).status().code(), StatusCode::kAborted);
}

TEST_F(KubePlainTest, TokenFileRotationAndReReadAfter401) {
  std::string path = (dir_ / "token").string();
  std::ofstream(path) << "first";
  RestConfig cfg = Config();
  cfg.token = std::make_shared<FileTokenSource>(path, &clock_);
  auto c = Client(cfg);
  ASSERT_TRUE(c->Get(ResourceRef::Namespaces(), "", "default").ok());
  std::ofstream(path) << "second";
  sb_->api().faults().FailAuth(1);
  auto r = c->Get(ResourceRef::Namespaces(), "", "default");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(c->request_count(), 3);  // the 401 and the retry with the re-read token
  sb_->api().faults().FailAuth(2);
  EXPECT_EQ(c->Get(ResourceRef::Namespaces(), "", "default").status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(KubePlainTest, InformerConvergesAfterDroppedWatchesAndIndexes) {
  auto c = Client();
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(c->Create(ResourceRef::Pods(), "default", PodJson("a" + std::to_string(i))).ok());
  auto wc = Client();
  Informer inf(wc.get(), ResourceRef::Pods(), "", &clock_, FastInformer());
  inf.AddIndex("nodeName", [](const json& p) -> std::vector<std::string> {
    auto it = p.find("spec");
    if (it == p.end() || !it->contains("nodeName")) return {};
    return {(*it)["nodeName"].get<std::string>()};
  });
  std::atomic<int> adds{0}, updates{0}, deletes{0};
  inf.AddEventHandler({[&](const ObjectPtr&) { adds++; },
                       [&](const ObjectPtr&, const ObjectPtr&) { updates++; },
                       [&](const ObjectPtr&) { deletes++; }});
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(seconds(5)));
  EXPECT_EQ(inf.cache().Size(), 5u);
  EXPECT_EQ(adds.load(), 5);

  for (int round = 0; round < 3; ++round) {
    sb_->api().store().CloseAllWatchers();
    ASSERT_TRUE(
        c->Create(ResourceRef::Pods(), "default", PodJson("r" + std::to_string(round))).ok());
    ASSERT_TRUE(c->Delete(ResourceRef::Pods(), "default", "a" + std::to_string(round)).ok());
    ASSERT_TRUE(c->Bind("default", "a4", "n" + std::to_string(round)).ok() || round > 0);
  }
  EXPECT_TRUE(WaitFor([&] { return CachePods(inf) == ServerPods(c.get()); }));
  EXPECT_EQ(inf.cache().ByIndex("nodeName", "n0").size(), 1u);
  EXPECT_EQ(deletes.load(), 3);
  EXPECT_EQ(inf.reflector().list_count(), 1);  // dropped watches resume, no relist
  EXPECT_GE(inf.reflector().watch_count(), 2);
  inf.Stop();
}

// The transform runs on every listed and watched object, deletes included, before the cache
// and the handlers see it.
TEST_F(KubePlainTest, InformerTransformAppliesToListsWatchesAndDeletes) {
  auto c = Client();
  ASSERT_TRUE(c->Create(ResourceRef::Pods(), "default", PodJson("listed")).ok());
  auto wc = Client();
  InformerOptions o = FastInformer();
  o.transform = [](json pod) {
    pod["metadata"]["labels"]["transformed"] = "yes";
    pod.erase("spec");
    return pod;
  };
  Informer inf(wc.get(), ResourceRef::Pods(), "", &clock_, o);
  std::atomic<int> transformed_deletes{0};
  inf.AddEventHandler({nullptr, nullptr, [&](const ObjectPtr& p) {
                         if ((*p)["metadata"]["labels"].value("transformed", "") == "yes")
                           transformed_deletes++;
                       }});
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(seconds(5)));
  ASSERT_TRUE(c->Create(ResourceRef::Pods(), "default", PodJson("watched")).ok());
  ASSERT_TRUE(WaitFor([&] { return inf.cache().Size() == 2; }));
  for (const ObjectPtr& p : inf.cache().List()) {
    EXPECT_EQ((*p)["metadata"]["labels"].value("transformed", ""), "yes") << ObjectKey(*p);
    EXPECT_FALSE(p->contains("spec"));
  }
  ASSERT_TRUE(c->Delete(ResourceRef::Pods(), "default", "listed").ok());
  EXPECT_TRUE(WaitFor([&] { return transformed_deletes.load() == 1; }));
  inf.Stop();
}

TEST_F(KubePlainTest, InformerRelistsAfter410Compaction) {
  auto c = Client();
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(c->Create(ResourceRef::Pods(), "default", PodJson("a" + std::to_string(i))).ok());
  auto wc = Client();
  Informer inf(wc.get(), ResourceRef::Pods(), "", &clock_, FastInformer());
  std::atomic<int> deletes{0};
  inf.AddEventHandler({nullptr, nullptr, [&](const ObjectPtr&) { deletes++; }});
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(seconds(5)));
  // Block re-watches, drop the stream, change things, forget history, then let it watch again:
  // it resumes from a compacted version, gets ERROR 410 and relists.
  sb_->api().faults().AddRule({"watch", "pods", 503, -1, 0, ""});
  sb_->api().store().CloseAllWatchers();
  ASSERT_TRUE(c->Delete(ResourceRef::Pods(), "default", "a0").ok());
  ASSERT_TRUE(c->Create(ResourceRef::Pods(), "default", PodJson("b0")).ok());
  sb_->api().store().Compact();
  std::this_thread::sleep_for(milliseconds(100));
  sb_->api().faults().Clear();
  EXPECT_TRUE(WaitFor([&] { return CachePods(inf) == ServerPods(c.get()); }));
  EXPECT_EQ(inf.reflector().list_count(), 2);
  EXPECT_EQ(deletes.load(), 1);  // a0 dropped on relist, with its last known state
  inf.Stop();
}

TEST_F(KubePlainTest, NoHotLoopUnderPersistentErrors) {
  auto wc = Client();
  sb_->api().faults().AddRule({"list", "pods", 500, -1, 0, ""});
  InformerOptions o;
  o.reflector.backoff = {milliseconds(200), seconds(30), 2.0, 0.2};
  Informer inf(wc.get(), ResourceRef::Pods(), "", &clock_, o);
  inf.Start();
  std::this_thread::sleep_for(seconds(3));
  inf.Stop();
  EXPECT_FALSE(inf.HasSynced());
  // Each list retries internally (<= 11 requests, backoff 20..200ms); the reflector backs off
  // between lists. Without backoff this would be thousands.
  EXPECT_LE(wc->request_count(), 40) << wc->request_count();
  EXPECT_LE(inf.reflector().list_count(), 4);
}

TEST_F(KubePlainTest, CleanWatchEndRewatchesWithoutRelist) {
  auto c = Client();
  auto wc = Client();
  InformerOptions o = FastInformer();
  o.reflector.min_watch_timeout = seconds(1);
  o.reflector.max_watch_timeout = seconds(1);
  Informer inf(wc.get(), ResourceRef::Pods(), "", &clock_, o);
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(seconds(5)));
  std::this_thread::sleep_for(milliseconds(2500));
  ASSERT_TRUE(c->Create(ResourceRef::Pods(), "default", PodJson("late")).ok());
  EXPECT_TRUE(WaitFor([&] { return inf.cache().Get("default", "late") != nullptr; }));
  EXPECT_EQ(inf.reflector().list_count(), 1);
  EXPECT_GE(inf.reflector().watch_count(), 2);
  inf.Stop();
}

LeaderElectionConfig FastElection(const std::string& id) {
  LeaderElectionConfig c;
  c.lease_namespace = "default";
  c.lease_name = "fairway-leader";
  c.identity = id;
  c.lease_duration = seconds(2);
  c.renew_deadline = milliseconds(1500);
  c.retry_period = milliseconds(200);
  return c;
}

TEST_F(KubePlainTest, TwoElectorsNeverBothLeadAndFailOver) {
  auto ca = Client();
  auto cb = Client();
  std::atomic<int> leading{0}, max_leading{0};
  auto track = [&](LeaderElectionConfig& cfg) {
    cfg.on_started_leading = [&] {
      int n = ++leading;
      int m = max_leading.load();
      while (n > m && !max_leading.compare_exchange_weak(m, n)) {
      }
    };
    cfg.on_stopped_leading = [&] { --leading; };
  };
  auto cfg_a = FastElection("a");
  cfg_a.release_on_cancel = false;  // A "crashes": stops renewing without releasing
  track(cfg_a);
  auto cfg_b = FastElection("b");
  track(cfg_b);
  auto a = LeaderElector::Create(ca.get(), &clock_, cfg_a, 1);
  auto b = LeaderElector::Create(cb.get(), &clock_, cfg_b, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  (*a)->Start();
  ASSERT_TRUE(WaitFor([&] { return (*a)->IsLeader(); }));
  (*b)->Start();
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_TRUE((*a)->IsLeader());
  EXPECT_FALSE((*b)->IsLeader());
  EXPECT_EQ((*b)->GetLeader(), "a");
  auto t0 = std::chrono::steady_clock::now();
  (*a)->Stop();
  ASSERT_TRUE(WaitFor([&] { return (*b)->IsLeader(); }, milliseconds(5000)));
  // Takeover waits for B's own observation + leaseDuration (2 s), not A's renewTime.
  EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(400));
  EXPECT_EQ(max_leading.load(), 1);
  auto lease = ca->Get(ResourceRef::Leases(), "default", "fairway-leader");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "b");
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
  std::string renew = (*lease)["spec"]["renewTime"];
  EXPECT_EQ(renew.size(), std::string("2025-03-01T08:04:58.120455Z").size()) << renew;
  // Clean shutdown releases: holder becomes empty.
  (*b)->Stop();
  lease = ca->Get(ResourceRef::Leases(), "default", "fairway-leader");
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "");
  EXPECT_EQ(leading.load(), 0);
}

TEST_F(KubePlainTest, LeaderStopsWhenRenewalsFail) {
  auto c = Client();
  std::atomic<bool> stopped{false};
  auto cfg = FastElection("solo");
  cfg.on_stopped_leading = [&] { stopped = true; };
  auto e = LeaderElector::Create(c.get(), &clock_, cfg, 3);
  ASSERT_TRUE(e.ok());
  (*e)->Start();
  ASSERT_TRUE(WaitFor([&] { return (*e)->IsLeader(); }));
  sb_->api().faults().AddRule({"*", "leases", 500, -1, 0, ""});
  ASSERT_TRUE(WaitFor([&] { return stopped.load(); }, milliseconds(6000)));
  EXPECT_FALSE((*e)->IsLeader());
  sb_->api().faults().Clear();
  (*e)->Stop();
}

TEST_F(KubePlainTest, EventsAggregateRepeats) {
  auto c = Client();
  auto created = c->Create(ResourceRef::Pods(), "default", PodJson("ev"));
  ASSERT_TRUE(created.ok());
  ApiEventRecorder rec(c.get(), &clock_);
  auto ref = ObjectReference::FromObject(*created, "v1", "Pod");
  for (int i = 0; i < 3; ++i) rec.Event(ref, EventType::kWarning, "FailedScheduling", "0/4 nodes");
  rec.Event(ref, EventType::kNormal, "Scheduled", "bound");
  rec.Flush();
  auto l = c->List(ResourceRef::Events(), "default", {});
  ASSERT_TRUE(l.ok());
  std::map<std::string, int64_t> counts;
  for (auto& e : l->items) counts[e.value("reason", "")] = e.value("count", int64_t{0});
  EXPECT_EQ(counts["FailedScheduling"], 3);
  EXPECT_EQ(counts["Scheduled"], 1);
  EXPECT_EQ(rec.written(), 2);
  EXPECT_EQ(rec.aggregated(), 2);
  // Best effort: failures never reach the caller.
  sb_->api().faults().AddRule({"*", "events", 500, -1, 0, ""});
  rec.Event(ref, EventType::kWarning, "Other", "x");
  rec.Flush();
  EXPECT_GE(rec.dropped(), 1);
}

TEST_F(KubePlainTest, WorkQueueDrivenByInformer) {
  auto c = Client();
  auto wc = Client();
  WorkQueue q(&clock_);
  Informer inf(wc.get(), ResourceRef::Pods(), "default", &clock_, FastInformer());
  inf.AddEventHandler({[&](const ObjectPtr& o) { q.Add(ObjectKey(*o)); },
                       [&](const ObjectPtr&, const ObjectPtr& o) { q.Add(ObjectKey(*o)); },
                       [&](const ObjectPtr& o) { q.Add(ObjectKey(*o)); }});
  inf.Start();
  ASSERT_TRUE(inf.WaitForSync(seconds(5)));
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(c->Create(ResourceRef::Pods(), "default", PodJson("w" + std::to_string(i))).ok());
  std::set<std::string> seen;
  while (seen.size() < 5) {
    auto k = q.Get();
    ASSERT_TRUE(k.has_value());
    seen.insert(*k);
    q.Forget(*k);
    q.Done(*k);
  }
  q.ShutDown();
  inf.Stop();
}

}  // namespace
}  // namespace fairway::kube
