// Field sets kept as FieldsV1 trees, the form managedFields stores them in, so that recording a
// write edits the stored trees in place instead of decoding every entry to a set of paths and
// encoding it back (which, with a walk of the whole object per write, cost 12 % of the operator
// benchmark's CPU).
//
// A tree is a JSON object whose keys are path elements, "f:<name>" for an object member and
// "k:{\"name\":\"c\"}" for a keyed list item. A node is itself a field when it is empty (a
// leaf) or holds "." next to its members (a list item whose members are fields too). An empty
// tree is the empty set. Lists whose items all carry a string "name" are keyed by it; every
// other list is atomic (one field).
//
// Thread-safety: pure functions over values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fairway::sandbox::internal {

// A field: its path elements ("f:spec", "k:{\"name\":\"c\"}").
using FieldPath = std::vector<std::string>;

// The fields of `value` below its root, as a tree.
nlohmann::json FieldsOf(const nlohmann::json& value);

// How the fields of a member changed between two versions of its parent.
struct FieldsDiff {
  nlohmann::json changed = nlohmann::json::object();  // set or given another value by `next`
  nlohmann::json removed = nlohmann::json::object();  // fields of `old` that `next` lacks
};

// Adds to *diff, under path element `elem`, how the member `old` (null: absent) became `next`
// (null: absent). Equal subtrees are skipped whole, so the cost follows what changed.
void DiffMember(const nlohmann::json* old, const nlohmann::json* next, const std::string& elem,
                FieldsDiff* diff);

// Set union and difference, in place; results are normalized (no empty inner nodes).
void Union(nlohmann::json* a, const nlohmann::json& b);
void Subtract(nlohmann::json* a, const nlohmann::json& b);

// Keeps only the fields of `tree` that `value` has (an object: the root of the tree).
void KeepPresent(nlohmann::json* tree, const nlohmann::json& value);

// A client-written tree in canonical form: non-object nodes dropped, "." only next to members.
nlohmann::json Normalize(const nlohmann::json& tree);

// The fields of `tree` as paths, and whether it holds `path`.
std::vector<FieldPath> Paths(const nlohmann::json& tree);
bool Has(const nlohmann::json& tree, const FieldPath& path);

// The element naming a keyed list item, and whether a list is keyed.
std::string ItemKey(const nlohmann::json& item);
bool IsKeyedList(const nlohmann::json& v);

}  // namespace fairway::sandbox::internal
