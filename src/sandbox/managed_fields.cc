#include "sandbox/managed_fields.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "sandbox/internal/fields_v1.h"
#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

using internal::FieldPath;
using internal::FieldsDiff;
using nlohmann::json;

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

bool InPart(Part part, const std::string& member) {
  if (part == Part::kAll) return true;
  return (member == "status") == (part == Part::kStatus);
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

const json& Null() {
  static const json* const kNull = new json();
  return *kNull;
}

const json& Member(const json& obj, const std::string& key) {
  if (!obj.is_object()) return Null();
  auto it = obj.find(key);
  return it == obj.end() ? Null() : *it;
}

// Diffs the members of `old` and `next` (non-objects have none) that `skip` does not name.
template <typename Skip>
void DiffMembers(const json& old, const json& next, const Skip& skip, FieldsDiff* diff) {
  if (next.is_object()) {
    for (auto it = next.begin(); it != next.end(); ++it) {
      if (skip(it.key())) continue;
      const json& o = Member(old, it.key());
      internal::DiffMember(o.is_null() ? nullptr : &o, &*it, "f:" + it.key(), diff);
    }
  }
  if (old.is_object()) {
    for (auto it = old.begin(); it != old.end(); ++it) {
      if (skip(it.key()) || (next.is_object() && next.contains(it.key()))) continue;
      internal::DiffMember(&*it, nullptr, "f:" + it.key(), diff);
    }
  }
}

// How the managed fields changed from `previous` (null: a create) to `next`, walking only what
// differs. Members outside `part` count for removals only (nobody took them over).
FieldsDiff DiffManaged(const json* previous, const json& next, Part part) {
  const json& old = previous != nullptr ? *previous : Null();
  auto root = [](const std::string& k) {
    return k == "apiVersion" || k == "kind" || k == "metadata";
  };
  FieldsDiff diff;
  FieldsDiff outside;
  DiffMembers(
      old, next, [&](const std::string& k) { return root(k) || !InPart(part, k); }, &diff);
  DiffMembers(
      old, next, [&](const std::string& k) { return root(k) || InPart(part, k); }, &outside);
  FieldsDiff meta;
  DiffMembers(
      Member(old, "metadata"), Member(next, "metadata"),
      [](const std::string& k) { return ServerMetadata().count(k) > 0; }, &meta);
  FieldsDiff& into = InPart(part, "metadata") ? diff : outside;
  if (!meta.changed.empty()) into.changed["f:metadata"] = std::move(meta.changed);
  if (!meta.removed.empty()) into.removed["f:metadata"] = std::move(meta.removed);
  internal::Union(&diff.removed, outside.removed);
  return diff;
}

bool IsItem(const FieldPath& p) { return !p.empty() && internal::StartsWith(p.back(), "k:"); }

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
      if (!internal::IsKeyedList(*cur)) return nullptr;
      Json* found = nullptr;
      for (Json& item : *cur) {
        if (internal::ItemKey(item) == elem) found = &item;
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
    if ((*parent)[i].is_object() && internal::ItemKey((*parent)[i]) == last) {
      parent->erase(i);
      return;
    }
  }
}

