// Time sources (STYLE.md §5).
//
// Clock::Now() is wall time, for timestamps written to objects; Clock::Monotonic() is for
// intervals. Delayed work goes through Clock::Schedule(), so tests can drive it with FakeClock,
// which fires due callbacks in a deterministic order (due time, then scheduling order) when
// advanced, like Envoy's simulated time.
//
// Thread-safety: RealClock and FakeClock are thread-safe. FakeClock runs callbacks on the thread
// that calls Advance(), without holding its lock, so a callback may schedule more work.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace fairway {

using WallTime = std::chrono::system_clock::time_point;
using MonotonicTime = std::chrono::steady_clock::time_point;
using Duration = std::chrono::nanoseconds;

// Handle to a scheduled callback. Destroying it does not cancel; call Cancel().
class TimerHandle {
 public:
  virtual ~TimerHandle() = default;
  // Cancels the callback if it has not run yet. Returns true if it was cancelled.
  virtual bool Cancel() = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime Now() const = 0;
  virtual MonotonicTime Monotonic() const = 0;
  // Runs `fn` once, `delay` from now (on the clock's timer thread for RealClock; inside Advance()
  // for FakeClock).
  virtual std::unique_ptr<TimerHandle> Schedule(Duration delay, std::function<void()> fn) = 0;
};

// The system clocks, with a single timer thread for scheduled callbacks.
class RealClock : public Clock {
 public:
  RealClock();
  ~RealClock() override;
  RealClock(const RealClock&) = delete;
  RealClock& operator=(const RealClock&) = delete;

  WallTime Now() const override { return std::chrono::system_clock::now(); }
  MonotonicTime Monotonic() const override { return std::chrono::steady_clock::now(); }
  std::unique_ptr<TimerHandle> Schedule(Duration delay, std::function<void()> fn) override;

 private:
  struct Entry;
  class Handle;
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  // Keyed by (due time, sequence) so equal due times run in scheduling order.
  std::map<std::pair<MonotonicTime, uint64_t>, std::function<void()>> pending_;  // GUARDED_BY(mu_)
  uint64_t next_seq_ = 0;                                                        // GUARDED_BY(mu_)
  bool stopping_ = false;                                                        // GUARDED_BY(mu_)
  std::thread thread_;
};

// A manual clock for tests and the simulator. Starts at the given wall time; Advance() moves both
// clocks and fires due callbacks in (due time, scheduling order).
class FakeClock : public Clock {
 public:
  explicit FakeClock(WallTime start = WallTime{});

  WallTime Now() const override;
  MonotonicTime Monotonic() const override;
  std::unique_ptr<TimerHandle> Schedule(Duration delay, std::function<void()> fn) override;

  // Moves time forward by `d`, running every callback that becomes due, each at its due time.
  void Advance(Duration d);
  // Moves wall time only (a clock step, as NTP may do); monotonic time is unaffected.
  void SetWallTime(WallTime t);
  // Number of callbacks scheduled and not yet run or cancelled.
  size_t PendingCount() const;

 private:
  class Handle;

  mutable std::mutex mu_;
  WallTime wall_;             // GUARDED_BY(mu_)
  Duration elapsed_{};        // GUARDED_BY(mu_)
  uint64_t next_seq_ = 0;     // GUARDED_BY(mu_)
  std::map<std::pair<Duration, uint64_t>, std::function<void()>> pending_;  // GUARDED_BY(mu_)
};

}  // namespace fairway
