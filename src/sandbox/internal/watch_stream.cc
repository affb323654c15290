#include "sandbox/internal/watch_stream.h"

#include "sandbox/internal/util.h"
#include "sandbox/internal/views.h"

namespace fairway::sandbox::internal {

ApiWatchStream::ApiWatchStream(ObjectStore* store, std::shared_ptr<StoreWatcher> watcher,
                               Config config, Clock* clock, std::string initial_lines)
    : store_(store), watcher_(std::move(watcher)), config_(std::move(config)), clock_(clock),
      pending_(std::move(initial_lines)), last_bookmark_(clock->Monotonic()) {
  if (!watcher_) closed_ = true;
}

ApiWatchStream::~ApiWatchStream() { Close(); }

void ApiWatchStream::SetWakeup(std::function<void()> wakeup) {
  if (watcher_) watcher_->SetWakeup(std::move(wakeup));
}

void ApiWatchStream::Close() {
  if (closed_.exchange(true)) return;
  if (watcher_) {
    watcher_->SetWakeup(nullptr);
    store_->StopWatch(*watcher_);
  }
}

void ApiWatchStream::Render(const char* type, const nlohmann::json& stored, std::string* out) {
  nlohmann::json obj = ToView(*config_.info, stored);
  if (config_.table) {
    nlohmann::json meta = {{"resourceVersion", GetString(stored, {"metadata", "resourceVersion"})}};
    obj = RenderTable(*config_.info, {obj}, meta, config_.include, clock_->Now(), first_table_);
    first_table_ = false;
  }
  nlohmann::json ev = {{"type", type}, {"object", std::move(obj)}};
  out->append(ev.dump());
  out->push_back('\n');
}

bool ApiWatchStream::Poll(std::string* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->append(pending_);
  pending_.clear();
  if (!watcher_) return false;
  std::vector<StoreEvent> events;
  bool closed = false;
  int64_t rv = store_->Drain(*watcher_, &events, &closed);
  for (const StoreEvent& e : events) {
    const ObjectFilter& f = config_.filter;
    switch (e.type) {
      case EventType::kAdded:
        if (f.Matches(*e.object)) Render("ADDED", *e.object, out);
        break;
      case EventType::kModified: {
        bool now_match = f.Matches(*e.object);
        bool was_match = e.previous != nullptr && f.Matches(*e.previous);
        if (now_match && was_match) {
          Render("MODIFIED", *e.object, out);
        } else if (now_match) {
          Render("ADDED", *e.object, out);
        } else if (was_match) {
          // Left the selection: previous content with the new resourceVersion.
          nlohmann::json prev = *e.previous;
          prev["metadata"]["resourceVersion"] = std::to_string(e.rv);
          Render("DELETED", prev, out);
        }
        break;
      }
      case EventType::kDeleted:
        if (f.Matches(*e.object)) Render("DELETED", *e.object, out);
        break;
    }
    last_sent_rv_ = e.rv;
  }
  if (config_.allow_bookmarks && !closed && !closed_.load()) {
    MonotonicTime now = clock_->Monotonic();
    if (now - last_bookmark_ >= config_.bookmark_interval) {
      last_bookmark_ = now;
      // Nothing is queued past `rv` for this watcher, so it is a safe resume point.
      nlohmann::json bm = {{"type", "BOOKMARK"},
                           {"object",
                            {{"kind", IsEventsV1(*config_.info) ? "Event" : config_.info->kind},
                             {"apiVersion", config_.info->GroupVersion()},
                             {"metadata", {{"resourceVersion", std::to_string(rv)}}}}}};
      out->append(bm.dump());
      out->push_back('\n');
    }
  }
  return !(closed || closed_.load());
}

}  // namespace fairway::sandbox::internal
