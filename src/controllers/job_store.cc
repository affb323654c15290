#include "controllers/job_store.h"

#include <utility>

#include "controllers/kube_objects.h"

namespace fairway::controllers {

using nlohmann::json;

namespace {

// Copies the fields of `from` named in `keys` that are present into `to`.
void CopyFields(const json& from, std::initializer_list<const char*> keys, json* to) {
  if (!from.is_object()) return;
  for (const char* k : keys) {
    auto it = from.find(k);
    if (it != from.end()) (*to)[k] = *it;
  }
}

}  // namespace

json JobStub(const json& object) {
  json stub = json::object();
  CopyFields(object, {"apiVersion", "kind"}, &stub);
  json meta = json::object();
  if (const json* m = JsonAt(object, {"metadata"})) {
    CopyFields(*m, {"name", "namespace", "uid", "resourceVersion", "generation"}, &meta);
  }
  stub["metadata"] = std::move(meta);
  if (const json* st = JsonAt(object, {"status"})) {
    json status = json::object();
    CopyFields(*st, {"jobID", "reason", "message"}, &status);
    if (!status.empty()) stub["status"] = std::move(status);
  }
  return stub;
}

JobStore::EntryPtr JobStore::Put(const json& object) { return Store(object, true); }

JobStore::EntryPtr JobStore::PutIfPresent(const json& object) { return Store(object, false); }

JobStore::EntryPtr JobStore::Store(const json& object, bool insert) {
  auto entry = std::make_shared<Entry>(Entry{nullptr, api::JobFromJson(object), {}});
  entry->stub = std::make_shared<const json>(JobStub(object));
  if (entry->job.ok()) entry->facts = DeriveJobFacts(*entry->job);
  const std::string key = kube::ObjectKey(*entry->stub);
  const std::string version = JsonString(*entry->stub, {"metadata", "resourceVersion"});
  MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (insert) entries_.emplace(key, entry);
  } else if (!kube::ResourceVersionNewer(
                 JsonString(*it->second->stub, {"metadata", "resourceVersion"}), version)) {
    it->second = entry;
  }
  return entry;
}

json JobStore::Absorb(json object) {
  EntryPtr entry = Put(object);
  const json& meta = (*entry->stub)["metadata"];
  json kept = json::object();
  for (const char* k : {"name", "namespace", "resourceVersion"}) {
    if (meta.contains(k)) kept[k] = meta[k];
  }
  return {{"metadata", std::move(kept)}};
}

JobStore::EntryPtr JobStore::Get(const std::string& key) const {
  MutexLock lock(&mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second;
}

std::vector<JobStore::EntryPtr> JobStore::List() const {
  MutexLock lock(&mu_);
  std::vector<EntryPtr> out;
  out.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) out.push_back(entry);
  return out;
}

void JobStore::Erase(const std::string& key) {
  MutexLock lock(&mu_);
  entries_.erase(key);
}

size_t JobStore::Size() const {
  MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace fairway::controllers
