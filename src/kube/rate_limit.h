// Client etiquette primitives (kubernetes-api.md §10): a token bucket for client-side QPS/burst
// and exponential backoff with jitter from an injected, seeded generator (STYLE.md §5).
//
// Thread-safety: TokenBucket and Backoff are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace fairway::kube {

// Classic token bucket on the clock's monotonic time: `burst` tokens, refilled at `qps`.
// qps <= 0 disables limiting. RestApiClient logs a request whose reservation waits longer than
// RestClientOptions::log_wait_over ("client-side throttling", kubernetes-api.md §10).
class TokenBucket {
 public:
  TokenBucket(double qps, int burst, Clock* clock);

  // Takes a token now if one is available.
  bool TryAccept();
  // Reserves a token and returns how long the caller must wait before using it (0 when one was
  // available). Reservations queue up: the n-th concurrent caller waits about n/qps.
  Duration Reserve();
  // Reserve() and then sleep in real time (RealClock users only; not for FakeClock tests).
  void Wait();

  double qps() const { return qps_; }
  int burst() const { return burst_; }

 private:
  void RefillLocked(MonotonicTime now) FAIRWAY_REQUIRES(mu_);

  const double qps_;
  const int burst_;
  Clock* const clock_;
  Mutex mu_;
  double tokens_ FAIRWAY_GUARDED_BY(mu_);  // may go negative (reservations)
  MonotonicTime last_ FAIRWAY_GUARDED_BY(mu_);
};

// Exponential backoff: initial * factor^n capped at max, then multiplied by a uniform factor in
// [1 - jitter, 1 + jitter] (still capped at max). Reset() starts over.
class Backoff {
 public:
  struct Options {
    Duration initial = std::chrono::milliseconds(800);
    Duration max = std::chrono::seconds(30);
    double factor = 2.0;
    double jitter = 0.2;  // 0..1
  };
  Backoff(Options options, uint64_t seed);

  // The next delay; advances the exponent.
  Duration Next();
  void Reset();
  int attempts() const;

 private:
  const Options options_;
  mutable Mutex mu_;
  std::mt19937_64 rng_ FAIRWAY_GUARDED_BY(mu_);
  int attempts_ FAIRWAY_GUARDED_BY(mu_) = 0;
};

}  // namespace fairway::kube