// The tree holding the one field `path`.
json TreeOf(const FieldPath& path) {
  json tree = json::object();
  json* node = &tree;
  for (const std::string& elem : path) node = &((*node)[elem] = json::object());
  return tree;
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

std::string StringField(const json& entry, const char* key) {
  const json& v = Member(entry, key);
  return v.is_string() ? v.get<std::string>() : "";
}

bool Is(const json& entry, const FieldManager& who) {
  return StringField(entry, "manager") == who.manager &&
         (StringField(entry, "operation") == "Apply") == who.apply &&
         StringField(entry, "subresource") == who.subresource;
}

json NewEntry(const std::string& manager, bool apply, const std::string& subresource,
              const std::string& api_version, const std::string& time, json fields) {
  json entry = {{"manager", manager},        {"operation", apply ? "Apply" : "Update"},
                {"apiVersion", api_version}, {"time", time},
                {"fieldsType", "FieldsV1"},  {"fieldsV1", std::move(fields)}};
  if (!subresource.empty()) entry["subresource"] = subresource;
  return entry;
}

// managedFields as a client wrote them, in canonical form; entries that do not parse are
// dropped (a client may reset the list with [{}], as upstream allows).
json NormalizeEntries(const json& list) {
  json out = json::array();
  if (!list.is_array()) return out;
  for (const json& e : list) {
    if (!e.is_object() || !Member(e, "manager").is_string()) continue;
    out.push_back(NewEntry(StringField(e, "manager"), StringField(e, "operation") == "Apply",
                           StringField(e, "subresource"), StringField(e, "apiVersion"),
                           StringField(e, "time"), internal::Normalize(Member(e, "fieldsV1"))));
  }
  return out;
}

// The managedFields a write carries, or null.
json* SentEntries(json* next) {
  if (!next->is_object()) return nullptr;
  auto meta = next->find("metadata");
  if (meta == next->end() || !meta->is_object()) return nullptr;
  auto list = meta->find("managedFields");
  return list == meta->end() ? nullptr : &*list;
}

// The writer's entry in `entries`, added when missing.
json& EntryOf(json* entries, const FieldManager& who) {
  for (json& e : *entries) {
    if (Is(e, who)) return e;
  }
  entries->push_back(
      NewEntry(who.manager, who.apply, who.subresource, who.api_version, "", json::object()));
  return entries->back();
}

// Stores `entries` without those left owning nothing.
void StoreEntries(json entries, json* obj) {
  json list = json::array();
  for (json& e : entries) {
    if (!e["fieldsV1"].empty()) list.push_back(std::move(e));
  }
  json& meta = internal::EnsureObject(*obj, "metadata");
  if (list.empty()) {
    meta.erase("managedFields");
  } else {
    meta["managedFields"] = std::move(list);
  }
}

// Keeps only the fields `obj` has (after a client reset the list, or an apply removed fields).
void KeepPresentFields(json* entries, const json& obj) {
  const json present = Managed(obj, Part::kAll);
  for (json& e : *entries) internal::KeepPresent(&e["fieldsV1"], present);
}

// upstream's printManager: Update managers are named with their API version.
std::string PrintManager(const json& e) {
  std::string name = json(StringField(e, "manager")).dump();
  if (StringField(e, "operation") == "Apply") return name;
  return name + " using " + StringField(e, "apiVersion");
}

struct ConflictItem {
  size_t owner;  // index in the entries
  FieldPath path;
};

ApiError ConflictError(const json& entries, const std::vector<ConflictItem>& conflicts) {
  json causes = json::array();
  for (const ConflictItem& c : conflicts) {
    causes.push_back({{"reason", "FieldManagerConflict"},
                      {"message", "conflict with " + PrintManager(entries[c.owner])},
                      {"field", PathString(c.path)}});
  }
  std::string message;
  if (conflicts.size() == 1) {
    message = "Apply failed with 1 conflict: conflict with " +
              PrintManager(entries[conflicts[0].owner]) + ": " + PathString(conflicts[0].path);
  } else {
    std::map<std::string, std::vector<std::string>> by_manager;
    for (const ConflictItem& c : conflicts) {
      by_manager[PrintManager(entries[c.owner])].push_back(PathString(c.path));
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

// The fields `applied` sets that other managers own with another live value.
std::vector<ConflictItem> Conflicts(const json& entries, const json& current, const json& applied,
                                    const std::vector<FieldPath>& wanted, const FieldManager& who) {
  std::vector<ConflictItem> conflicts;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (Is(entries[i], who)) continue;
    for (const FieldPath& p : wanted) {
      if (IsItem(p) || !internal::Has(entries[i]["fieldsV1"], p)) continue;
      const json* live = Resolve(current, p);
      const json* mine = Resolve(applied, p);
      if (live != nullptr && mine != nullptr && *live != *mine) conflicts.push_back({i, p});
    }
  }
  return conflicts;
}

}  // namespace

std::string DefaultFieldManager(const std::string& user_agent) {
  return user_agent.substr(0, user_agent.find('/'));
}

void RecordUpdate(const json* previous, json* next, const FieldManager& who, WallTime now) {
  // A write that carries managedFields other than the stored ones sets them (upstream: a client
  // may reset ownership); otherwise they carry over. Clients mostly send back what they read,
  // so the list is taken from `next` without a copy when it is the stored one.
  const json* stored =
      previous != nullptr ? internal::GetPath(*previous, {"metadata", "managedFields"}) : nullptr;
  json entries = json::array();
  bool reset = false;
  if (json* sent = SentEntries(next); sent != nullptr && sent->is_array() && !sent->empty()) {
    reset = stored == nullptr || *sent != *stored;
    entries = reset ? NormalizeEntries(*sent) : std::move(*sent);
  } else if (stored != nullptr && stored->is_array()) {
    entries = *stored;
  }
  FieldsDiff diff = DiffManaged(previous, *next, PartOf(who));
  if (reset) {
    KeepPresentFields(&entries, *next);
  } else if (!diff.removed.empty()) {
    for (json& e : entries) internal::Subtract(&e["fieldsV1"], diff.removed);
  }
  if (!diff.changed.empty()) {
    for (json& e : entries) {
      if (!Is(e, who)) internal::Subtract(&e["fieldsV1"], diff.changed);
    }
    json& mine = EntryOf(&entries, who);
    internal::Union(&mine["fieldsV1"], diff.changed);
    mine["apiVersion"] = who.api_version;
    mine["time"] = internal::FormatTime(now);
  }
  StoreEntries(std::move(entries), next);
}

Result<json> ApplyOwnership(const json& current, json merged, const json& applied,
                            const FieldManager& who, bool force, WallTime now) {
  const json* stored = internal::GetPath(current, {"metadata", "managedFields"});
  json entries = stored != nullptr && stored->is_array() ? *stored : json::array();
  json wanted = internal::FieldsOf(Managed(applied, PartOf(who)));
  const std::vector<FieldPath> wanted_paths = internal::Paths(wanted);
  const std::vector<ConflictItem> conflicts =
      Conflicts(entries, current, applied, wanted_paths, who);
  if (!conflicts.empty() && !force) return ConflictError(entries, conflicts);
  for (const ConflictItem& c : conflicts) {
    internal::Subtract(&entries[c.owner]["fieldsV1"], TreeOf(c.path));
  }
  json& mine = EntryOf(&entries, who);
  // Fields this manager applied before and applies no more go, unless someone else keeps them.
  for (const FieldPath& p : internal::Paths(mine["fieldsV1"])) {
    if (internal::Has(wanted, p)) continue;
    bool shared = std::any_of(entries.begin(), entries.end(), [&](const json& e) {
      return !Is(e, who) && internal::Has(e["fieldsV1"], p);
    });
    if (!shared) RemoveField(&merged, p);
  }
  mine["fieldsV1"] = std::move(wanted);
  mine["apiVersion"] = who.api_version;
  mine["time"] = internal::FormatTime(now);
  KeepPresentFields(&entries, merged);
  StoreEntries(std::move(entries), &merged);
  return merged;
}

void RecordApplyCreate(const json& applied, json* created, const FieldManager& who, WallTime now) {
  json entries = json::array();
  entries.push_back(NewEntry(who.manager, who.apply, who.subresource, who.api_version,
                             internal::FormatTime(now),
                             internal::FieldsOf(Managed(applied, PartOf(who)))));
  KeepPresentFields(&entries, *created);
  StoreEntries(std::move(entries), created);
}

}  // namespace fairway::sandbox
