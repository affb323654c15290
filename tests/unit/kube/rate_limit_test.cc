#include "kube/rate_limit.h"

#include <gtest/gtest.h>

namespace fairway::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TokenBucketTest, BurstThenQps) {
  FakeClock clock;
  TokenBucket b(20, 50, &clock);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(b.TryAccept()) << i;
  EXPECT_FALSE(b.TryAccept());
  clock.Advance(milliseconds(50));  // one token at 20/s
  EXPECT_TRUE(b.TryAccept());
  EXPECT_FALSE(b.TryAccept());
}

TEST(TokenBucketTest, ReserveQueuesWaiters) {
  FakeClock clock;
  TokenBucket b(10, 1, &clock);
  EXPECT_EQ(b.Reserve(), Duration::zero());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(b.Reserve()), milliseconds(100));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(b.Reserve()), milliseconds(200));
  clock.Advance(seconds(5));
  EXPECT_EQ(b.Reserve(), Duration::zero());
}

TEST(TokenBucketTest, ZeroQpsDisablesLimit) {
  FakeClock clock;
  TokenBucket b(0, 1, &clock);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(b.TryAccept());
}

TEST(BackoffTest, ExponentialCappedWithBoundedJitter) {
  Backoff b({milliseconds(800), seconds(30), 2.0, 0.2}, 42);
  double expect_ms = 800;
  for (int i = 0; i < 10; ++i) {
    double got = std::chrono::duration<double, std::milli>(b.Next()).count();
    double base = std::min(expect_ms, 30000.0);
    EXPECT_GE(got, base * 0.8 - 1e-6) << i;
    EXPECT_LE(got, std::min(base * 1.2, 30000.0) + 1e-6) << i;
    expect_ms *= 2;
  }
  b.Reset();
  double first = std::chrono::duration<double, std::milli>(b.Next()).count();
  EXPECT_LE(first, 960.0 + 1e-6);
}

TEST(BackoffTest, SameSeedSameSequence) {
  Backoff a({milliseconds(5), seconds(1), 2.0, 0.5}, 7);
  Backoff b({milliseconds(5), seconds(1), 2.0, 0.5}, 7);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(a.Next(), b.Next());
}

}  // namespace
}  // namespace fairway::kube
