// The sandbox's storage: versioned JSON objects with watch fan-out, playing etcd's role.
//
// Objects live in buckets (one per resource, shared by all of its versions and views, e.g.
// "/pods", "fairway.dev/jobs") keyed by (namespace, name). One global revision counter is bumped
// on every write and stamped into metadata.resourceVersion as a decimal string, so a list's
// revision is never lower than any item's. Objects are immutable once stored (shared_ptr<const>),
// which makes list snapshots and watch events cheap to hand out.
//
// The store knows nothing about Kubernetes semantics beyond resourceVersion: the API layer passes
// a Mutate function that computes the next state from the current one under the store lock, so
// read-modify-write is atomic.
//
// Watch: a StoreWatcher receives every event of its bucket (optionally one namespace) in revision
// order. A watch may start from a revision; events after it are replayed from the bounded history
// (`history_limit` events, or less after Compact()); older revisions give 410 Expired.
//
// Thread-safety: all methods are thread-safe. Mutate functions run under the store lock and must
// not call back into the store. Watcher wake-up callbacks run after the lock is released, on the
// writer's thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/api_error.h"

namespace fairway::sandbox {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

enum class EventType { kAdded, kModified, kDeleted };
const char* EventTypeName(EventType t);  // "ADDED", ...

struct StoreEvent {
  EventType type = EventType::kAdded;
  ObjectPtr object;    // new state; for kDeleted the last state with the deletion's revision
  ObjectPtr previous;  // state before the write (null for kAdded)
  int64_t rv = 0;
};

// A subscription to one bucket. Created by ObjectStore::Watch, drained with ObjectStore::Drain.
class StoreWatcher {
 public:
  const std::string& bucket() const { return bucket_; }
  const std::string& ns() const { return ns_; }
  // Sets the callback run (from a writer's thread) when events arrive or the watcher closes.
  void SetWakeup(std::function<void()> wakeup);

 private:
  friend class ObjectStore;
  void Wake();

  std::string bucket_;
  std::string ns_;                // empty: all namespaces
  std::deque<StoreEvent> queue_;  // GUARDED_BY(ObjectStore::mu_)
  bool closed_ = false;           // GUARDED_BY(ObjectStore::mu_)
  std::mutex wake_mu_;
  std::function<void()> wakeup_;  // GUARDED_BY(wake_mu_)
};

// What a Mutate function wants done.
struct Mutation {
  enum Kind {
    kNoop,               // keep the current object, no write
    kReplace,            // store `object`
    kRemove,             // delete the object now
    kReplaceThenRemove,  // store `object` (MODIFIED), then delete it (DELETED)
  };
  Kind kind = kNoop;
  nlohmann::json object;
};

// Where the store makes its writes durable (persistence.h). Append runs under the store lock, in
// revision order, before the write is applied: an error refuses the write. Sync runs after the
// lock is released and returns once the record of `ticket` (and every earlier one) is on disk,
// so concurrent writers share one flush.
class StoreJournal {
 public:
  virtual ~StoreJournal() = default;
  // `object` null: the object at (bucket, ns, name) was removed at revision `rv`.
  virtual Result<uint64_t> Append(const std::string& bucket, const std::string& ns,
                                  const std::string& name, int64_t rv,
                                  const nlohmann::json* object) = 0;
  virtual void Sync(uint64_t ticket) = 0;
};

// One stored object and its bucket, as persistence saves and restores them.
struct BucketObject {
  std::string bucket;
  ObjectPtr object;
};

class ObjectStore {
 public:
  using MutateFn = std::function<Result<Mutation>(const nlohmann::json& current)>;

  struct Options {
    // Watch history kept for resuming watches; older revisions give 410 Expired.
    size_t history_limit = 10000;
    // Events a slow watcher may have queued before it is closed.
    size_t max_watcher_queue = 100000;
  };

  ObjectStore();
  explicit ObjectStore(Options options);
  ~ObjectStore();

