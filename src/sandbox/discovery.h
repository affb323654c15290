// Discovery documents (legacy, unaggregated): APIVersions, APIGroupList, APIGroup,
// APIResourceList, /version, and a minimal OpenAPI v3 index and per-group-version documents
// declaring the PATCH `fieldValidation` parameter so `kubectl apply` validates server-side
// without client-side schemas.
//
// Thread-safety: pure functions over a registry snapshot.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sandbox/resource_registry.h"

namespace fairway::sandbox {

nlohmann::json ApiVersionsDoc(const std::string& server_address);
nlohmann::json ApiGroupListDoc(const ResourceRegistry& registry);
// nullopt when the group is not served.
std::optional<nlohmann::json> ApiGroupDoc(const ResourceRegistry& registry, const std::string& group);
std::optional<nlohmann::json> ApiResourceListDoc(const ResourceRegistry& registry,
                                                 const std::string& group, const std::string& version);
nlohmann::json VersionDoc(const std::string& minor);
nlohmann::json OpenApiV3Index(const ResourceRegistry& registry);
// `gv_path` is "api/v1" or "apis/G/V".
std::optional<nlohmann::json> OpenApiV3GroupVersion(const ResourceRegistry& registry,
                                                    const std::string& gv_path);

}  // namespace fairway::sandbox
