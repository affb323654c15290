#include "sandbox/object_store.h"

#include "sandbox/internal/util.h"

namespace fairway::sandbox {

const char* EventTypeName(EventType t) {
  switch (t) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
  }
  return "ERROR";
}

void StoreWatcher::SetWakeup(std::function<void()> wakeup) {
  std::lock_guard<std::mutex> lock(wake_mu_);
  wakeup_ = std::move(wakeup);
}

void StoreWatcher::Wake() {
  std::function<void()> fn;
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    fn = wakeup_;
  }
  if (fn) fn();
}

ObjectStore::ObjectStore() : ObjectStore(Options{}) {}
ObjectStore::ObjectStore(Options options) : options_(options) {}
ObjectStore::~ObjectStore() { CloseAllWatchers(); }

ObjectPtr ObjectStore::Stamp(nlohmann::json object, int64_t rv) const {
  internal::EnsureObject(object, "metadata")["resourceVersion"] = std::to_string(rv);
  return std::make_shared<const nlohmann::json>(std::move(object));
}

void ObjectStore::WakeAll(const std::vector<std::shared_ptr<StoreWatcher>>& watchers) {
  for (const auto& w : watchers) w->Wake();
}

void ObjectStore::Publish(const std::string& bucket, const std::string& ns, StoreEvent event,
                          std::vector<std::shared_ptr<StoreWatcher>>* to_wake) {
  for (const auto& w : watchers_) {
    if (w->closed_ || w->bucket_ != bucket || (!w->ns_.empty() && w->ns_ != ns)) continue;
    if (w->queue_.size() >= options_.max_watcher_queue) {
      w->closed_ = true;  // too slow: the client relists after the stream ends
      w->queue_.clear();
    } else {
      w->queue_.push_back(event);
    }
    to_wake->push_back(w);
  }
  history_.push_back({bucket, ns, std::move(event)});
  while (history_.size() > options_.history_limit) {
    compacted_rv_ = history_.front().event.rv;
    history_.pop_front();
  }
}

Result<ObjectPtr> ObjectStore::Create(const ResourceRef& ref, nlohmann::json object) {
  std::string ns = internal::NamespaceOf(object);
  std::string name = internal::NameOf(object);
  std::vector<std::shared_ptr<StoreWatcher>> wake;
  ObjectPtr stored;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& bucket = buckets_[ref.bucket];
    Key key{ns, name};
    if (bucket.count(key) > 0) return AlreadyExists(ref, name);
    int64_t rv = ++rv_;
    stored = Stamp(std::move(object), rv);
    bucket.emplace(key, stored);
    Publish(ref.bucket, ns, {EventType::kAdded, stored, nullptr, rv}, &wake);
  }
  WakeAll(wake);
  return stored;
}

Result<ObjectPtr> ObjectStore::Get(const ResourceRef& ref, const std::string& ns,
                                   const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(ref.bucket);
  if (b != buckets_.end()) {
    auto it = b->second.find({ns, name});
    if (it != b->second.end()) return it->second;
  }
  return NotFound(ref, name);
}

ObjectStore::Snapshot ObjectStore::List(const std::string& bucket, const std::string& ns) const {
  Snapshot snap;
  std::lock_guard<std::mutex> lock(mu_);
  snap.rv = rv_;
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return snap;
  if (ns.empty()) {
    snap.items.reserve(b->second.size());
    for (const auto& [key, obj] : b->second) snap.items.push_back(obj);
  } else {
    for (auto it = b->second.lower_bound({ns, ""}); it != b->second.end() && it->first.first == ns;
         ++it) {
      snap.items.push_back(it->second);
    }
  }
  return snap;
}

