// metav1.ObjectMeta: the part of every Kubernetes object's `metadata` the operator reads and
// writes, with its JSON codec. Fields the operator never uses (managedFields, selfLink, ...) are
// ignored on decode and not written back.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/types.h"

namespace fairway::api {

struct OwnerReference {
  std::string api_version;  // required
  std::string kind;         // required
  std::string name;         // required
  std::string uid;          // required
  bool controller = false;
  bool block_owner_deletion = false;

  bool operator==(const OwnerReference&) const = default;
};

struct ObjectMeta {
  std::string name;
  std::string generate_name;
  std::string namespace_name;  // "namespace"; empty for cluster-scoped objects
  std::string uid;
  std::string resource_version;  // opaque; compare only for equality
  int64_t generation = 0;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::optional<core::Timestamp> creation_timestamp;
  std::optional<core::Timestamp> deletion_timestamp;
  std::vector<std::string> finalizers;
  std::vector<OwnerReference> owner_references;

  // "namespace/name", or "name" for cluster-scoped objects: the key of work queues and logs.
  std::string Key() const;

  bool operator==(const ObjectMeta&) const = default;
};

// Decodes `j` (the value of "metadata"). Errors name "metadata.<field>". Neither name nor
// namespace is required here: generateName objects have no name yet, and cluster-scoped
// objects no namespace; callers that need them check.
[[nodiscard]] StatusOr<ObjectMeta> ObjectMetaFromJson(const nlohmann::json& j);

// Encodes the set fields only (empty strings, zero generation and empty maps are omitted).
nlohmann::json ToJson(const ObjectMeta& meta);

}  // namespace fairway::api
