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
// Thread-safety: pure functions over values; a CrdSchema is immutable.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
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
// A custom resource's openAPIV3Schema ready for validation: the schema, and its `pattern`
// keywords compiled once. std::regex compiles far slower than it matches, and the schema checks
// every write of its resource. Immutable after construction, so concurrent requests share one
// without a lock (ResourceInfo holds it as shared_ptr<const>).
class CrdSchema {
 public:
  explicit CrdSchema(nlohmann::json document);

  const nlohmann::json& document() const { return document_; }
  // The compiled form of a `pattern` of the schema; nullptr when std::regex could not compile it
  // (ECMAScript is not the RE2 syntax upstream uses), and then every value matches.
  const std::regex* Pattern(const std::string& pattern) const;

 private:
  nlohmann::json document_;
  std::map<std::string, std::regex> patterns_;
};

// Returns one cause per violation; empty when valid. Paths are rendered "spec.list[2].name".
std::vector<FieldCause> ValidateAgainstSchema(const CrdSchema& schema,
                                              const nlohmann::json& object);

}  // namespace fairway::sandbox
