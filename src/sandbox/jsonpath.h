// The subset of kubectl/client-go JSONPath used by printer columns:
//   .spec.gpus   .status.conditions[0].type   .items[*].name   .metadata.labels.app\.kubernetes\.io/name
//   .status.conditions[?(@.type=="Ready")].status   (filters with == or !=, string/number/bool)
// An optional surrounding `{...}` is accepted. Evaluation never throws: a malformed expression
// or a missing path yields no results.
//
// Thread-safety: immutable after Parse.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fairway::sandbox {

class JsonPath {
 public:
  // Returns false for expressions outside the subset.
  bool Parse(const std::string& expr);
  // All values the expression selects, in document order.
  std::vector<nlohmann::json> Evaluate(const nlohmann::json& doc) const;

 private:
  struct Step {
    enum Kind { kField, kIndex, kWildcard, kFilter } kind = kField;
    std::string name;                  // kField
    int64_t index = 0;                 // kIndex (negative counts from the end)
    std::vector<std::string> filter_path;  // kFilter: @.a.b
    std::string filter_op;             // "==" or "!="
    nlohmann::json filter_value;       // kFilter
  };
  std::vector<Step> steps_;
};

}  // namespace fairway::sandbox
