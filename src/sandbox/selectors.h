// Label and field selectors as the API server parses them from ?labelSelector= / ?fieldSelector=.
//
// Labels: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma = AND.
// Fields: `key=value`, `key==value`, `key!=value`, comma = AND; which keys exist depends on the
// resource (FieldValue below), anything else is 400 `field label not supported: KEY`.
//
// Thread-safety: immutable after Parse; Matches is const and safe to call concurrently.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/api_error.h"

namespace fairway::sandbox {

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::set<std::string> values;
  };

  // 400 BadRequest with upstream-like text for malformed selectors. Empty text matches all.
  static Result<LabelSelector> Parse(std::string_view text);
  // A metav1.LabelSelector object ({matchLabels, matchExpressions}); `{}` matches everything.
  // 400 BadRequest for an unknown operator, values where none are allowed (or none where some
  // are required) and non-string labels, as upstream's LabelSelectorAsSelector.
  static Result<LabelSelector> FromJson(const nlohmann::json& selector);

  bool Matches(const nlohmann::json& labels) const;  // labels: object of strings, or null
  bool empty() const { return reqs_.empty(); }
  const std::vector<Requirement>& requirements() const { return reqs_; }

 private:
  std::vector<Requirement> reqs_;
};

class FieldSelector {
 public:
  struct Requirement {
    std::string key;
    std::string value;
    bool negate = false;
  };

  // `resource` is the bucket's plural in its group (e.g. "pods" with group ""); unsupported
  // keys give 400 `field label not supported: KEY`.
  static Result<FieldSelector> Parse(std::string_view text, const std::string& group,
                                     const std::string& resource, bool custom);

  bool Matches(const nlohmann::json& object) const;
  bool empty() const { return reqs_.empty(); }
  const std::vector<Requirement>& requirements() const { return reqs_; }

  // The value of a selectable field on an object ("" when unset; "false" for unset booleans).
  static std::string FieldValue(const nlohmann::json& object, const std::string& key);
  static bool Supported(const std::string& group, const std::string& resource, bool custom,
                        const std::string& key);

 private:
  std::vector<Requirement> reqs_;
};

// Both selectors of a list or watch request.
struct ObjectFilter {
  LabelSelector labels;
  FieldSelector fields;
  bool Matches(const nlohmann::json& object) const;
};

}  // namespace fairway::sandbox
