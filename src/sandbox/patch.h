// PATCH algorithms of the API server, selected by Content-Type:
//   application/merge-patch+json           RFC 7386 (every resource)
//   application/json-patch+json            RFC 6902 (every resource; failed `test` = 422)
//   application/strategic-merge-patch+json built-in kinds only: lists with a merge key merge per
//       element (containers/env/volumes by name, conditions/addresses by type, ownerReferences by
//       uid), metadata.finalizers merges as a set, `$patch: replace|delete`,
//       `$deleteFromPrimitiveList/<field>`; `$setElementOrder/` and `$retainKeys` are accepted
//       and ignored.
// nlohmann/json throws on bad patches; these functions catch and return 400/422 ApiErrors.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sandbox/api_error.h"

namespace fairway::sandbox {

enum class PatchType { kMerge, kJson, kStrategic, kApply };

// Maps a Content-Type (parameters ignored) to a patch type; 415 for others.
Result<PatchType> ParsePatchType(const std::string& content_type);

Result<nlohmann::json> ApplyMergePatch(const nlohmann::json& target, const nlohmann::json& patch);
Result<nlohmann::json> ApplyJsonPatch(const nlohmann::json& target, const nlohmann::json& patch);
Result<nlohmann::json> ApplyStrategicMergePatch(const nlohmann::json& target,
                                                const nlohmann::json& patch);

}  // namespace fairway::sandbox
