#include "sandbox/managed_fields.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <vector>

#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

// A field: its path elements as FieldsV1 spells them ("f:spec", "k:{\"name\":\"c\"}").
using FieldPath = std::vector<std::string>;
using FieldSet = std::set<FieldPath>;

struct Entry {
  std::string manager;
  bool apply = false;
  std::string subresource;
  std::string api_version;
  std::string time;
  FieldSet fields;

  bool Is(const FieldManager& who) const {
    return manager == who.manager && apply == who.apply && subresource == who.subresource;
  }
};

// metadata fields the server owns; nobody manages them.
const std::set<std::string>& ServerMetadata() {
  static const std::set<std::string>* const kFields =
      new std::set<std::string>{"name",
                                "namespace",
                                "generateName",
                                "uid",
                                "resourceVersion",
                                "generation",
                                "creationTimestamp",
                                "deletionTimestamp",
                                "deletionGracePeriodSeconds",
                                "managedFields",
                                "selfLink"};
  return *kFields;
}

// Which part of an object a writer's fields come from.
enum class Part { kAll, kMain, kStatus };

Part PartOf(const FieldManager& who) {
  if (!who.status_subresource) return Part::kAll;
  return who.subresource == "status" ? Part::kStatus : Part::kMain;
}

// The managed part of `obj`: without apiVersion, kind and server metadata, and with a status
// subresource only the status (kStatus) or everything else (kMain).
json Managed(const json& obj, Part part) {
  if (!obj.is_object()) return json::object();
  if (part == Part::kStatus) {
    auto status = obj.find("status");
    return status == obj.end() ? json::object() : json{{"status", *status}};
  }
  json out = obj;
  out.erase("apiVersion");
  out.erase("kind");
  if (part == Part::kMain) out.erase("status");
  if (auto meta = out.find("metadata"); meta != out.end() && meta->is_object()) {
    for (const std::string& f : ServerMetadata()) meta->erase(f);
    if (meta->empty()) out.erase("metadata");
  }
  return out;
}

// Lists whose items all carry a string "name" are merged by it; other lists are atomic.
bool IsKeyedList(const json& v) {
  if (!v.is_array() || v.empty()) return false;
  return std::all_of(v.begin(), v.end(), [](const json& item) {
    return item.is_object() && item.contains("name") && item["name"].is_string();
  });
}

std::string ItemKey(const json& item) { return "k:" + json{{"name", item["name"]}}.dump(); }

bool IsItem(const FieldPath& p) { return !p.empty() && internal::StartsWith(p.back(), "k:"); }

// The fields of `v` at `prefix` whose value differs from `old` (null: every field), added to
// *out. Keyed list items are fields themselves as well as their members.
void DiffFields(const json* old, const json& v, FieldPath* prefix, FieldSet* out) {
  if (v.is_object() && !v.empty()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      const json* o = nullptr;
      if (old != nullptr && old->is_object()) {
        auto f = old->find(it.key());
        if (f != old->end()) o = &*f;
      }
      prefix->push_back("f:" + it.key());
      DiffFields(o, *it, prefix, out);
      prefix->pop_back();
    }
    return;
  }
  if (IsKeyedList(v)) {
    const bool old_keyed = old != nullptr && IsKeyedList(*old);
    for (const json& item : v) {
      const json* o = nullptr;
      if (old_keyed) {
        for (const json& candidate : *old) {
          if (candidate["name"] == item["name"]) o = &candidate;
        }
      }
      prefix->push_back(ItemKey(item));
      if (o == nullptr) out->insert(*prefix);
      DiffFields(o, item, prefix, out);
      prefix->pop_back();
    }
    return;
  }
  if (!prefix->empty() && (old == nullptr || *old != v)) out->insert(*prefix);
}

FieldSet FieldsOf(const json& v) {
  FieldSet out;
  FieldPath prefix;
  DiffFields(nullptr, v, &prefix, &out);
  return out;
}

