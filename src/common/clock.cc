#include "common/clock.h"

#include <vector>

namespace fairway {

// ---- RealClock ----

class RealClock::Handle : public TimerHandle {
 public:
  Handle(RealClock* clock, std::pair<MonotonicTime, uint64_t> key) : clock_(clock), key_(key) {}
  bool Cancel() override {
    std::lock_guard<std::mutex> lock(clock_->mu_);
    return clock_->pending_.erase(key_) > 0;
  }

 private:
  RealClock* clock_;
  std::pair<MonotonicTime, uint64_t> key_;
};

RealClock::RealClock() : thread_([this] { Loop(); }) {}

RealClock::~RealClock() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::unique_ptr<TimerHandle> RealClock::Schedule(Duration delay, std::function<void()> fn) {
  std::pair<MonotonicTime, uint64_t> key;
  {
    std::lock_guard<std::mutex> lock(mu_);
    key = {Monotonic() + delay, next_seq_++};
    pending_.emplace(key, std::move(fn));
  }
  cv_.notify_all();
  return std::make_unique<Handle>(this, key);
}

void RealClock::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (pending_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = pending_.begin();
    if (first->first.first > Monotonic()) {
      cv_.wait_until(lock, first->first.first);
      continue;
    }
    std::function<void()> fn = std::move(first->second);
    pending_.erase(first);
    lock.unlock();
    fn();
    lock.lock();
  }
}

// ---- FakeClock ----

class FakeClock::Handle : public TimerHandle {
 public:
  Handle(FakeClock* clock, std::pair<Duration, uint64_t> key) : clock_(clock), key_(key) {}
  bool Cancel() override {
    std::lock_guard<std::mutex> lock(clock_->mu_);
    return clock_->pending_.erase(key_) > 0;
  }

 private:
  FakeClock* clock_;
  std::pair<Duration, uint64_t> key_;
};

FakeClock::FakeClock(WallTime start) : wall_(start) {}

WallTime FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wall_;
}

MonotonicTime FakeClock::Monotonic() const {
  std::lock_guard<std::mutex> lock(mu_);
  return MonotonicTime(std::chrono::duration_cast<MonotonicTime::duration>(elapsed_));
}

std::unique_ptr<TimerHandle> FakeClock::Schedule(Duration delay, std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (delay < Duration::zero()) delay = Duration::zero();
  std::pair<Duration, uint64_t> key{elapsed_ + delay, next_seq_++};
  pending_.emplace(key, std::move(fn));
  return std::make_unique<Handle>(this, key);
}

void FakeClock::Advance(Duration d) {
  Duration target;
  {
    std::lock_guard<std::mutex> lock(mu_);
    target = elapsed_ + d;
  }
  while (true) {
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto first = pending_.begin();
      if (first == pending_.end() || first->first.first > target) {
        wall_ += std::chrono::duration_cast<WallTime::duration>(target - elapsed_);
        elapsed_ = target;
        return;
      }
      // Step both clocks to the callback's due time before running it.
      Duration due = first->first.first;
      if (due > elapsed_) {
        wall_ += std::chrono::duration_cast<WallTime::duration>(due - elapsed_);
        elapsed_ = due;
      }
      fn = std::move(first->second);
      pending_.erase(first);
    }
    fn();
  }
}

void FakeClock::SetWallTime(WallTime t) {
  std::lock_guard<std::mutex> lock(mu_);
  wall_ = t;
}

size_t FakeClock::PendingCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

}  // namespace fairway
