#include "kube/event_recorder.h"

#include <cstdio>

#include "kube/internal/util.h"

namespace fairway::kube {

const char* EventTypeName(EventType type) { return type == EventType::kWarning ? "Warning" : "Normal"; }

ObjectReference ObjectReference::FromObject(const json& object, const std::string& api_version,
                                            const std::string& kind) {
  ObjectReference r;
  r.api_version = object.value("apiVersion", api_version);
  r.kind = object.value("kind", kind);
  if (r.api_version.empty()) r.api_version = api_version;
  if (r.kind.empty()) r.kind = kind;
  auto m = object.find("metadata");
  if (m != object.end() && m->is_object()) {
    r.ns = m->value("namespace", "");
    r.name = m->value("name", "");
    r.uid = m->value("uid", "");
    r.resource_version = m->value("resourceVersion", "");
  }
  return r;
}

json ObjectReference::ToJson() const {
  json j = {{"apiVersion", api_version}, {"kind", kind}, {"name", name}};
  if (!ns.empty()) j["namespace"] = ns;
  if (!uid.empty()) j["uid"] = uid;
  if (!resource_version.empty()) j["resourceVersion"] = resource_version;
  return j;
}

ApiEventRecorder::ApiEventRecorder(ApiClient* client, Clock* clock, EventRecorderOptions options)
    : client_(client), clock_(clock), options_(std::move(options)),
      limiter_(options_.qps, options_.burst, clock) {
  thread_ = std::thread([this] { Loop(); });
}

ApiEventRecorder::~ApiEventRecorder() { Shutdown(); }

void ApiEventRecorder::Event(const ObjectReference& object, EventType type,
                             const std::string& reason, const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_ || queue_.size() >= options_.max_queue) {
    dropped_.fetch_add(1);
    return;
  }
  queue_.push_back(Pending{object, type, reason, message.substr(0, 1024), clock_->Now()});
  cv_.notify_all();
}

void ApiEventRecorder::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return (queue_.empty() && !busy_) || stop_; });
}

void ApiEventRecorder::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
    dropped_.fetch_add(static_cast<int64_t>(queue_.size()));
    queue_.clear();
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void ApiEventRecorder::Loop() {
  while (true) {
    Pending p;
    {
      std::unique_lock<std::mutex> lock(mu_);
      busy_ = false;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !queue_.empty() || stop_; });
      if (stop_) return;
      p = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    Write(p);
  }
}

void ApiEventRecorder::Write(const Pending& p) {
  std::string ns = p.object.ns.empty() ? "default" : p.object.ns;
  std::string key = ns + "\x1f" + p.object.kind + "\x1f" + p.object.name + "\x1f" + p.object.uid +
                    "\x1f" + EventTypeName(p.type) + "\x1f" + p.reason + "\x1f" + p.message;
  std::string ts = internal::FormatTime(p.at, 0);
  MonotonicTime mono = clock_->Monotonic();
  if (!limiter_.TryAccept()) {
    dropped_.fetch_add(1);
    FAIRWAY_LOG(log_, kDebug, "event dropped by rate limit", {{"reason", p.reason}});
    return;
  }
  auto it = seen_.find(key);
  if (it != seen_.end() && mono - it->second.last < options_.aggregation_window) {
    Seen& s = it->second;
    json patch = {{"count", s.count + 1}, {"lastTimestamp", ts}};
    StatusOr<json> r = client_->Patch(ResourceRef::Events(), s.event_ns, s.event_name,
                                      PatchType::kMerge, patch);
    if (r.ok()) {
      s.count += 1;
      s.last = mono;
      aggregated_.fetch_add(1);
      return;
    }
    seen_.erase(it);  // gone (expired) or failing: fall through and create a new one
  }
  char suffix[32];
  std::snprintf(suffix, sizeof(suffix), "%llx",
                static_cast<unsigned long long>(p.at.time_since_epoch().count()));
  std::string name = (p.object.name.empty() ? std::string("event") : p.object.name) + "." + suffix;
  json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"name", name}, {"namespace", ns}}},
             {"involvedObject", p.object.ToJson()},
             {"type", EventTypeName(p.type)},
             {"reason", p.reason},
             {"message", p.message},
             {"source", {{"component", options_.component}}},
             {"reportingComponent", options_.component},
             {"firstTimestamp", ts},
             {"lastTimestamp", ts},
             {"count", 1}};
  if (!options_.host.empty()) {
    ev["source"]["host"] = options_.host;
    ev["reportingInstance"] = options_.host;
  }
  StatusOr<json> r = client_->Create(ResourceRef::Events(), ns, ev);
  if (!r.ok()) {
    dropped_.fetch_add(1);
    FAIRWAY_LOG(log_, kWarn, "event write failed",
                {{"object", ns + "/" + p.object.name}, {"reason", p.reason},
                 {"error", r.status().ToString()}});
    return;
  }
  written_.fetch_add(1);
  if (seen_.size() >= options_.max_aggregation_entries) {
    // Drop the stalest entries (simple sweep).
    for (auto s = seen_.begin(); s != seen_.end();) {
      if (mono - s->second.last >= options_.aggregation_window) {
        s = seen_.erase(s);
      } else {
        ++s;
      }
    }
    if (seen_.size() >= options_.max_aggregation_entries) seen_.clear();
  }
  seen_[key] = Seen{name, ns, 1, mono};
}

}  // namespace fairway::kube
