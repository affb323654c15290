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

json JobStore::Absorb(json object) {
  auto entry = std::make_shared<Entry>(Entry{nullptr, api::JobFromJson(object)});
  json stub = JobStub(object);
  entry->stub = std::make_shared<const json>(stub);
  const std::string key = kube::ObjectKey(stub);
  const std::string version = JsonString(stub, {"metadata", "resourceVersion"});
  MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    entries_.emplace(key, std::move(entry));
  } else if (!kube::ResourceVersionNewer(
                 JsonString(*it->second->stub, {"metadata", "resourceVersion"}), version)) {
    it->second = std::move(entry);
  }
  return stub;
}

JobStore::EntryPtr JobStore::Get(const std::string& key) const {
  MutexLock lock(&mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second;
}

void JobStore::Erase(const std::string& key) {
  MutexLock lock(&mu_);
  entries_.erase(key);
}

void JobStore::Retain(const std::set<std::string>& present) {
  MutexLock lock(&mu_);
  std::erase_if(entries_, [&](const auto& e) { return present.count(e.first) == 0; });
}

size_t JobStore::Size() const {
  MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace fairway::controllers
