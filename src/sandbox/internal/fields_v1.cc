#include "sandbox/internal/fields_v1.h"

#include <algorithm>

namespace fairway::sandbox::internal {
namespace {

using nlohmann::json;

constexpr const char* kSelf = ".";

enum class Shape { kLeaf, kObject, kKeyedList };

Shape ShapeOf(const json& v) {
  if (v.is_object() && !v.empty()) return Shape::kObject;
  return IsKeyedList(v) ? Shape::kKeyedList : Shape::kLeaf;
}

// The node of `v` itself: a leaf, or its members' fields.
json NodeOf(const json& v) {
  json node = json::object();
  switch (ShapeOf(v)) {
    case Shape::kObject:
      for (auto it = v.begin(); it != v.end(); ++it) node["f:" + it.key()] = NodeOf(*it);
      break;
    case Shape::kKeyedList:
      for (const json& item : v) {
        json& n = node[ItemKey(item)] = NodeOf(item);
        n[kSelf] = json::object();  // the item is a field as well as its members
      }
      break;
    case Shape::kLeaf:
      break;
  }
  return node;
}

const json* FindItem(const json& list, const json& name) {
  for (const json& item : list) {
    if (item["name"] == name) return &item;
  }
  return nullptr;
}

void Attach(const std::string& elem, FieldsDiff child, FieldsDiff* diff) {
  if (!child.changed.empty()) diff->changed[elem] = std::move(child.changed);
  if (!child.removed.empty()) diff->removed[elem] = std::move(child.removed);
}

void DiffObject(const json* old, const json& next, const std::string& elem, FieldsDiff* diff) {
  FieldsDiff child;
  for (auto it = next.begin(); it != next.end(); ++it) {
    const json* o = nullptr;
    if (old != nullptr) {
      auto f = old->find(it.key());
      if (f != old->end()) o = &*f;
    }
    DiffMember(o, &*it, "f:" + it.key(), &child);
  }
  if (old != nullptr) {
    for (auto it = old->begin(); it != old->end(); ++it) {
      if (!next.contains(it.key())) DiffMember(&*it, nullptr, "f:" + it.key(), &child);
    }
  }
  Attach(elem, std::move(child), diff);
}

void DiffKeyedList(const json* old, const json& next, const std::string& elem, FieldsDiff* diff) {
  FieldsDiff child;
  for (const json& item : next) {
    const json* o = old != nullptr ? FindItem(*old, item["name"]) : nullptr;
    if (o == nullptr) {
      json& n = child.changed[ItemKey(item)] = NodeOf(item);
      n[kSelf] = json::object();
    } else {
      DiffMember(o, &item, ItemKey(item), &child);
    }
  }
  if (old != nullptr) {
    for (const json& item : *old) {
      if (FindItem(next, item["name"]) != nullptr) continue;
      json& n = child.removed[ItemKey(item)] = NodeOf(item);
      n[kSelf] = json::object();
    }
  }
  Attach(elem, std::move(child), diff);
}

// A node reduced to "." alone is the field itself: a leaf.
void Canonicalize(json* node) {
  if (node->size() == 1 && node->contains(kSelf)) *node = json::object();
}

// Whether `value` (the value at a node's path) still has the node's fields; drops the rest.
bool KeepPresentNode(json* node, const json& value, bool item) {
  const bool leaf_value = ShapeOf(value) == Shape::kLeaf;
  if (node->empty()) return item || leaf_value;
  const bool self = node->contains(kSelf) && (item || leaf_value);
  node->erase(kSelf);
  KeepPresent(node, value);
  if (node->empty()) return self;
  if (self) (*node)[kSelf] = json::object();
  return true;
}

// The member or keyed item `elem` names in `value`, or null.
const json* Child(const json& value, const std::string& elem) {
  if (elem.rfind("f:", 0) == 0) {
    if (!value.is_object()) return nullptr;
    auto it = value.find(elem.substr(2));
    return it == value.end() ? nullptr : &*it;
  }
  if (!IsKeyedList(value)) return nullptr;
  for (const json& item : value) {
    if (ItemKey(item) == elem) return &item;
  }
  return nullptr;
}

json NormalizeNode(const json& tree) {
  json out = json::object();
  if (!tree.is_object()) return out;
  for (auto it = tree.begin(); it != tree.end(); ++it) {
    if (it.key() == kSelf) {
      out[kSelf] = json::object();
    } else if (it->is_object() && it->empty()) {
      out[it.key()] = json::object();
    } else if (json n = NormalizeNode(*it); !n.empty()) {
      Canonicalize(&n);
      out[it.key()] = std::move(n);
    }
  }
  return out;
}

void CollectPaths(const json& node, FieldPath* prefix, std::vector<FieldPath>* out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it.key() == kSelf) continue;
    prefix->push_back(it.key());
    if (it->empty() || it->contains(kSelf)) out->push_back(*prefix);
    CollectPaths(*it, prefix, out);
    prefix->pop_back();
  }
}

}  // namespace