  // Stores a new object (metadata.namespace/name set by the caller). 409 AlreadyExists if taken.
  Result<ObjectPtr> Create(const ResourceRef& ref, nlohmann::json object);
  Result<ObjectPtr> Get(const ResourceRef& ref, const std::string& ns,
                        const std::string& name) const;

  struct Snapshot {
    int64_t rv = 0;                // store revision at read time
    std::vector<ObjectPtr> items;  // sorted by (namespace, name)
  };
  // ns empty: every namespace.
  Snapshot List(const std::string& bucket, const std::string& ns) const;

  struct WriteResult {
    ObjectPtr object;      // stored state (for removals: the last state)
    bool changed = false;  // false for kNoop or an identical object
    bool removed = false;
  };
  // Runs `fn` on the current object under the lock and applies its Mutation. 404 if absent.
  Result<WriteResult> Mutate(const ResourceRef& ref, const std::string& ns, const std::string& name,
                             const MutateFn& fn);

  // Removes every object of a bucket (DELETED events); used when a CRD goes away.
  void RemoveBucket(const std::string& bucket);

  int64_t CurrentRv() const;

  // Starts a watch. `since` unset: ADDED for each current object first. Otherwise events with
  // revision > since; 410 Expired when `since` is older than the retained history.
  Result<std::shared_ptr<StoreWatcher>> Watch(const std::string& bucket, const std::string& ns,
                                              std::optional<int64_t> since);
  // Moves queued events to *out. Returns the store revision at drain time (all queued events are
  // at or below it) and whether the watcher was closed.
  int64_t Drain(StoreWatcher& watcher, std::vector<StoreEvent>* out, bool* closed);
  // Unsubscribes; pending events are dropped.
  void StopWatch(StoreWatcher& watcher);
  // Closes every watcher (fault injection: "drop watch streams").
  void CloseAllWatchers();
  size_t WatcherCount() const;

  // Makes every later write go through `journal` (not owned; must outlive the store's writes).
  void SetJournal(StoreJournal* journal);
  // Replaces every object with `objects` (stamped with their resourceVersions) and the revision
  // with `rv`; history is gone (watches from before get 410). For restoring saved state before
  // serving.
  void Restore(std::vector<BucketObject> objects, int64_t rv);
  // Every object with its bucket, and the revision they are at.
  std::vector<BucketObject> Dump(int64_t* rv) const;

  // Forgets all history: every watch from an earlier revision now gets 410.
  void Compact();
  // Oldest revision a watch may resume from.
  int64_t CompactedRv() const;

 private:
  using Key = std::pair<std::string, std::string>;  // (namespace, name)
  struct HistoryEntry {
    std::string bucket;
    std::string ns;
    StoreEvent event;
  };

  // REQUIRES: mu_ held. Appends to history and queues to matching watchers.
  void Publish(const std::string& bucket, const std::string& ns, StoreEvent event,
               std::vector<std::shared_ptr<StoreWatcher>>* to_wake);
  ObjectPtr Stamp(nlohmann::json object, int64_t rv) const;
  // REQUIRES: mu_ held. Journals one write (object null: a removal); without a journal, ticket 0.
  Result<uint64_t> Journal(const std::string& bucket, const std::string& ns,
                           const std::string& name, int64_t rv, const ObjectPtr& object);
  // Waits for the journal to hold `ticket` durably; call without mu_.
  void Sync(uint64_t ticket);
  static void WakeAll(const std::vector<std::shared_ptr<StoreWatcher>>& watchers);

  Options options_;
  mutable std::mutex mu_;
  int64_t rv_ = 0;                                           // GUARDED_BY(mu_)
  std::map<std::string, std::map<Key, ObjectPtr>> buckets_;  // GUARDED_BY(mu_)
  std::deque<HistoryEntry> history_;                         // GUARDED_BY(mu_)
  int64_t compacted_rv_ = 0;                                 // GUARDED_BY(mu_)
  std::set<std::shared_ptr<StoreWatcher>> watchers_;         // GUARDED_BY(mu_)
  StoreJournal* journal_ = nullptr;                          // GUARDED_BY(mu_)
};

}  // namespace fairway::sandbox
