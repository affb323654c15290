// Typed forms of informer objects, decoded once per stored version instead of once per cycle.
//
// An object is identified by its key (namespace/name) and resourceVersion: unchanged objects
// reuse their decoded form, changed and new ones are decoded, and entries of objects no longer
// listed are dropped. Only the decoded form is kept, not the JSON: holding the informer's old
// objects would keep a second copy of every changed object alive (at 100,000 Jobs each written
// once, gigabytes). At 1,000 nodes the per-cycle re-decode of every Node was a fifth of the
// operator's cycle; the core's own cycle was under 1 %.
//
// Thread-safety: not thread-safe (the scheduler loop's thread only).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kube/informer.h"

namespace fairway::controllers {

template <typename T>
class DecodeCache {
 public:
  // The decoded form of each of `objects`, in order; `decode(const json&)` runs for objects
  // that are new or changed since the previous call.
  template <typename DecodeFn>
  std::vector<T> Decode(const std::vector<kube::ObjectPtr>& objects, DecodeFn&& decode) {
    std::unordered_map<std::string, Entry> next;
    next.reserve(objects.size());
    std::vector<T> out;
    out.reserve(objects.size());
    for (const kube::ObjectPtr& p : objects) {
      std::string key = kube::ObjectKey(*p);
      std::string version = ResourceVersion(*p);
      auto it = entries_.find(key);
      Entry e = it != entries_.end() && !version.empty() && it->second.version == version
                    ? std::move(it->second)
                    : Entry{version, decode(*p)};
      out.push_back(e.value);
      next.emplace(std::move(key), std::move(e));
    }
    entries_ = std::move(next);
    return out;
  }

 private:
  struct Entry {
    std::string version;  // metadata.resourceVersion decoded
    T value;
  };

  static std::string ResourceVersion(const nlohmann::json& object) {
    auto meta = object.find("metadata");
    if (meta == object.end() || !meta->is_object()) return "";
    auto rv = meta->find("resourceVersion");
    return rv != meta->end() && rv->is_string() ? rv->get<std::string>() : "";
  }

  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace fairway::controllers
