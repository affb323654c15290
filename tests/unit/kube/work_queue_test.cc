#include "kube/work_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace fairway::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(WorkQueueTest, DeduplicatesWaitingKeys) {
  FakeClock clock;
  WorkQueue q(&clock);
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.TryGet(), "a");
  EXPECT_EQ(q.TryGet(), "b");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueueTest, KeyBeingProcessedIsRequeuedOnDone) {
  FakeClock clock;
  WorkQueue q(&clock);
  q.Add("a");
  auto k = q.TryGet();
  ASSERT_EQ(k, "a");
  q.Add("a");  // re-added while processing: not handed to a second worker
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.TryGet(), std::nullopt);
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.TryGet(), "a");
  q.Done("a");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, PerItemExponentialBackoffCappedAndForget) {
  FakeClock clock;
  WorkQueue::Options o;
  o.qps = 0;  // bucket off
  WorkQueue q(&clock, o);
  EXPECT_EQ(q.When("a"), milliseconds(5));
  EXPECT_EQ(q.When("a"), milliseconds(10));
  EXPECT_EQ(q.When("a"), milliseconds(20));
  EXPECT_EQ(q.NumRequeues("a"), 3);
  EXPECT_EQ(q.When("b"), milliseconds(5));
  for (int i = 0; i < 40; ++i) (void)q.When("a");
  EXPECT_EQ(q.When("a"), seconds(1000));
  q.Forget("a");
  EXPECT_EQ(q.NumRequeues("a"), 0);
  EXPECT_EQ(q.When("a"), milliseconds(5));
}

TEST(WorkQueueTest, SharedTokenBucketLimitsBurst) {
  FakeClock clock;
  WorkQueue::Options o;
  o.qps = 10;
  o.burst = 100;
  WorkQueue q(&clock, o);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(q.When("k" + std::to_string(i)), milliseconds(5));
  // The 101st distinct item waits for the bucket: 1 token at 10/s = 100 ms.
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(q.When("x")), milliseconds(100));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(q.When("y")), milliseconds(200));
  clock.Advance(seconds(10));
  EXPECT_EQ(q.When("z"), milliseconds(5));
}

TEST(WorkQueueTest, AddAfterUsesInjectedClockAndEarliestWins) {
  FakeClock clock;
  WorkQueue q(&clock);
  q.AddAfter("a", seconds(10));
  q.AddAfter("a", seconds(3));
  q.AddAfter("a", seconds(20));  // later: ignored
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.DelayedLen(), 1u);
  clock.Advance(seconds(2));
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(seconds(1));
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.DelayedLen(), 0u);
  clock.Advance(seconds(30));
  EXPECT_EQ(q.Len(), 1u);  // superseded timers do not add twice
}

TEST(WorkQueueTest, AddRateLimitedDelaysThroughClock) {
  FakeClock clock;
  WorkQueue q(&clock);
  q.AddRateLimited("a");
  q.AddRateLimited("a");  // 10ms, but the 5ms one is earlier and pending
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(milliseconds(5));
  EXPECT_EQ(q.Len(), 1u);
}

TEST(WorkQueueTest, ShutDownWakesBlockedGetAndDropsAdds) {
  FakeClock clock;
  WorkQueue q(&clock);
  std::optional<std::string> got = "unset";
  std::thread t([&] { got = q.Get(); });
  std::this_thread::sleep_for(milliseconds(20));
  q.ShutDown();
  t.join();
  EXPECT_EQ(got, std::nullopt);
  q.Add("a");
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_TRUE(q.ShuttingDown());
}

TEST(WorkQueueTest, BlockingGetReceivesConcurrentAdd) {
  FakeClock clock;
  WorkQueue q(&clock);
  std::thread t([&] {
    std::this_thread::sleep_for(milliseconds(10));
    q.Add("x");
  });
  EXPECT_EQ(q.Get(), "x");
  t.join();
}

}  // namespace
}  // namespace fairway::kube
