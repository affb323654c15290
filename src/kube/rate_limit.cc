#include "kube/rate_limit.h"

#include <algorithm>
#include <thread>

namespace fairway::kube {

TokenBucket::TokenBucket(double qps, int burst, Clock* clock)
    : qps_(qps),
      burst_(std::max(1, burst)),
      clock_(clock),
      tokens_(std::max(1, burst)),
      last_(clock->Monotonic()) {}

void TokenBucket::RefillLocked(MonotonicTime now) {
  if (now <= last_) return;
  double elapsed_s = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min<double>(burst_, tokens_ + elapsed_s * qps_);
  last_ = now;
}

bool TokenBucket::TryAccept() {
  if (qps_ <= 0) return true;
  MutexLock lock(&mu_);
  RefillLocked(clock_->Monotonic());
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  return false;
}

Duration TokenBucket::Reserve() {
  if (qps_ <= 0) return Duration::zero();
  MutexLock lock(&mu_);
  RefillLocked(clock_->Monotonic());
  tokens_ -= 1.0;
  if (tokens_ >= 0) return Duration::zero();
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

void TokenBucket::Wait() {
  Duration d = Reserve();
  if (d > Duration::zero()) std::this_thread::sleep_for(d);
}

Backoff::Backoff(Options options, uint64_t seed) : options_(options), rng_(seed) {}

Duration Backoff::Next() {
  MutexLock lock(&mu_);
  double base = std::chrono::duration<double>(options_.initial).count();
  double max = std::chrono::duration<double>(options_.max).count();
  double d = base;
  for (int i = 0; i < attempts_ && d < max; ++i) d *= options_.factor;
  d = std::min(d, max);
  ++attempts_;
  if (options_.jitter > 0) {
    std::uniform_real_distribution<double> dist(1.0 - options_.jitter, 1.0 + options_.jitter);
    d *= dist(rng_);
  }
  d = std::min(d, max);
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(d));
}

void Backoff::Reset() {
  MutexLock lock(&mu_);
  attempts_ = 0;
}

int Backoff::attempts() const {
  MutexLock lock(&mu_);
  return attempts_;
}

}  // namespace fairway::kube
