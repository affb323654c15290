// Kubernetes label selectors, taints and tolerations, as the core needs them to decide which
// nodes a partition contains and which nodes a job may use.
//
// Thread-safety: plain values; the functions are pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fairway::core {

using Labels = std::map<std::string, std::string>;

// One requirement of a label selector (metav1.LabelSelectorRequirement).
struct LabelRequirement {
  enum class Operator { kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Operator op = Operator::kExists;
  std::vector<std::string> values;  // for kIn / kNotIn
};

// metav1.LabelSelector: matchLabels AND every matchExpression. An empty selector matches
// everything.
struct LabelSelector {
  Labels match_labels;
  std::vector<LabelRequirement> match_expressions;

  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
  bool Matches(const Labels& labels) const;
};

// True if `labels` carries every key of `required` with the same value (a nodeSelector map).
bool LabelsInclude(const Labels& labels, const Labels& required);

enum class TaintEffect { kNoSchedule, kPreferNoSchedule, kNoExecute };

struct Taint {
  std::string key;
  std::string value;
  TaintEffect effect = TaintEffect::kNoSchedule;
};

struct Toleration {
  enum class Operator { kEqual, kExists };
  std::string key;  // empty with kExists tolerates every taint
  Operator op = Operator::kEqual;
  std::string value;
  std::optional<TaintEffect> effect;  // empty tolerates every effect
};

// True if `toleration` tolerates `taint` (Kubernetes toleration matching rules).
bool Tolerates(const Toleration& toleration, const Taint& taint);

// True unless some NoSchedule/NoExecute taint is tolerated by none of `tolerations`.
// PreferNoSchedule taints never block.
bool ToleratesAllHardTaints(const std::vector<Toleration>& tolerations,
                            const std::vector<Taint>& taints);

}  // namespace fairway::core
