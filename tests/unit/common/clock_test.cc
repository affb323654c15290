#include "common/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

namespace fairway {
namespace {

using std::chrono::seconds;

TEST(FakeClockTest, AdvanceMovesBothClocks) {
  FakeClock clock(WallTime(seconds(1000)));
  MonotonicTime m0 = clock.Monotonic();
  clock.Advance(seconds(5));
  EXPECT_EQ(clock.Now(), WallTime(seconds(1005)));
  EXPECT_EQ(clock.Monotonic() - m0, seconds(5));
}

TEST(FakeClockTest, FiresDueCallbacksInDueThenSchedulingOrder) {
  FakeClock clock;
  std::vector<std::string> fired;
  auto a = clock.Schedule(seconds(2), [&] { fired.push_back("a"); });
  auto b = clock.Schedule(seconds(1), [&] { fired.push_back("b"); });
  auto c = clock.Schedule(seconds(2), [&] { fired.push_back("c"); });
  auto d = clock.Schedule(seconds(9), [&] { fired.push_back("d"); });
  clock.Advance(seconds(3));
  EXPECT_EQ(fired, (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(clock.PendingCount(), 1u);
}

TEST(FakeClockTest, CallbackSeesItsDueTimeAndMayReschedule) {
  FakeClock clock(WallTime(seconds(0)));
  std::vector<int64_t> times;
  std::vector<std::unique_ptr<TimerHandle>> handles;
  std::function<void()> tick = [&] {
    times.push_back(std::chrono::duration_cast<seconds>(clock.Now().time_since_epoch()).count());
    if (times.size() < 3) handles.push_back(clock.Schedule(seconds(10), tick));
  };
  handles.push_back(clock.Schedule(seconds(10), tick));
  clock.Advance(seconds(100));
  EXPECT_EQ(times, (std::vector<int64_t>{10, 20, 30}));
}

TEST(FakeClockTest, CancelledCallbackDoesNotRun) {
  FakeClock clock;
  bool ran = false;
  auto h = clock.Schedule(seconds(1), [&] { ran = true; });
  EXPECT_TRUE(h->Cancel());
  EXPECT_FALSE(h->Cancel());
  clock.Advance(seconds(2));
  EXPECT_FALSE(ran);
}

TEST(RealClockTest, RunsScheduledCallback) {
  RealClock clock;
  std::atomic<bool> ran{false};
  auto h = clock.Schedule(std::chrono::milliseconds(1), [&] { ran = true; });
  for (int i = 0; i < 2000 && !ran; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace fairway