std::string ItemKey(const json& item) { return "k:" + json{{"name", item["name"]}}.dump(); }

bool IsKeyedList(const json& v) {
  if (!v.is_array() || v.empty()) return false;
  return std::all_of(v.begin(), v.end(), [](const json& item) {
    return item.is_object() && item.contains("name") && item["name"].is_string();
  });
}

json FieldsOf(const json& value) { return NodeOf(value); }

void DiffMember(const json* old, const json* next, const std::string& elem, FieldsDiff* diff) {
  if (next == nullptr) {
    if (old != nullptr) diff->removed[elem] = NodeOf(*old);
    return;
  }
  if (old != nullptr && *old == *next) return;
  const Shape shape = ShapeOf(*next);
  const bool same_shape = old != nullptr && ShapeOf(*old) == shape;
  // A member that changed shape (a scalar that became an object, ...) loses its old fields.
  if (old != nullptr && !same_shape) diff->removed[elem] = NodeOf(*old);
  switch (shape) {
    case Shape::kObject:
      DiffObject(same_shape ? old : nullptr, *next, elem, diff);
      break;
    case Shape::kKeyedList:
      DiffKeyedList(same_shape ? old : nullptr, *next, elem, diff);
      break;
    case Shape::kLeaf:
      diff->changed[elem] = json::object();
      break;
  }
}

void Union(json* a, const json& b) {
  for (auto it = b.begin(); it != b.end(); ++it) {
    auto found = a->find(it.key());
    if (found == a->end()) {
      (*a)[it.key()] = *it;
      continue;
    }
    json& node = *found;
    if (it.key() == kSelf) continue;
    if (it->empty()) {  // b has the field itself
      if (!node.empty()) node[kSelf] = json::object();
      continue;
    }
    const bool self = node.empty();
    Union(&node, *it);
    if (self) node[kSelf] = json::object();
  }
}

void Subtract(json* a, const json& b) {
  for (auto it = b.begin(); it != b.end(); ++it) {
    auto found = a->find(it.key());
    if (found == a->end()) continue;
    if (it.key() == kSelf) {
      a->erase(found);
      continue;
    }
    json& node = *found;
    if (it->empty() || node.empty()) {
      // One side is the field alone: it goes when b has it; a's members stay.
      const bool b_self = it->empty() || it->contains(kSelf);
      if (!b_self) continue;
      if (node.empty()) {
        a->erase(found);  // `node` is gone with it
      } else {
        node.erase(kSelf);
      }
      continue;
    }
    Subtract(&node, *it);
    if (node.empty()) {
      a->erase(found);
    } else {
      Canonicalize(&node);
    }
  }
}

void KeepPresent(json* tree, const json& value) {
  for (auto it = tree->begin(); it != tree->end();) {
    if (it.key() == kSelf) {
      ++it;
      continue;
    }
    const json* child = Child(value, it.key());
    const bool item = it.key().rfind("k:", 0) == 0;
    if (child != nullptr && KeepPresentNode(&*it, *child, item)) {
      ++it;
    } else {
      it = tree->erase(it);
    }
  }
}

json Normalize(const json& tree) {
  json out = NormalizeNode(tree);
  out.erase(kSelf);  // the root is no field
  return out;
}

std::vector<FieldPath> Paths(const json& tree) {
  std::vector<FieldPath> out;
  FieldPath prefix;
  CollectPaths(tree, &prefix, &out);
  return out;
}

bool Has(const json& tree, const FieldPath& path) {
  if (path.empty()) return false;
  const json* node = &tree;
  for (const std::string& elem : path) {
    auto it = node->find(elem);
    if (it == node->end()) return false;
    node = &*it;
  }
  return node->empty() || node->contains(kSelf);
}

}  // namespace fairway::sandbox::internal
