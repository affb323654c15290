// Per-kind write semantics of the API server, applied under the store lock:
//   - server-owned metadata (uid, creationTimestamp, generation, deletion fields),
//   - status subresource rules (what main-endpoint and /status writes may change),
//   - generation bumps (only for changes outside metadata and, with a status subresource,
//     outside status),
//   - finalizers and deletion (graceful pod deletion, deletionTimestamp while finalizers remain),
//   - kind validation: pods (extended resources, nodeName immutability), events.k8s.io/v1,
//     custom resources (structural schema), CustomResourceDefinitions (names, status).
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "sandbox/api_error.h"
#include "sandbox/object_store.h"
#include "sandbox/resource_registry.h"

namespace fairway::sandbox::internal {

// Validates a new object and fills server-owned fields. `obj` is in storage form with
// metadata.name and namespace already resolved.
MaybeError PrepareCreate(const ResourceInfo& info, nlohmann::json* obj, WallTime now);

// Computes the stored state after a PUT/PATCH of `incoming` on `current` through subresource
// `sub` ("" or "status"). `is_patch`: the resourceVersion came from the stored object unless the
// patch set it, so a missing one is not an error.
Result<Mutation> PrepareUpdate(const ResourceInfo& info, const std::string& sub,
                               const nlohmann::json& current, nlohmann::json incoming,
                               bool is_patch, WallTime now);

struct DeleteOptions {
  std::optional<int64_t> grace_period_s;
  std::string precondition_uid;
  std::string precondition_rv;
};

Result<Mutation> PrepareDelete(const ResourceInfo& info, const nlohmann::json& current,
                               const DeleteOptions& options, WallTime now);

// Validates metadata.name for create (DNS subdomain, or DNS label for namespaces).
MaybeError ValidateName(const ResourceInfo& info, const std::string& name);

// True for core/v1 pods.
inline bool IsPod(const ResourceInfo& info) { return info.group.empty() && info.plural == "pods"; }

}  // namespace fairway::sandbox::internal
