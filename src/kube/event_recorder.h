// Best-effort core/v1 Events about objects (kubernetes-api.md §7).
//
// Recording never fails the caller and never blocks on the network: events go into a bounded
// queue drained by a background thread. Repeats of the same (object, type, reason, message)
// within `aggregation_window` are aggregated by PATCHing the existing Event's count and
// lastTimestamp instead of creating new objects. Writes are rate-limited by a token bucket
// (qps/burst); events over the limit, or when the queue is full, are dropped and counted.
//
// Thread-safety: thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/log.h"
#include "kube/api_client.h"
#include "kube/rate_limit.h"

namespace fairway::kube {

enum class EventType { kNormal, kWarning };
const char* EventTypeName(EventType type);  // "Normal" / "Warning"

// core/v1 ObjectReference (involvedObject).
struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string ns;
  std::string name;
  std::string uid;
  std::string resource_version;

  // From an object's apiVersion, kind and metadata. Objects from lists may lack kind/apiVersion:
  // pass `api_version`/`kind` to fill them in.
  static ObjectReference FromObject(const json& object, const std::string& api_version = "",
                                    const std::string& kind = "");
  json ToJson() const;
};

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  // Records an event about `object`. `reason` is UpperCamelCase ("FailedScheduling").
  virtual void Event(const ObjectReference& object, EventType type, const std::string& reason,
                     const std::string& message) = 0;
};

// Keeps events in memory (tests of controllers).
class FakeEventRecorder : public EventRecorder {
 public:
  struct Recorded {
    ObjectReference object;
    EventType type;
    std::string reason;
    std::string message;
  };
  void Event(const ObjectReference& object, EventType type, const std::string& reason,
             const std::string& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back({object, type, reason, message});
  }
  std::vector<Recorded> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    events_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Recorded> events_;  // GUARDED_BY(mu_)
};

struct EventRecorderOptions {
  std::string component = "fairway";  // source.component / reportingComponent
  std::string host;                   // source.host / reportingInstance
  double qps = 1;                     // event writes per second (refill)
  int burst = 25;
  size_t max_queue = 1000;
  Duration aggregation_window = std::chrono::minutes(10);
  size_t max_aggregation_entries = 4096;
};

// Writes Events through an ApiClient.
class ApiEventRecorder : public EventRecorder {
 public:
  // REQUIRES: client and clock outlive the recorder.
  ApiEventRecorder(ApiClient* client, Clock* clock, EventRecorderOptions options = {});
  ~ApiEventRecorder() override;  // Shutdown()

  void Event(const ObjectReference& object, EventType type, const std::string& reason,
             const std::string& message) override;

  // Blocks (real time) until every queued event has been written or dropped.
  void Flush();
  // Stops the writer thread; queued events are dropped. Idempotent.
  void Shutdown();

  int64_t written() const { return written_.load(); }
  int64_t aggregated() const { return aggregated_.load(); }
  int64_t dropped() const { return dropped_.load(); }

 private:
  struct Pending {
    ObjectReference object;
    EventType type;
    std::string reason;
    std::string message;
    WallTime at;
  };
  struct Seen {
    std::string event_name;
    std::string event_ns;
    int64_t count;
    MonotonicTime last;
  };
  void Loop();
  void Write(const Pending& p);

  ApiClient* const client_;
  Clock* const clock_;
  const EventRecorderOptions options_;
  Logger log_{"kube.events"};
  TokenBucket limiter_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;                       // GUARDED_BY(mu_)
  bool busy_ = false;                               // GUARDED_BY(mu_)
  bool stop_ = false;                               // GUARDED_BY(mu_)
  std::map<std::string, Seen> seen_;                // writer thread only
  std::atomic<int64_t> written_{0};
  std::atomic<int64_t> aggregated_{0};
  std::atomic<int64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace fairway::kube
