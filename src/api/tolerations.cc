#include "api/tolerations.h"

#include <utility>

#include "api/common_types.h"
#include "api/internal/parse_util.h"
#include "common/status_macros.h"

namespace fairway::api {

using json_fields::Index;
using json_fields::Join;
using nlohmann::json;

namespace {

StatusOr<core::TaintEffect> ParseTaintEffect(const std::string& text, const std::string& field) {
  if (text == "NoSchedule") {
    return core::TaintEffect::kNoSchedule;
  }
  if (text == "PreferNoSchedule") {
    return core::TaintEffect::kPreferNoSchedule;
  }
  if (text == "NoExecute") {
    return core::TaintEffect::kNoExecute;
  }
  return InvalidArgumentError(
      "must be one of NoSchedule, PreferNoSchedule, NoExecute; got " + internal::Quote(text),
      field);
}

std::string_view TaintEffectName(core::TaintEffect effect) {
  switch (effect) {
    case core::TaintEffect::kNoSchedule:
      return "NoSchedule";
    case core::TaintEffect::kPreferNoSchedule:
      return "PreferNoSchedule";
    case core::TaintEffect::kNoExecute:
      return "NoExecute";
  }
  return "NoSchedule";
}

StatusOr<core::Toleration> TolerationFromJson(const json& t, const std::string& item) {
  if (!t.is_object()) {
    return InvalidArgumentError("must be an object", item);
  }
  core::Toleration tol;
  std::string op;
  std::string effect;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(t, "key", item, &tol.key));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(t, "operator", item, &op));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(t, "value", item, &tol.value));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(t, "effect", item, &effect));
  if (op.empty() || op == "Equal") {
    tol.op = core::Toleration::Operator::kEqual;
  } else if (op == "Exists") {
    tol.op = core::Toleration::Operator::kExists;
  } else {
    return InvalidArgumentError("must be Equal or Exists; got " + internal::Quote(op),
                                Join(item, "operator"));
  }
  if (tol.op == core::Toleration::Operator::kExists && !tol.value.empty()) {
    return InvalidArgumentError("must be empty when operator is Exists", Join(item, "value"));
  }
  if (tol.key.empty() && tol.op != core::Toleration::Operator::kExists) {
    return InvalidArgumentError("an empty key requires operator Exists", Join(item, "operator"));
  }
  if (!effect.empty()) {
    FAIRWAY_ASSIGN_OR_RETURN(tol.effect, ParseTaintEffect(effect, Join(item, "effect")));
  }
  return tol;
}

}  // namespace

StatusOr<std::vector<core::Toleration>> TolerationsFromJson(const json& list,
                                                            const std::string& field) {
  if (!list.is_array()) {
    return InvalidArgumentError("must be a list", field);
  }
  std::vector<core::Toleration> out;
  out.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    FAIRWAY_ASSIGN_OR_RETURN(core::Toleration tol, TolerationFromJson(list[i], Index(field, i)));
    out.push_back(std::move(tol));
  }
  return out;
}

json ToJson(const std::vector<core::Toleration>& tolerations) {
  json out = json::array();
  for (const core::Toleration& t : tolerations) {
    json j = json::object();
    if (!t.key.empty()) {
      j["key"] = t.key;
    }
    j["operator"] = t.op == core::Toleration::Operator::kExists ? "Exists" : "Equal";
    if (!t.value.empty()) {
      j["value"] = t.value;
    }
    if (t.effect) {
      j["effect"] = std::string(TaintEffectName(*t.effect));
    }
    out.push_back(std::move(j));
  }
  return out;
}

bool SameTolerations(const std::vector<core::Toleration>& a,
                     const std::vector<core::Toleration>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].op != b[i].op || a[i].value != b[i].value ||
        a[i].effect != b[i].effect) {
      return false;
    }
  }
  return true;
}

}  // namespace fairway::api
