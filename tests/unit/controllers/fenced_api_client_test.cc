// The leader fence on the controllers' writes, with FakeClock standing in for the lease's clock.
#include "controllers/fenced_api_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace fairway::controllers {
namespace {

using kube::json;
using kube::ResourceRef;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Records which calls reach the server; every call succeeds after running `during_call`.
class RecordingClient : public kube::ApiClient {
 public:
  std::vector<std::string> calls;
  std::function<void()> during_call;

  StatusOr<json> Get(const ResourceRef&, const std::string&, const std::string&) override {
    return Record("get");
  }
  StatusOr<kube::ObjectList> List(const ResourceRef&, const std::string&,
                                  const kube::ListOptions&) override {
    calls.push_back("list");
    return kube::ObjectList{};
  }
  StatusOr<json> Create(const ResourceRef&, const std::string&, const json&) override {
    return Record("create");
  }
  StatusOr<json> Update(const ResourceRef&, const std::string&, const json&) override {
    return Record("update");
  }
  StatusOr<json> UpdateStatus(const ResourceRef&, const std::string&, const json&) override {
    return Record("updateStatus");
  }
  StatusOr<json> Patch(const ResourceRef&, const std::string&, const std::string&, kube::PatchType,
                       const json&, const std::string&) override {
    return Record("patch");
  }
  Status Delete(const ResourceRef&, const std::string&, const std::string&,
                const kube::DeleteOptions&) override {
    return Record("delete").status();
  }
  Status Bind(const std::string&, const std::string&, const std::string&,
              const std::string&) override {
    return Record("bind").status();
  }
  Status Watch(const ResourceRef&, const std::string&, const kube::WatchOptions&,
               const kube::WatchHandler&, kube::CancelToken*) override {
    return Record("watch").status();
  }

 private:
  StatusOr<json> Record(const char* verb) {
    calls.push_back(verb);
    if (during_call) during_call();
    return json::object();
  }
};

class FencedWritesMetrics : public NullOperatorMetrics {
 public:
  void WriteFenced(const std::string& verb) override { ++fenced[verb]; }
  std::map<std::string, int> fenced;
};

struct Call {
  const char* name;
  std::function<Status(kube::ApiClient&)> run;
};

const json kPod = {{"metadata", {{"name", "train-0"}, {"namespace", "ml"}}}};

std::vector<Call> Writes() {
  return {
      {"create",
       [](kube::ApiClient& c) { return c.Create(ResourceRef::Pods(), "ml", kPod).status(); }},
      {"update",
       [](kube::ApiClient& c) { return c.Update(ResourceRef::Pods(), "ml", kPod).status(); }},
      {"updateStatus",
       [](kube::ApiClient& c) {
         return c.UpdateStatus(ResourceRef::FairwayJobs(), "ml", kPod).status();
       }},
      {"patch",
       [](kube::ApiClient& c) {
         return c
             .Patch(ResourceRef::FairwayJobs(), "ml", "train", kube::PatchType::kMerge,
                    json::object())
             .status();
       }},
      {"delete", [](kube::ApiClient& c) { return c.Delete(ResourceRef::Pods(), "ml", "train-0"); }},
      {"bind", [](kube::ApiClient& c) { return c.Bind("ml", "train-0", "gpu-node-01"); }},
  };
}

std::vector<Call> Reads() {
  return {
      {"get",
       [](kube::ApiClient& c) { return c.Get(ResourceRef::Pods(), "ml", "train-0").status(); }},
      {"list", [](kube::ApiClient& c) { return c.List(ResourceRef::Pods(), "ml").status(); }},
      {"watch",
       [](kube::ApiClient& c) {
         return c.Watch(ResourceRef::Pods(), "ml", {},
                        [](const kube::WatchEvent&) { return true; });
       }},
  };
}

class FencedApiClientTest : public ::testing::Test {
 protected:
  static constexpr Duration kRenewDeadline = seconds(10);

  FencedApiClientTest()
      : renewed_(clock_.Monotonic()),
        fence_([this] { return deadline_; }, "default/fairway-operator", kRenewDeadline, &clock_),
        client_(&inner_, &fence_, &metrics_, [this](const Status& s) {
          ++trips_;
          trip_ = s;
        }) {}

