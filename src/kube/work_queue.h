// Rate-limited work queue with client-go semantics (kubernetes-api.md §3, STYLE.md §7).
//
// A key is queued at most once while waiting (dirty set); a key being processed is never handed
// to a second worker and, if re-added meanwhile, goes back to the queue when the worker calls
// Done() (processing set). AddRateLimited() delays by the larger of a per-item exponential
// backoff (base_delay * 2^failures, capped at max_delay) and a shared token bucket (qps/burst);
// Forget() resets an item's failure count. AddAfter() delays through the injected Clock, so tests
// drive it with FakeClock::Advance().
//
//   worker loop:  while (auto key = q.Get()) { Status s = Reconcile(*key);
//                   if (s.ok()) q.Forget(*key); else q.AddRateLimited(*key); q.Done(*key); }
//
// Thread-safety: thread-safe. Get() blocks until an item is ready or the queue shuts down.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/clock.h"

namespace fairway::kube {

class WorkQueue {
 public:
  struct Options {
    std::string name = "queue";  // for logs
    Duration base_delay = std::chrono::milliseconds(5);
    Duration max_delay = std::chrono::seconds(1000);
    // Shared token bucket for AddRateLimited (client-go: 10 qps, burst 100). qps <= 0: off.
    double qps = 10;
    int burst = 100;
  };

  // REQUIRES: `clock` outlives the queue.
  explicit WorkQueue(Clock* clock);
  WorkQueue(Clock* clock, Options options);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `key` unless it is already waiting; ignored after ShutDown().
  void Add(const std::string& key);
  // Adds `key` after `delay` (at once if delay <= 0). A shorter pending delay wins.
  void AddAfter(const std::string& key, Duration delay);
  // AddAfter(key, When(key)): the rate-limited requeue after a failure.
  void AddRateLimited(const std::string& key);
  // The delay AddRateLimited would use now; counts as a failure of `key`.
  Duration When(const std::string& key);
  // Resets the failure count of `key` (call after a successful reconcile).
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is ready; nullopt once shut down (and, with drain, empty).
  std::optional<std::string> Get();
  // Non-blocking Get(): nullopt when nothing is ready.
  std::optional<std::string> TryGet();
  // Marks `key` processed; requeues it if it was re-added while processing.
  void Done(const std::string& key);

  // Stops accepting items and wakes every Get() (which then returns nullopt). Pending delayed
  // adds are cancelled.
  void ShutDown();
  bool ShuttingDown() const;

  // Keys waiting (not processing, not delayed).
  size_t Len() const;
  // Keys waiting for an AddAfter delay.
  size_t DelayedLen() const;

 private:
  struct Delayed;
  void AddLocked(const std::string& key);
  void FireDelayed(const std::string& key, uint64_t generation);

  Clock* const clock_;
  const Options options_;
  // Lock order: mu_ is a leaf (no calls into the clock or callbacks while held, except
  // Clock::Schedule, which never calls back synchronously).
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;                     // GUARDED_BY(mu_)
  std::unordered_set<std::string> dirty_;             // GUARDED_BY(mu_)
  std::unordered_set<std::string> processing_;        // GUARDED_BY(mu_)
  std::unordered_map<std::string, int> failures_;     // GUARDED_BY(mu_)
  // Pending AddAfter per key: due time, generation (to ignore superseded timers), timer.
  struct Pending {
    MonotonicTime due;
    uint64_t generation;
    std::unique_ptr<TimerHandle> timer;
  };
  std::unordered_map<std::string, Pending> delayed_;  // GUARDED_BY(mu_)
  uint64_t next_generation_ = 0;                      // GUARDED_BY(mu_)
  // Token bucket state for AddRateLimited.
  double bucket_tokens_;                              // GUARDED_BY(mu_)
  MonotonicTime bucket_last_;                         // GUARDED_BY(mu_)
  bool shutting_down_ = false;                        // GUARDED_BY(mu_)
  // Shared with timer callbacks so a callback firing after destruction is a no-op.
  std::shared_ptr<bool> alive_;
};

}  // namespace fairway::kube
