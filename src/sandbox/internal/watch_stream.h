// The WatchStream of one watch request: drains a StoreWatcher, applies the request's selectors
// (objects leaving the selection become DELETED, entering ones ADDED), renders each event in the
// requested view (kind/apiVersion, events.k8s.io conversion, Table rows) as one JSON line, and
// adds BOOKMARKs when allowed.
//
// Thread-safety: thread-safe (see WatchStream).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "sandbox/http_types.h"
#include "sandbox/object_store.h"
#include "sandbox/resource_registry.h"
#include "sandbox/selectors.h"
#include "sandbox/table.h"

namespace fairway::sandbox::internal {

class ApiWatchStream : public WatchStream {
 public:
  struct Config {
    ResourceInfoPtr info;
    ObjectFilter filter;
    bool allow_bookmarks = false;
    bool table = false;
    IncludeObject include = IncludeObject::kMetadata;
    std::chrono::seconds timeout{0};
    Duration bookmark_interval = std::chrono::seconds(30);
  };

  // `watcher` may be null for a stream that only sends `initial_lines` and ends (410 ERROR).
  ApiWatchStream(ObjectStore* store, std::shared_ptr<StoreWatcher> watcher, Config config,
                 Clock* clock, std::string initial_lines = {});
  ~ApiWatchStream() override;

  void SetWakeup(std::function<void()> wakeup) override;
  bool Poll(std::string* out) override;
  void Close() override;
  std::chrono::seconds timeout() const override { return config_.timeout; }

 private:
  void Render(const char* type, const nlohmann::json& stored, std::string* out);

  ObjectStore* store_;
  std::shared_ptr<StoreWatcher> watcher_;
  Config config_;
  Clock* clock_;
  std::mutex mu_;
  std::string pending_;              // GUARDED_BY(mu_)
  bool first_table_ = true;          // GUARDED_BY(mu_)
  MonotonicTime last_bookmark_;      // GUARDED_BY(mu_)
  int64_t last_sent_rv_ = 0;         // GUARDED_BY(mu_)
  std::atomic<bool> closed_{false};
};

}  // namespace fairway::sandbox::internal
