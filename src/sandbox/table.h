// meta.k8s.io/v1 Table rendering for `kubectl get` (Accept: application/json;as=Table;...).
//
// Columns: Name first, then a CRD's additionalPrinterColumns in order (Age only when none are
// declared), or fixed columns for built-in kinds (nodes: NAME STATUS ROLES AGE VERSION; pods:
// NAME READY STATUS RESTARTS AGE; namespaces: NAME STATUS AGE; events; others NAME AGE).
// Cells of missing paths are null; date cells are rendered as ages; rows carry
// PartialObjectMetadata (or the full object / nothing, per ?includeObject=).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "sandbox/resource_registry.h"

namespace fairway::sandbox {

enum class IncludeObject { kNone, kMetadata, kObject };

// True when an Accept header asks for a Table (as=Table).
bool WantsTable(const std::string& accept);

// `objects` carry kind/apiVersion already. `list_meta` becomes the Table's metadata.
nlohmann::json RenderTable(const ResourceInfo& info, const std::vector<nlohmann::json>& objects,
                           nlohmann::json list_meta, IncludeObject include, WallTime now,
                           bool with_column_definitions = true);

}  // namespace fairway::sandbox