// The value at `path`, or null; Json is json or const json.
template <typename Json>
Json* Resolve(Json& obj, const FieldPath& path) {
  Json* cur = &obj;
  for (const std::string& elem : path) {
    if (internal::StartsWith(elem, "f:")) {
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(elem.substr(2));
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else {
      if (!IsKeyedList(*cur)) return nullptr;
      Json* found = nullptr;
      for (Json& item : *cur) {
        if (ItemKey(item) == elem) found = &item;
      }
      if (found == nullptr) return nullptr;
      cur = found;
    }
  }
  return cur;
}

// Removes the field at `path` from `obj` (no-op when absent).
void RemoveField(json* obj, const FieldPath& path) {
  if (path.empty()) return;
  FieldPath parent_path(path.begin(), path.end() - 1);
  json* parent = Resolve(*obj, parent_path);
  if (parent == nullptr) return;
  const std::string& last = path.back();
  if (internal::StartsWith(last, "f:")) {
    if (parent->is_object()) parent->erase(last.substr(2));
    return;
  }
  if (!parent->is_array()) return;
  for (size_t i = 0; i < parent->size(); ++i) {
    if ((*parent)[i].is_object() && ItemKey((*parent)[i]) == last) {
      parent->erase(i);
      return;
    }
  }
}

// ".spec.containers[name=\"c\"].image", as upstream's fieldpath prints a path.
std::string PathString(const FieldPath& path) {
  std::string out;
  for (const std::string& elem : path) {
    if (internal::StartsWith(elem, "f:")) {
      out += "." + elem.substr(2);
      continue;
    }
    json key = json::parse(elem.substr(2), nullptr, false);
    out += "[name=" + (key.is_object() ? key.value("name", json("")).dump() : elem) + "]";
  }
  return out;
}

json EncodeFieldsV1(const FieldSet& fields) {
  json root = json::object();
  for (const FieldPath& p : fields) {
    json* node = &root;
    for (const std::string& elem : p) node = &(*node)[elem];
    if (node->is_null()) *node = json::object();
  }
  // A field that also has member fields (a list item) is marked ".".
  for (const FieldPath& p : fields) {
    json* node = &root;
    for (const std::string& elem : p) node = &(*node)[elem];
    if (!node->empty()) (*node)["."] = json::object();
  }
  return root;
}

void DecodeFieldsV1(const json& node, FieldPath* prefix, FieldSet* out) {
  if (!node.is_object()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it.key() == ".") {
      out->insert(*prefix);
      continue;
    }
    prefix->push_back(it.key());
    if (it->is_object() && it->empty()) {
      out->insert(*prefix);
    } else {
      DecodeFieldsV1(*it, prefix, out);
    }
    prefix->pop_back();
  }
}

// managedFields as stored; entries that do not parse are dropped (a client may reset the list
// with [{}], as upstream allows).
std::vector<Entry> ParseEntries(const json& obj) {
  std::vector<Entry> out;
  const json* list = internal::GetPath(obj, {"metadata", "managedFields"});
  if (list == nullptr || !list->is_array()) return out;
  for (const json& e : *list) {
    if (!e.is_object() || !e.contains("manager") || !e["manager"].is_string()) continue;
    Entry entry;
    entry.manager = e["manager"];
    entry.apply = e.value("operation", "") == "Apply";
    entry.subresource = e.value("subresource", "");
    entry.api_version = e.value("apiVersion", "");
    entry.time = e.value("time", "");
    FieldPath prefix;
    if (auto f = e.find("fieldsV1"); f != e.end()) DecodeFieldsV1(*f, &prefix, &entry.fields);
    out.push_back(std::move(entry));
  }
  return out;
}

// Keeps only fields `obj` still has, drops empty entries and stores the list in `obj`.
void StoreEntries(std::vector<Entry> entries, json* obj) {
  const FieldSet present = FieldsOf(Managed(*obj, Part::kAll));
  json list = json::array();
  for (Entry& e : entries) {
    FieldSet kept;
    std::set_intersection(e.fields.begin(), e.fields.end(), present.begin(), present.end(),
                          std::inserter(kept, kept.end()));
    if (kept.empty()) continue;
    json entry = {{"manager", e.manager},        {"operation", e.apply ? "Apply" : "Update"},
                  {"apiVersion", e.api_version}, {"time", e.time},
                  {"fieldsType", "FieldsV1"},    {"fieldsV1", EncodeFieldsV1(kept)}};
    if (!e.subresource.empty()) entry["subresource"] = e.subresource;
    list.push_back(std::move(entry));
  }
  json& meta = internal::EnsureObject(*obj, "metadata");
  if (list.empty()) {
    meta.erase("managedFields");
  } else {
    meta["managedFields"] = std::move(list);
  }
}

// The writer's entry in `entries`, added when missing.
Entry& EntryOf(std::vector<Entry>* entries, const FieldManager& who) {
  for (Entry& e : *entries) {
    if (e.Is(who)) return e;
  }
  Entry e;
  e.manager = who.manager;
  e.apply = who.apply;
  e.subresource = who.subresource;
  entries->push_back(std::move(e));
  return entries->back();
}

// upstream's printManager: Update managers are named with their API version.
std::string PrintManager(const Entry& e) {
  std::string name = json(e.manager).dump();
  return e.apply ? name : name + " using " + e.api_version;
}

