// Structural OpenAPI v3 schemas of CustomResourceDefinitions: pruning, defaulting, validation.
//
// Applied to a custom resource on create and update, in the apiextensions-apiserver order:
// prune unknown fields (kept below x-kubernetes-preserve-unknown-fields, and apiVersion/kind/
// metadata at the root and at x-kubernetes-embedded-resource nodes), drop nulls on non-nullable
// fields, apply defaults (a nested default only applies when its parent exists), then validate
// type, required, enum, minimum/maximum (exclusive too), multipleOf, minLength/maxLength,
// pattern, minItems/maxItems, minProperties/maxProperties, x-kubernetes-int-or-string, nullable.
// Validation messages copy upstream's shapes, e.g.
//   spec.gpus: Invalid value: 9: spec.gpus in body should be less than or equal to 8
// CEL rules (x-kubernetes-validations) are not evaluated.
//
// Thread-safety: pure functions over values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sandbox/api_error.h"

namespace fairway::sandbox {

// Drops fields the schema does not declare. `schema` is an openAPIV3Schema; `object` the whole
// custom resource.
void PruneObject(const nlohmann::json& schema, nlohmann::json* object);
// The fields PruneObject would drop, as upstream's field validation names them: full paths
// ("spec.gpuz", "spec.list[0].x"), sorted.
std::vector<std::string> UnknownFields(const nlohmann::json& schema, const nlohmann::json& object);
// Applies `default` values (after pruning).
void ApplyDefaults(const nlohmann::json& schema, nlohmann::json* object);
// Returns one cause per violation; empty when valid. Paths are rendered "spec.list[2].name".
std::vector<FieldCause> ValidateAgainstSchema(const nlohmann::json& schema,
                                              const nlohmann::json& object);

}  // namespace fairway::sandbox
