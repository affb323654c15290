#include "core/labels.h"

#include <algorithm>

namespace fairway::core {

bool LabelsInclude(const Labels& labels, const Labels& required) {
  for (const auto& [key, value] : required) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

bool LabelSelector::Matches(const Labels& labels) const {
  for (const auto& [key, value] : match_labels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const LabelRequirement& req : match_expressions) {
    auto it = labels.find(req.key);
    bool present = it != labels.end();
    auto listed = [&] {
      return present &&
             std::find(req.values.begin(), req.values.end(), it->second) != req.values.end();
    };
    switch (req.op) {
      case LabelRequirement::Operator::kIn:
        if (!listed()) return false;
        break;
      case LabelRequirement::Operator::kNotIn:
        if (listed()) return false;
        break;
      case LabelRequirement::Operator::kExists:
        if (!present) return false;
        break;
      case LabelRequirement::Operator::kDoesNotExist:
        if (present) return false;
        break;
    }
  }
  return true;
}

bool Tolerates(const Toleration& toleration, const Taint& taint) {
  if (toleration.effect.has_value() && *toleration.effect != taint.effect) return false;
  if (toleration.op == Toleration::Operator::kExists) {
    return toleration.key.empty() || toleration.key == taint.key;
  }
  return toleration.key == taint.key && toleration.value == taint.value;
}

bool ToleratesAllHardTaints(const std::vector<Toleration>& tolerations,
                            const std::vector<Taint>& taints) {
  for (const Taint& taint : taints) {
    if (taint.effect == TaintEffect::kPreferNoSchedule) continue;
    bool tolerated = std::any_of(tolerations.begin(), tolerations.end(),
                                 [&](const Toleration& t) { return Tolerates(t, taint); });
    if (!tolerated) return false;
  }
  return true;
}

}  // namespace fairway::core