Result<ObjectStore::WriteResult> ObjectStore::Mutate(const ResourceRef& ref, const std::string& ns,
                                                     const std::string& name, const MutateFn& fn) {
  std::vector<std::shared_ptr<StoreWatcher>> wake;
  WriteResult result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& bucket = buckets_[ref.bucket];
    auto it = bucket.find({ns, name});
    if (it == bucket.end()) return NotFound(ref, name);
    ObjectPtr current = it->second;
    Result<Mutation> m = fn(*current);
    if (!m.ok()) return m.error();
    Mutation& mu = m.value();
    if (mu.kind == Mutation::kReplace || mu.kind == Mutation::kReplaceThenRemove) {
      // Identity and revision are the store's: an identical object is not a write.
      internal::EnsureObject(mu.object, "metadata")["resourceVersion"] =
          (*current)["metadata"]["resourceVersion"];
      internal::EnsureObject(mu.object, "metadata")["name"] = name;
      if (!ns.empty()) mu.object["metadata"]["namespace"] = ns;
      if (mu.object == *current) {
        mu.kind = mu.kind == Mutation::kReplace ? Mutation::kNoop : Mutation::kRemove;
      }
    }
    switch (mu.kind) {
      case Mutation::kNoop:
        result.object = current;
        break;
      case Mutation::kReplace:
      case Mutation::kReplaceThenRemove: {
        int64_t rv = ++rv_;
        ObjectPtr stored = Stamp(std::move(mu.object), rv);
        it->second = stored;
        Publish(ref.bucket, ns, {EventType::kModified, stored, current, rv}, &wake);
        result.object = stored;
        result.changed = true;
        if (mu.kind == Mutation::kReplace) break;
        current = stored;
        [[fallthrough]];
      }
      case Mutation::kRemove: {
        int64_t rv = ++rv_;
        ObjectPtr last = Stamp(*current, rv);
        bucket.erase(it);
        Publish(ref.bucket, ns, {EventType::kDeleted, last, current, rv}, &wake);
        result.object = last;
        result.changed = true;
        result.removed = true;
        break;
      }
    }
  }
  WakeAll(wake);
  return result;
}

void ObjectStore::RemoveBucket(const std::string& bucket) {
  std::vector<std::shared_ptr<StoreWatcher>> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto b = buckets_.find(bucket);
    if (b == buckets_.end()) return;
    auto objects = std::move(b->second);
    buckets_.erase(b);
    for (auto& [key, obj] : objects) {
      int64_t rv = ++rv_;
      Publish(bucket, key.first, {EventType::kDeleted, Stamp(*obj, rv), obj, rv}, &wake);
    }
  }
  WakeAll(wake);
}

int64_t ObjectStore::CurrentRv() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rv_;
}

Result<std::shared_ptr<StoreWatcher>> ObjectStore::Watch(const std::string& bucket,
                                                         const std::string& ns,
                                                         std::optional<int64_t> since) {
  auto w = std::make_shared<StoreWatcher>();
  w->bucket_ = bucket;
  w->ns_ = ns;
  std::lock_guard<std::mutex> lock(mu_);
  if (!since.has_value()) {
    auto b = buckets_.find(bucket);
    if (b != buckets_.end()) {
      for (const auto& [key, obj] : b->second) {
        if (!ns.empty() && key.first != ns) continue;
        auto rv = internal::ParseRv(internal::GetString(*obj, {"metadata", "resourceVersion"}));
        w->queue_.push_back({EventType::kAdded, obj, nullptr, rv.value_or(0)});
      }
    }
  } else {
    if (*since < compacted_rv_) {
      return Expired("too old resource version: " + std::to_string(*since) + " (" +
                     std::to_string(compacted_rv_ + 1) + ")");
    }
    for (const HistoryEntry& h : history_) {
      if (h.event.rv <= *since || h.bucket != bucket || (!ns.empty() && h.ns != ns)) continue;
      w->queue_.push_back(h.event);
    }
  }
  watchers_.insert(w);
  return w;
}

int64_t ObjectStore::Drain(StoreWatcher& watcher, std::vector<StoreEvent>* out, bool* closed) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& e : watcher.queue_) out->push_back(std::move(e));
  watcher.queue_.clear();
  *closed = watcher.closed_;
  return rv_;
}

void ObjectStore::StopWatch(StoreWatcher& watcher) {
  std::lock_guard<std::mutex> lock(mu_);
  watcher.closed_ = true;
  watcher.queue_.clear();
  for (auto it = watchers_.begin(); it != watchers_.end(); ++it) {
    if (it->get() == &watcher) {
      watchers_.erase(it);
      break;
    }
  }
}

void ObjectStore::CloseAllWatchers() {
  std::vector<std::shared_ptr<StoreWatcher>> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& w : watchers_) {
      w->closed_ = true;
      wake.push_back(w);
    }
    watchers_.clear();
  }
  WakeAll(wake);
}

size_t ObjectStore::WatcherCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return watchers_.size();
}

void ObjectStore::Compact() {
  std::lock_guard<std::mutex> lock(mu_);
  history_.clear();
  compacted_rv_ = rv_;
}

int64_t ObjectStore::CompactedRv() const {
  std::lock_guard<std::mutex> lock(mu_);
  return compacted_rv_;
}

}  // namespace fairway::sandbox