  // 2026-01-01T00:00:00Z; the lease was last renewed (sent) at that instant.
  FakeClock clock_{WallTime(seconds(1767225600))};
  MonotonicTime renewed_;
  MonotonicTime deadline_ = renewed_ + kRenewDeadline;
  LeaseFence fence_;
  RecordingClient inner_;
  FencedWritesMetrics metrics_;
  int trips_ = 0;
  Status trip_;
  FencedApiClient client_;
};

TEST_F(FencedApiClientTest, PassesEveryWriteWhileTheLeaseIsValid) {
  clock_.Advance(kRenewDeadline - milliseconds(1));
  for (const Call& w : Writes()) {
    EXPECT_TRUE(w.run(client_).ok()) << w.name;
  }
  EXPECT_THAT(inner_.calls,
              ElementsAre("create", "update", "updateStatus", "patch", "delete", "bind"));
  EXPECT_EQ(client_.refused(), 0);
  EXPECT_EQ(trips_, 0);
}

TEST_F(FencedApiClientTest, RefusesEveryWriteOnceTheRenewDeadlinePassed) {
  clock_.Advance(kRenewDeadline);
  for (const Call& w : Writes()) {
    SCOPED_TRACE(w.name);
    Status s = w.run(client_);
    EXPECT_EQ(s.code(), StatusCode::kAborted) << s.ToString();
    EXPECT_THAT(s.message(), HasSubstr("not the leader: lease default/fairway-operator not "
                                       "renewed since 2026-01-01T00:00:00.000000Z (renew "
                                       "deadline 10s)"));
  }
  EXPECT_TRUE(inner_.calls.empty()) << "a refused write never reaches the server";
  EXPECT_EQ(client_.refused(), 6);
  EXPECT_EQ(metrics_.fenced,
            (std::map<std::string, int>{
                {"bind", 1}, {"create", 1}, {"delete", 1}, {"patch", 1}, {"update", 2}}));
  EXPECT_EQ(trips_, 1) << "the operator is told once";
  EXPECT_EQ(trip_.code(), StatusCode::kAborted);
}

TEST_F(FencedApiClientTest, ReadsAndWatchesPassWhenFenced) {
  clock_.Advance(kRenewDeadline + seconds(30));
  for (const Call& r : Reads()) {
    EXPECT_TRUE(r.run(client_).ok()) << r.name;
  }
  EXPECT_THAT(inner_.calls, ElementsAre("get", "list", "watch"));
  EXPECT_EQ(trips_, 0);
}

TEST_F(FencedApiClientTest, ReopensOnlyWhenTheDeadlineMoves) {
  clock_.Advance(kRenewDeadline + seconds(1));
  EXPECT_EQ(client_.Bind("ml", "train-0", "gpu-node-01").code(), StatusCode::kAborted);
  deadline_ = clock_.Monotonic() + kRenewDeadline;  // a successful renew, sent now
  EXPECT_TRUE(client_.Bind("ml", "train-0", "gpu-node-01").ok());
  EXPECT_THAT(inner_.calls, ElementsAre("bind"));
}

TEST_F(FencedApiClientTest, CountsAWriteWhoseReplyCameAfterTheDeadline) {
  inner_.during_call = [this] { clock_.Advance(seconds(2)); };  // each reply takes 2 s
  clock_.Advance(kRenewDeadline - seconds(3));
  EXPECT_TRUE(client_.Bind("ml", "train-0", "gpu-node-01").ok());
  EXPECT_EQ(client_.straddled(), 0) << "replied 1 s before the deadline";
  EXPECT_TRUE(client_.Bind("ml", "train-1", "gpu-node-01").ok()) << "admitted 1 s before it";
  EXPECT_EQ(client_.straddled(), 1) << "replied 1 s after the deadline: may have landed late";
  EXPECT_EQ(client_.Bind("ml", "train-2", "gpu-node-01").code(), StatusCode::kAborted);
  EXPECT_EQ(client_.straddled(), 1);
  EXPECT_THAT(inner_.calls, ElementsAre("bind", "bind"));
}

TEST_F(FencedApiClientTest, SaysSoWhenNoLeaseIsHeld) {
  deadline_ = MonotonicTime::min();
  Status s = client_.Create(ResourceRef::Pods(), "ml", kPod).status();
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_THAT(s.message(), HasSubstr("not the leader: lease default/fairway-operator not held"));
}

}  // namespace
}  // namespace fairway::controllers
