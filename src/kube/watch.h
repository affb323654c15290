// The reflector: list+watch of one resource into a ReflectorSink, after client-go's reflector
// (kubernetes-api.md §3):
//
//   1. List (paginated) with resourceVersion=0 the first time, then with the last seen version;
//      if that fails with 410/OutOfRange (or a too-large version), list again with it unset.
//   2. sink->Replace(items, list version).
//   3. Watch from the list's version with bookmarks and a random timeoutSeconds in
//      [min_watch_timeout, max_watch_timeout]; every event (bookmarks too) advances the version.
//   4. Clean end: watch again from the last version. ERROR 410 / OutOfRange: back to 1. A watch
//      that ends within 1 s without events counts as a failure.
//   5. Failures back off 800 ms -> 30 s (factor 2, jitter); the backoff resets after 2 min of
//      health.
//
//        +------+  ok   +-------+ clean end +-------+
//   ---> | LIST | ----> | WATCH | --------> | WATCH | ...
//        +------+       +-------+           +-------+
//          ^  | error      | 410               | error
//          |  v            v                   v
//          +-- backoff <---+------ relist      backoff, rewatch (relist on 410)
//
// Backoff waits go through the injected Clock (Schedule) and are interrupted by Stop().
//
// Thread-safety: Run() on one thread; Stop() from any thread. The sink is called only from the
// Run() thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "kube/api_client.h"
#include "kube/rate_limit.h"

namespace fairway::kube {

// Receives the reflector's view of the resource.
class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // A fresh list: objects absent from `items` are gone.
  virtual void Replace(std::vector<json> items, const std::string& resource_version) = 0;
  virtual void Add(json object) = 0;
  virtual void Update(json object) = 0;
  virtual void Delete(json object) = 0;
  // A bookmark (or any event) advanced the resume point.
  virtual void Bookmark(const std::string& resource_version) {}
};

struct ReflectorOptions {
  std::string name;  // for logs; default: the resource
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;
  std::chrono::seconds min_watch_timeout = std::chrono::seconds(300);
  std::chrono::seconds max_watch_timeout = std::chrono::seconds(600);
  Backoff::Options backoff{std::chrono::milliseconds(800), std::chrono::seconds(30), 2.0, 0.2};
  // Healthy this long: the backoff starts over.
  Duration backoff_reset_after = std::chrono::minutes(2);
  // A watch ending sooner than this with no events counts as a failure.
  Duration min_healthy_watch = std::chrono::seconds(1);
  uint64_t seed = 1;  // jitter and watch timeouts
};

class Reflector {
 public:
  // REQUIRES: client, sink and clock outlive the reflector.
  Reflector(ApiClient* client, ResourceRef ref, std::string ns, ReflectorSink* sink, Clock* clock,
            ReflectorOptions options = {});
  ~Reflector();

  // Runs the list/watch loop until Stop().
  void Run();
  // Interrupts the current request or backoff and makes Run() return. Idempotent.
  void Stop();

  // The last resourceVersion seen (list, event or bookmark); "" before the first list.
  std::string LastSyncResourceVersion() const;
  // Counters for tests and metrics.
  int64_t list_count() const { return lists_.load(); }
  int64_t watch_count() const { return watches_.load(); }
  int64_t failure_count() const { return failures_.load(); }

 private:
  Status ListAndReplace(bool* relist_from_scratch);
  Status WatchOnce(bool* got_events);
  // Sleeps `d` on the clock; returns false if stopped.
  bool SleepFor(Duration d);
  bool stopped() const { return stop_.load(); }

  ApiClient* const client_;
  const ResourceRef ref_;
  const std::string ns_;
  ReflectorSink* const sink_;
  Clock* const clock_;
  const ReflectorOptions options_;
  Logger log_;
  Backoff backoff_;
  uint64_t rng_state_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string last_rv_;                          // GUARDED_BY(mu_)
  std::shared_ptr<CancelToken> cancel_;          // GUARDED_BY(mu_); current request
  uint64_t wake_seq_ = 0;                        // GUARDED_BY(mu_)
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> lists_{0};
  std::atomic<int64_t> watches_{0};
  std::atomic<int64_t> failures_{0};
};

}  // namespace fairway::kube
