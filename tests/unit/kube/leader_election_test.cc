// The elector's lease validity (the fence the operator's writes go through), driven with
// FakeClock against an in-memory Lease store.
#include "kube/leader_election.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

namespace fairway::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Get/Create/Update of Leases with resourceVersion checks, as the API server does them.
// `during_write` runs inside each Create/Update after the request "left" and before the reply,
// so a test can move the clock while a write is in flight.
class FakeLeaseClient : public ApiClient {
 public:
  std::function<void()> during_write;
  Status fail_writes = OkStatus();

  // Another candidate's write: `holder` now holds the lease.
  void SetHolder(const std::string& name, const std::string& holder) {
    json& lease = leases_.at(name);
    lease["spec"]["holderIdentity"] = holder;
    lease["metadata"]["resourceVersion"] = std::to_string(++rv_);
  }

  StatusOr<json> Get(const ResourceRef&, const std::string&, const std::string& name) override {
    auto it = leases_.find(name);
    if (it == leases_.end()) return NotFoundError("leases \"" + name + "\" not found");
    return it->second;
  }
  StatusOr<json> Create(const ResourceRef&, const std::string&, const json& object) override {
    if (during_write) during_write();
    if (!fail_writes.ok()) return fail_writes;
    std::string name = object["metadata"]["name"];
    if (leases_.count(name) > 0) return AlreadyExistsError(name);
    json stored = object;
    stored["metadata"]["resourceVersion"] = std::to_string(++rv_);
    return leases_[name] = stored;
  }
  StatusOr<json> Update(const ResourceRef&, const std::string&, const json& object) override {
    if (during_write) during_write();
    if (!fail_writes.ok()) return fail_writes;
    std::string name = object["metadata"]["name"];
    auto it = leases_.find(name);
    if (it == leases_.end()) return NotFoundError(name);
    if (object["metadata"].value("resourceVersion", "") !=
        it->second["metadata"].value("resourceVersion", "")) {
      return AbortedError("the object has been modified");
    }
    json stored = object;
    stored["metadata"]["resourceVersion"] = std::to_string(++rv_);
    return it->second = stored;
  }

  StatusOr<ObjectList> List(const ResourceRef&, const std::string&, const ListOptions&) override {
    return UnimplementedError("list");
  }
  StatusOr<json> UpdateStatus(const ResourceRef&, const std::string&, const json&) override {
    return UnimplementedError("updateStatus");
  }
  StatusOr<json> Patch(const ResourceRef&, const std::string&, const std::string&, PatchType,
                       const json&, const std::string&) override {
    return UnimplementedError("patch");
  }
  Status Delete(const ResourceRef&, const std::string&, const std::string&,
                const DeleteOptions&) override {
    return UnimplementedError("delete");
  }
  Status Bind(const std::string&, const std::string&, const std::string&,
              const std::string&) override {
    return UnimplementedError("bind");
  }
  Status Watch(const ResourceRef&, const std::string&, const WatchOptions&, const WatchHandler&,
               CancelToken*) override {
    return UnimplementedError("watch");
  }

 private:
  std::map<std::string, json> leases_;
  int64_t rv_ = 0;
};

class LeaseValidityTest : public ::testing::Test {
 protected:
  static constexpr Duration kRenewDeadline = seconds(10);

  std::unique_ptr<LeaderElector> Elector(const std::string& identity) {
    LeaderElectionConfig c;
    c.lease_namespace = "default";
    c.lease_name = "fairway-operator";
    c.identity = identity;
    c.lease_duration = seconds(15);
    c.renew_deadline = kRenewDeadline;
    c.retry_period = seconds(2);
    auto e = LeaderElector::Create(&api_, &clock_, c);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return std::move(e).value();
  }

  FakeClock clock_{WallTime(seconds(1767225600))};
  FakeLeaseClient api_;
};

TEST_F(LeaseValidityTest, NotValidBeforeTheLeaseIsAcquired) {
  auto e = Elector("a");
  EXPECT_FALSE(e->LeaseValid());
  EXPECT_EQ(e->LeaseDeadline(), MonotonicTime::min());
}

TEST_F(LeaseValidityTest, ValidFromAcquireUntilTheRenewDeadline) {
  auto e = Elector("a");
  clock_.Advance(seconds(1));
  const MonotonicTime sent = clock_.Monotonic();
  ASSERT_TRUE(e->TryAcquireOrRenew());  // creates the lease
  EXPECT_EQ(e->LeaseDeadline(), sent + kRenewDeadline);
  EXPECT_TRUE(e->LeaseValid());
  clock_.Advance(kRenewDeadline - milliseconds(1));
  EXPECT_TRUE(e->LeaseValid());
  clock_.Advance(milliseconds(1));
  EXPECT_FALSE(e->LeaseValid()) << "now == deadline is already too late";
}

