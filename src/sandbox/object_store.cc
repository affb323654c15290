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

Result<uint64_t> ObjectStore::Journal(const std::string& bucket, const std::string& ns,
                                      const std::string& name, int64_t rv,
                                      const ObjectPtr& object) {
  if (journal_ == nullptr) return uint64_t{0};
  return journal_->Append(bucket, ns, name, rv, object.get());
}

void ObjectStore::Sync(uint64_t ticket) {
  StoreJournal* journal = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    journal = journal_;
  }
  if (journal != nullptr && ticket > 0) journal->Sync(ticket);
}

Result<ObjectPtr> ObjectStore::Create(const ResourceRef& ref, nlohmann::json object) {
  std::string ns = internal::NamespaceOf(object);
  std::string name = internal::NameOf(object);
  std::vector<std::shared_ptr<StoreWatcher>> wake;
  ObjectPtr stored;
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& bucket = buckets_[ref.bucket];
    Key key{ns, name};
    if (bucket.count(key) > 0) return AlreadyExists(ref, name);
    int64_t rv = rv_ + 1;
    stored = Stamp(std::move(object), rv);
    Result<uint64_t> journaled = Journal(ref.bucket, ns, name, rv, stored);
    if (!journaled.ok()) return journaled.error();
    ticket = *journaled;
    rv_ = rv;
    bucket.emplace(key, stored);
    Publish(ref.bucket, ns, {EventType::kAdded, stored, nullptr, rv}, &wake);
  }
  // Durable before anyone (the client, a watcher) sees it.
  Sync(ticket);
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
  uint64_t ticket = 0;
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
    if (mu.kind == Mutation::kNoop) {
      result.object = current;
      return result;
    }
    // Both records of a replace-then-remove are journaled before either is applied.
    ObjectPtr stored;
    int64_t rv = rv_;
    if (mu.kind != Mutation::kRemove) {
      stored = Stamp(std::move(mu.object), ++rv);
      SANDBOX_ASSIGN_OR_RETURN(ticket, Journal(ref.bucket, ns, name, rv, stored));
    }
    const bool removes = mu.kind != Mutation::kReplace;
    if (removes) {
      SANDBOX_ASSIGN_OR_RETURN(ticket, Journal(ref.bucket, ns, name, ++rv, nullptr));
    }
    rv_ = rv;
    result.changed = true;
    if (stored) {
      const int64_t stored_rv = removes ? rv - 1 : rv;
      it->second = stored;
      Publish(ref.bucket, ns, {EventType::kModified, stored, current, stored_rv}, &wake);
      result.object = stored;
      current = stored;
    }
    if (removes) {
      ObjectPtr last = Stamp(*current, rv);
      bucket.erase(it);
      Publish(ref.bucket, ns, {EventType::kDeleted, last, current, rv}, &wake);
      result.object = last;
      result.removed = true;
    }
  }
  Sync(ticket);
  WakeAll(wake);
  return result;
}

void ObjectStore::RemoveBucket(const std::string& bucket) {
  std::vector<std::shared_ptr<StoreWatcher>> wake;
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto b = buckets_.find(bucket);
    if (b == buckets_.end()) return;
    auto objects = std::move(b->second);
    buckets_.erase(b);
    for (auto& [key, obj] : objects) {
      int64_t rv = ++rv_;
      // The objects are gone from memory either way; a journal error only loses their records
      // (a restart would bring them back until the next removal).
      Result<uint64_t> journaled = Journal(bucket, key.first, key.second, rv, nullptr);
      if (journaled.ok()) ticket = *journaled;
      Publish(bucket, key.first, {EventType::kDeleted, Stamp(*obj, rv), obj, rv}, &wake);
    }
  }
  Sync(ticket);
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

void ObjectStore::SetJournal(StoreJournal* journal) {
  std::lock_guard<std::mutex> lock(mu_);
  journal_ = journal;
}

void ObjectStore::Restore(std::vector<BucketObject> objects, int64_t rv) {
  std::lock_guard<std::mutex> lock(mu_);
  buckets_.clear();
  for (BucketObject& o : objects) {
    Key key{internal::NamespaceOf(*o.object), internal::NameOf(*o.object)};
    buckets_[o.bucket][key] = std::move(o.object);
  }
  rv_ = rv;
  history_.clear();
  compacted_rv_ = rv;
}

std::vector<BucketObject> ObjectStore::Dump(int64_t* rv) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<BucketObject> out;
  for (const auto& [bucket, objects] : buckets_) {
    for (const auto& [key, obj] : objects) out.push_back({bucket, obj});
  }
  *rv = rv_;
  return out;
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
