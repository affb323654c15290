#include "kube/informer.h"

#include <chrono>
#include <thread>
#include <unordered_set>

namespace fairway::kube {

namespace {

const json& MetaOf(const json& obj) {
  static const json kEmpty = json::object();
  auto m = obj.find("metadata");
  return m != obj.end() && m->is_object() ? *m : kEmpty;
}

std::string RvOf(const json& obj) { return MetaOf(obj).value("resourceVersion", ""); }

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

constexpr char kNamespaceIndex[] = "namespace";

}  // namespace

std::string ObjectKey(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

std::string ObjectKey(const json& object) {
  const json& m = MetaOf(object);
  return ObjectKey(m.value("namespace", ""), m.value("name", ""));
}

std::pair<std::string, std::string> SplitObjectKey(const std::string& key) {
  auto pos = key.find('/');
  if (pos == std::string::npos) return {"", key};
  return {key.substr(0, pos), key.substr(pos + 1)};
}

bool ResourceVersionNewer(const std::string& a, const std::string& b) {
  if (AllDigits(a) && AllDigits(b)) {
    if (a.size() != b.size()) return a.size() > b.size();
    return a > b;
  }
  return a != b;
}

// ---- ObjectCache ----------------------------------------------------------------------------

void ObjectCache::AddIndex(const std::string& name, IndexFunc fn) {
  std::unique_lock lock(mu_);
  index_fns_[name] = std::move(fn);
  auto& idx = indexes_[name];
  idx.clear();
  for (const auto& [key, obj] : items_) {
    for (const std::string& v : index_fns_[name](*obj)) idx[v].insert(key);
  }
}

void ObjectCache::IndexLocked(const std::string& key, const json& object, bool add) {
  auto apply = [&](const std::string& index, const std::vector<std::string>& values) {
    auto& idx = indexes_[index];
    for (const std::string& v : values) {
      if (add) {
        idx[v].insert(key);
      } else {
        auto it = idx.find(v);
        if (it != idx.end()) {
          it->second.erase(key);
          if (it->second.empty()) idx.erase(it);
        }
      }
    }
  };
  apply(kNamespaceIndex, {MetaOf(object).value("namespace", "")});
  for (const auto& [name, fn] : index_fns_) {
    std::vector<std::string> values;
    try {
      values = fn(object);
    } catch (const std::exception&) {
      // An index function must not throw; a malformed object is simply not indexed.
    }
    apply(name, values);
  }
}

ObjectPtr ObjectCache::Get(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

ObjectPtr ObjectCache::Get(const std::string& ns, const std::string& name) const {
  return Get(ObjectKey(ns, name));
}

std::vector<ObjectPtr> ObjectCache::List() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [k, v] : items_) out.push_back(v);
  return out;
}

std::vector<ObjectPtr> ObjectCache::ListNamespace(const std::string& ns) const {
  return ByIndex(kNamespaceIndex, ns);
}

std::vector<std::string> ObjectCache::ListKeys() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& [k, v] : items_) out.push_back(k);
  return out;
}

std::vector<ObjectPtr> ObjectCache::ByIndex(const std::string& index,
                                            const std::string& value) const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  out.reserve(keys->second.size());
  for (const std::string& k : keys->second) {
    auto it = items_.find(k);
    if (it != items_.end()) out.push_back(it->second);
  }
  return out;
}

size_t ObjectCache::Size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

ObjectPtr ObjectCache::Upsert(ObjectPtr object, bool* applied) {
  std::string key = ObjectKey(*object);
  std::unique_lock lock(mu_);
  auto it = items_.find(key);
  if (it != items_.end()) {
    if (!ResourceVersionNewer(RvOf(*object), RvOf(*it->second))) {
      if (applied) *applied = false;
      return it->second;
    }
    ObjectPtr old = it->second;
    IndexLocked(key, *old, false);
    it->second = object;
    IndexLocked(key, *object, true);
    if (applied) *applied = true;
    return old;
  }
  items_.emplace(key, object);
  IndexLocked(key, *object, true);
  if (applied) *applied = true;
  return nullptr;
}

ObjectPtr ObjectCache::Remove(const std::string& key) {
  std::unique_lock lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr old = it->second;
  IndexLocked(key, *old, false);
  items_.erase(it);
  return old;
}

std::vector<ObjectPtr> ObjectCache::Replace(std::vector<ObjectPtr> objects) {
  std::unique_lock lock(mu_);
  std::unordered_map<std::string, ObjectPtr> next;
  next.reserve(objects.size());
  for (ObjectPtr& o : objects) next[ObjectKey(*o)] = std::move(o);
  std::vector<ObjectPtr> dropped;
  for (const auto& [k, v] : items_) {
    if (!next.count(k)) dropped.push_back(v);
  }
  items_.swap(next);
  for (auto& [name, idx] : indexes_) idx.clear();
  for (const auto& [k, v] : items_) IndexLocked(k, *v, true);
  return dropped;
}

// ---- Informer -------------------------------------------------------------------------------

