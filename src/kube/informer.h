// Informer: a Reflector feeding a thread-safe, indexed cache and event handlers
// (kubernetes-api.md §3).
//
// The cache (ObjectCache) keys objects by "namespace/name" ("name" for cluster-scoped objects),
// stores them as immutable snapshots (shared_ptr<const json>), and keeps custom indexes, e.g.
// pods by spec.nodeName:
//
//   informer.AddIndex("nodeName", [](const json& pod) -> std::vector<std::string> {
//     return {pod["spec"].value("nodeName", "")}; });
//   for (auto& pod : informer.cache().ByIndex("nodeName", "gpu-1")) ...
//
// The cache never regresses: an add/update whose resourceVersion is not newer than the cached
// one (decimal comparison when both are numeric, else inequality) is ignored. Deletes of unknown
// keys are ignored. On relist, cached objects missing from the list are deleted (handlers get the
// last cached state).
//
// With InformerOptions::transform the cache and the handlers see transformed objects.
//
// Handlers run on the informer's thread, in event order; they must be fast (enqueue a key into a
// WorkQueue) and idempotent. Handlers added after Start() first get an add for every cached
// object. Resync (optional) re-delivers every cached object as an update with old == new.
//
// Thread-safety: ObjectCache and Informer are thread-safe. AddIndex before Start().
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "kube/api_client.h"
#include "kube/watch.h"

namespace fairway::kube {

using ObjectPtr = std::shared_ptr<const json>;

// "namespace/name", or "name" without a namespace.
std::string ObjectKey(const json& object);
std::string ObjectKey(const std::string& ns, const std::string& name);
// Splits a key into namespace ("" if none) and name.
std::pair<std::string, std::string> SplitObjectKey(const std::string& key);

// Index function: the index values of an object (may be empty).
using IndexFunc = std::function<std::vector<std::string>(const json& object)>;

// Thread-safe object cache with indexes. Used by Informer; usable alone in tests.
class ObjectCache {
 public:
  // Registers an index; REQUIRES: called before objects are added.
  void AddIndex(const std::string& name, IndexFunc fn);

  ObjectPtr Get(const std::string& key) const;
  ObjectPtr Get(const std::string& ns, const std::string& name) const;
  std::vector<ObjectPtr> List() const;
  // Objects in one namespace (uses the built-in "namespace" index).
  std::vector<ObjectPtr> ListNamespace(const std::string& ns) const;
  std::vector<std::string> ListKeys() const;
  // Objects whose index `index` contains `value`; empty if the index is unknown.
  std::vector<ObjectPtr> ByIndex(const std::string& index, const std::string& value) const;
  size_t Size() const;

  // Mutators (the Informer's; exposed for tests). Upsert returns the previous object, or null if
  // the key was new; `*applied` is false when ignored as stale.
  ObjectPtr Upsert(ObjectPtr object, bool* applied);
  // Removes `key`; returns the removed object or null.
  ObjectPtr Remove(const std::string& key);
  // Replaces the content; returns the objects that were dropped.
  std::vector<ObjectPtr> Replace(std::vector<ObjectPtr> objects);

 private:
  void IndexLocked(const std::string& key, const json& object, bool add);

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, ObjectPtr> items_;  // GUARDED_BY(mu_)
  std::map<std::string, IndexFunc> index_fns_;        // GUARDED_BY(mu_)
  // index name -> value -> keys
  std::map<std::string, std::unordered_map<std::string, std::set<std::string>>>
      indexes_;  // GUARDED_BY(mu_)
};

// True if resourceVersion `a` is newer than `b` (decimal compare when both numeric, else a != b).
bool ResourceVersionNewer(const std::string& a, const std::string& b);

struct ResourceEventHandler {
  std::function<void(const ObjectPtr& object)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  // `object` is the last known state (from the DELETED event or the cache on relist).
  std::function<void(const ObjectPtr& object)> on_delete;
};

// Rewrites each object from a list or watch event before it is stored and handed to handlers
// (client-go's TransformFunc): drops fields nobody reads, or moves the object into a typed store
// and keeps a small stub. Runs on the informer's thread; must keep metadata.name, namespace and
// resourceVersion.
using TransformFunc = std::function<json(json object)>;

struct InformerOptions {
  ReflectorOptions reflector;  // selectors, page size, watch timeouts, backoff, seed
  TransformFunc transform;     // optional
  // Re-deliver every cached object as an update this often; 0: never.
  Duration resync_period{0};
};

class Informer {
 public:
  // `ns` "" = all namespaces. REQUIRES: client and clock outlive the informer.
  Informer(ApiClient* client, ResourceRef ref, std::string ns, Clock* clock,
           InformerOptions options = {});
  ~Informer();  // Stop()s
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // REQUIRES: before Start().
  void AddIndex(const std::string& name, IndexFunc fn);
  // May be called any time; see file comment.
  void AddEventHandler(ResourceEventHandler handler);

  // Starts the list/watch thread. Calling it twice is a no-op.
  void Start();
  // Stops the thread; idempotent.
  void Stop();

  // True once the first list has been stored in the cache.
  bool HasSynced() const;
  // Blocks (real time) until HasSynced() or `timeout`; returns HasSynced().
  bool WaitForSync(Duration timeout) const;

  const ObjectCache& cache() const { return cache_; }
  const ResourceRef& resource() const { return ref_; }
  std::string LastSyncResourceVersion() const;
  const Reflector& reflector() const { return *reflector_; }

 private:
  class Sink;
  void Resync();

  ApiClient* const client_;
  const ResourceRef ref_;
  const std::string ns_;
  Clock* const clock_;
  const InformerOptions options_;
  ObjectCache cache_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<Reflector> reflector_;
  // Lock order: handlers_mu_ before the cache's lock. Handlers run with handlers_mu_ held.
  mutable std::mutex handlers_mu_;
  std::vector<ResourceEventHandler> handlers_;  // GUARDED_BY(handlers_mu_)
  std::atomic<bool> synced_{false};
  std::thread thread_;
  std::unique_ptr<TimerHandle> resync_timer_;  // GUARDED_BY(handlers_mu_)
  std::shared_ptr<std::atomic<bool>> alive_;
  bool started_ = false;
};

// Typed, read-only view of an informer's cache: decodes objects with `decode` on each read.
template <typename T>
class Lister {
 public:
  using Decoder = std::function<StatusOr<T>(const json&)>;
  Lister(const ObjectCache* cache, Decoder decode) : cache_(cache), decode_(std::move(decode)) {}

  // kNotFound if absent; the decoder's error if it does not decode.
  StatusOr<T> Get(const std::string& ns, const std::string& name) const {
    ObjectPtr obj = cache_->Get(ns, name);
    if (!obj) return Status(StatusCode::kNotFound, ObjectKey(ns, name) + " not found in cache");
    return decode_(*obj);
  }
  // Objects that decode; undecodable ones are skipped.
  std::vector<T> List(const std::string& ns = "") const {
    std::vector<T> out;
    for (const ObjectPtr& obj : ns.empty() ? cache_->List() : cache_->ListNamespace(ns)) {
      StatusOr<T> t = decode_(*obj);
      if (t.ok()) out.push_back(std::move(t).value());
    }
    return out;
  }

 private:
  const ObjectCache* cache_;
  Decoder decode_;
};

}  // namespace fairway::kube