struct ConflictItem {
  Entry* owner;
  FieldPath path;
};

ApiError ConflictError(const std::vector<ConflictItem>& conflicts) {
  json causes = json::array();
  for (const ConflictItem& c : conflicts) {
    causes.push_back({{"reason", "FieldManagerConflict"},
                      {"message", "conflict with " + PrintManager(*c.owner)},
                      {"field", PathString(c.path)}});
  }
  std::string message;
  if (conflicts.size() == 1) {
    message = "Apply failed with 1 conflict: conflict with " + PrintManager(*conflicts[0].owner) +
              ": " + PathString(conflicts[0].path);
  } else {
    std::map<std::string, std::vector<std::string>> by_manager;
    for (const ConflictItem& c : conflicts) {
      by_manager[PrintManager(*c.owner)].push_back(PathString(c.path));
    }
    std::vector<std::string> lines;
    for (const auto& [manager, paths] : by_manager) {
      lines.push_back("conflicts with " + manager + ":");
      for (const std::string& p : paths) lines.push_back("- " + p);
    }
    message = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: ";
    for (size_t i = 0; i < lines.size(); ++i) message += (i ? "\n" : "") + lines[i];
  }
  return ApiError(409, "Conflict", message, {{"causes", causes}});
}

}  // namespace

std::string DefaultFieldManager(const std::string& user_agent) {
  return user_agent.substr(0, user_agent.find('/'));
}

void RecordUpdate(const json* previous, json* next, const FieldManager& who, WallTime now) {
  // A write that carries managedFields sets them (upstream: a client may reset ownership);
  // otherwise they carry over.
  const json* sent = internal::GetPath(*next, {"metadata", "managedFields"});
  const json none = json::object();
  const json* base = previous != nullptr ? previous : &none;
  if (sent != nullptr && sent->is_array() && !sent->empty()) base = next;
  std::vector<Entry> entries = ParseEntries(*base);
  const Part part = PartOf(who);
  FieldSet changed;
  FieldPath prefix;
  const json old_part = previous != nullptr ? Managed(*previous, part) : json();
  DiffFields(previous != nullptr ? &old_part : nullptr, Managed(*next, part), &prefix, &changed);
  if (!changed.empty()) {
    for (Entry& e : entries) {
      if (e.Is(who)) continue;
      for (const FieldPath& p : changed) e.fields.erase(p);
    }
    Entry& mine = EntryOf(&entries, who);
    mine.fields.insert(changed.begin(), changed.end());
    mine.api_version = who.api_version;
    mine.time = internal::FormatTime(now);
  }
  StoreEntries(std::move(entries), next);
}

Result<json> ApplyOwnership(const json& current, json merged, const json& applied,
                            const FieldManager& who, bool force, WallTime now) {
  std::vector<Entry> entries = ParseEntries(current);
  const Part part = PartOf(who);
  const FieldSet wanted = FieldsOf(Managed(applied, part));
  std::vector<ConflictItem> conflicts;
  for (Entry& e : entries) {
    if (e.Is(who)) continue;
    for (const FieldPath& p : wanted) {
      if (IsItem(p) || e.fields.count(p) == 0) continue;
      const json* live = Resolve(current, p);
      const json* mine = Resolve(applied, p);
      if (live != nullptr && mine != nullptr && *live != *mine) conflicts.push_back({&e, p});
    }
  }
  if (!conflicts.empty() && !force) return ConflictError(conflicts);
  for (const ConflictItem& c : conflicts) c.owner->fields.erase(c.path);

  Entry& mine = EntryOf(&entries, who);
  // Fields this manager applied before and applies no more go, unless someone else keeps them.
  for (const FieldPath& p : mine.fields) {
    if (wanted.count(p) > 0) continue;
    bool shared = std::any_of(entries.begin(), entries.end(),
                              [&](const Entry& e) { return !e.Is(who) && e.fields.count(p) > 0; });
    if (!shared) RemoveField(&merged, p);
  }
  mine.fields = wanted;
  mine.api_version = who.api_version;
  mine.time = internal::FormatTime(now);
  StoreEntries(std::move(entries), &merged);
  return merged;
}

void RecordApplyCreate(const json& applied, json* created, const FieldManager& who, WallTime now) {
  std::vector<Entry> entries;
  Entry& mine = EntryOf(&entries, who);
  mine.fields = FieldsOf(Managed(applied, PartOf(who)));
  mine.api_version = who.api_version;
  mine.time = internal::FormatTime(now);
  StoreEntries(std::move(entries), created);
}

}  // namespace fairway::sandbox