TEST_F(LeaseValidityTest, EachRenewMovesTheDeadline) {
  auto e = Elector("a");
  ASSERT_TRUE(e->TryAcquireOrRenew());
  clock_.Advance(seconds(4));
  const MonotonicTime sent = clock_.Monotonic();
  ASSERT_TRUE(e->TryAcquireOrRenew());  // renews through an update
  EXPECT_EQ(e->LeaseDeadline(), sent + kRenewDeadline);
  clock_.Advance(kRenewDeadline - milliseconds(1));
  EXPECT_TRUE(e->LeaseValid()) << "valid past the first deadline after the renew";
}

TEST_F(LeaseValidityTest, DeadlineCountsFromWhenTheWriteWasSentNotFromItsReply) {
  auto e = Elector("a");
  // Acquire (create) and renew (update): each reply arrives 3 s after its request left, as when
  // the process is paused mid-request.
  api_.during_write = [this] { clock_.Advance(seconds(3)); };
  for (const char* step : {"acquire", "renew"}) {
    SCOPED_TRACE(step);
    const MonotonicTime sent = clock_.Monotonic();
    ASSERT_TRUE(e->TryAcquireOrRenew());
    EXPECT_EQ(clock_.Monotonic(), sent + seconds(3));
    EXPECT_EQ(e->LeaseDeadline(), sent + kRenewDeadline);
    clock_.Advance(kRenewDeadline - seconds(3) - milliseconds(1));
    EXPECT_TRUE(e->LeaseValid());
    clock_.Advance(milliseconds(1));
    EXPECT_FALSE(e->LeaseValid()) << "counting from the reply would allow 3 s more";
  }
}

TEST_F(LeaseValidityTest, InvalidAfterTheDeadlineUntilARenewSucceeds) {
  auto e = Elector("a");
  ASSERT_TRUE(e->TryAcquireOrRenew());
  clock_.Advance(kRenewDeadline + seconds(1));
  EXPECT_FALSE(e->LeaseValid());

  api_.fail_writes = UnavailableError("etcd timeout");
  EXPECT_FALSE(e->TryAcquireOrRenew());
  EXPECT_FALSE(e->LeaseValid()) << "a failed renew must not reopen the fence";

  api_.fail_writes = OkStatus();
  clock_.Advance(seconds(1));
  const MonotonicTime sent = clock_.Monotonic();
  ASSERT_TRUE(e->TryAcquireOrRenew());
  EXPECT_TRUE(e->LeaseValid());
  EXPECT_EQ(e->LeaseDeadline(), sent + kRenewDeadline);
}

TEST_F(LeaseValidityTest, FailedRenewKeepsTheEarlierDeadline) {
  auto e = Elector("a");
  const MonotonicTime acquired = clock_.Monotonic();
  ASSERT_TRUE(e->TryAcquireOrRenew());
  clock_.Advance(seconds(2));
  api_.fail_writes = AbortedError("the object has been modified");
  EXPECT_FALSE(e->TryAcquireOrRenew());
  EXPECT_EQ(e->LeaseDeadline(), acquired + kRenewDeadline);
  EXPECT_TRUE(e->LeaseValid());
}

TEST_F(LeaseValidityTest, AnotherHolderOnTheLeaseEndsValidityAtOnce) {
  auto e = Elector("a");
  ASSERT_TRUE(e->TryAcquireOrRenew());
  api_.SetHolder("fairway-operator", "b");
  clock_.Advance(seconds(1));
  EXPECT_FALSE(e->TryAcquireOrRenew());
  EXPECT_EQ(e->GetLeader(), "b");
  EXPECT_FALSE(e->LeaseValid()) << "well before our own deadline";
  EXPECT_EQ(e->LeaseDeadline(), MonotonicTime::min());
}

TEST_F(LeaseValidityTest, AdvertisesTheLeaseDurationRoundedUpToWholeSeconds) {
  // Others wait leaseDurationSeconds; rounding 2.5 s down to 2 s would let them take over before
  // our 2.2 s renew deadline ends.
  LeaderElectionConfig c;
  c.lease_namespace = "default";
  c.lease_name = "fairway-operator";
  c.identity = "a";
  c.lease_duration = milliseconds(2500);
  c.renew_deadline = milliseconds(2200);
  c.retry_period = milliseconds(500);
  auto e = LeaderElector::Create(&api_, &clock_, c);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_TRUE((*e)->TryAcquireOrRenew());
  auto lease = api_.Get(ResourceRef::Leases(), "default", "fairway-operator");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*lease)["spec"]["leaseDurationSeconds"], 3);
}

}  // namespace
}  // namespace fairway::kube