class Informer::Sink : public ReflectorSink {
 public:
  explicit Sink(Informer* inf) : inf_(inf) {}

  void Replace(std::vector<json> items, const std::string& resource_version) override {
    std::lock_guard<std::mutex> lock(inf_->handlers_mu_);
    std::unordered_set<std::string> keys;
    keys.reserve(items.size());
    for (json& item : items) {
      auto obj = std::make_shared<const json>(Transform(std::move(item)));
      keys.insert(ObjectKey(*obj));
      DeliverUpsertLocked(std::move(obj));
    }
    for (const std::string& key : inf_->cache_.ListKeys()) {
      if (keys.count(key)) continue;
      ObjectPtr gone = inf_->cache_.Remove(key);
      if (!gone) continue;
      for (auto& h : inf_->handlers_) {
        if (h.on_delete) h.on_delete(gone);
      }
    }
    inf_->synced_.store(true);
  }

  void Add(json object) override { Upsert(std::move(object)); }
  void Update(json object) override { Upsert(std::move(object)); }

  void Delete(json object) override {
    std::lock_guard<std::mutex> lock(inf_->handlers_mu_);
    std::string key = ObjectKey(object);
    ObjectPtr cached = inf_->cache_.Get(key);
    if (!cached) return;
    if (ResourceVersionNewer(RvOf(*cached), RvOf(object))) return;  // stale delete
    inf_->cache_.Remove(key);
    // Transformed only once it applies: a transform may keep state (a typed store).
    auto last = std::make_shared<const json>(Transform(std::move(object)));
    for (auto& h : inf_->handlers_) {
      if (h.on_delete) h.on_delete(last);
    }
  }

 private:
  void Upsert(json object) {
    std::lock_guard<std::mutex> lock(inf_->handlers_mu_);
    DeliverUpsertLocked(std::make_shared<const json>(Transform(std::move(object))));
  }

  json Transform(json object) const {
    return inf_->options_.transform ? inf_->options_.transform(std::move(object)) : object;
  }

  void DeliverUpsertLocked(ObjectPtr obj) {
    bool applied = false;
    ObjectPtr old = inf_->cache_.Upsert(obj, &applied);
    if (!applied) return;
    for (auto& h : inf_->handlers_) {
      if (old) {
        if (h.on_update) h.on_update(old, obj);
      } else if (h.on_add) {
        h.on_add(obj);
      }
    }
  }

  Informer* inf_;
};

Informer::Informer(ApiClient* client, ResourceRef ref, std::string ns, Clock* clock,
                   InformerOptions options)
    : client_(client),
      ref_(std::move(ref)),
      ns_(std::move(ns)),
      clock_(clock),
      options_(std::move(options)),
      sink_(std::make_unique<Sink>(this)),
      alive_(std::make_shared<std::atomic<bool>>(true)) {
  reflector_ =
      std::make_unique<Reflector>(client_, ref_, ns_, sink_.get(), clock_, options_.reflector);
}

Informer::~Informer() {
  Stop();
  alive_->store(false);
}

void Informer::AddIndex(const std::string& name, IndexFunc fn) {
  cache_.AddIndex(name, std::move(fn));
}

void Informer::AddEventHandler(ResourceEventHandler handler) {
  std::lock_guard<std::mutex> lock(handlers_mu_);
  if (handler.on_add) {
    for (const ObjectPtr& obj : cache_.List()) handler.on_add(obj);
  }
  handlers_.push_back(std::move(handler));
}

void Informer::Start() {
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] { reflector_->Run(); });
  if (options_.resync_period > Duration::zero()) {
    std::lock_guard<std::mutex> lock(handlers_mu_);
    std::weak_ptr<std::atomic<bool>> alive = alive_;
    resync_timer_ = clock_->Schedule(options_.resync_period, [this, alive] {
      auto a = alive.lock();
      if (a && a->load()) Resync();
    });
  }
}

void Informer::Resync() {
  std::lock_guard<std::mutex> lock(handlers_mu_);
  if (!alive_->load()) return;
  if (synced_.load()) {
    for (const ObjectPtr& obj : cache_.List()) {
      for (auto& h : handlers_) {
        if (h.on_update) h.on_update(obj, obj);
      }
    }
  }
  std::weak_ptr<std::atomic<bool>> alive = alive_;
  resync_timer_ = clock_->Schedule(options_.resync_period, [this, alive] {
    auto a = alive.lock();
    if (a && a->load()) Resync();
  });
}

void Informer::Stop() {
  {
    std::lock_guard<std::mutex> lock(handlers_mu_);
    alive_->store(false);
    if (resync_timer_) resync_timer_->Cancel();
  }
  reflector_->Stop();
  if (thread_.joinable()) thread_.join();
}

bool Informer::HasSynced() const { return synced_.load(); }

bool Informer::WaitForSync(Duration timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!synced_.load()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::string Informer::LastSyncResourceVersion() const {
  return reflector_->LastSyncResourceVersion();
}

}  // namespace fairway::kube
