#include "sandbox/patch.h"

#include <map>

#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

// Merge keys of built-in list fields (by field name; the built-in types agree across kinds).
const std::map<std::string, std::string>& MergeKeys() {
  static const std::map<std::string, std::string> kKeys = {
      {"containers", "name"},        {"initContainers", "name"}, {"ephemeralContainers", "name"},
      {"env", "name"},               {"volumes", "name"},        {"volumeMounts", "mountPath"},
      {"conditions", "type"},        {"addresses", "type"},      {"ownerReferences", "uid"},
      {"imagePullSecrets", "name"},  {"hostAliases", "ip"},      {"volumeDevices", "devicePath"},
      {"ports", "containerPort"},    {"resourceClaims", "name"}, {"readinessGates", "conditionType"},
  };
  return kKeys;
}

bool IsPrimitiveSetList(const std::string& field) { return field == "finalizers"; }

std::string KeyString(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

nlohmann::json StripDirectives(const nlohmann::json& v) {
  if (v.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (internal::StartsWith(it.key(), "$")) continue;
      if (it->is_null()) continue;
      out[it.key()] = StripDirectives(*it);
    }
    return out;
  }
  if (v.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : v) out.push_back(StripDirectives(e));
    return out;
  }
  return v;
}

nlohmann::json MergeObject(const nlohmann::json& target, const nlohmann::json& patch);

nlohmann::json MergeList(const std::string& field, const nlohmann::json& target,
                         const nlohmann::json& patch) {
  auto mk = MergeKeys().find(field);
  // Service ports merge by port, container ports by containerPort: pick the key the items carry.
  std::string key;
  if (mk != MergeKeys().end()) {
    key = mk->second;
    if (field == "ports" && !patch.empty() && patch[0].is_object() && !patch[0].contains(key) &&
        patch[0].contains("port")) {
      key = "port";
    }
  }
  if (IsPrimitiveSetList(field)) {
    nlohmann::json out = target.is_array() ? target : nlohmann::json::array();
    for (const auto& v : patch) {
      bool present = false;
      for (const auto& e : out) present = present || e == v;
      if (!present) out.push_back(v);
    }
    return out;
  }
  if (key.empty() || !target.is_array()) return StripDirectives(patch);
  // A `{"$patch": "replace"}` element replaces the whole list.
  for (const auto& e : patch) {
    if (e.is_object() && e.value("$patch", "") == "replace") {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& x : patch) {
        if (!(x.is_object() && x.contains("$patch"))) out.push_back(StripDirectives(x));
      }
      return out;
    }
  }
  nlohmann::json out = target;
  for (const auto& e : patch) {
    if (!e.is_object() || !e.contains(key)) {
      out.push_back(StripDirectives(e));
      continue;
    }
    std::string k = KeyString(e[key]);
    bool del = e.value("$patch", "") == "delete";
    bool found = false;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i].is_object() && out[i].contains(key) && KeyString(out[i][key]) == k) {
        found = true;
        if (del) {
          out.erase(i);
        } else {
          out[i] = MergeObject(out[i], e);
        }
        break;
      }
    }
    if (!found && !del) out.push_back(StripDirectives(e));
  }
  return out;
}

nlohmann::json MergeObject(const nlohmann::json& target, const nlohmann::json& patch) {
  if (!patch.is_object()) return patch;
  if (patch.value("$patch", "") == "replace") return StripDirectives(patch);
  nlohmann::json out = target.is_object() ? target : nlohmann::json::object();
  // $deleteFromPrimitiveList first, so an add in the same patch wins.
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    static const std::string kDel = "$deleteFromPrimitiveList/";
    if (internal::StartsWith(it.key(), kDel) && it->is_array()) {
      std::string field = it.key().substr(kDel.size());
      if (out.contains(field) && out[field].is_array()) {
        nlohmann::json kept = nlohmann::json::array();
        for (const auto& e : out[field]) {
          bool drop = false;
          for (const auto& d : *it) drop = drop || d == e;
          if (!drop) kept.push_back(e);
        }
        out[field] = kept;
      }
    }
  }
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& k = it.key();
    if (internal::StartsWith(k, "$")) continue;
    if (it->is_null()) {
      out.erase(k);
    } else if (it->is_object()) {
      if (it->value("$patch", "") == "delete") {
        out.erase(k);
      } else {
        out[k] = MergeObject(out.contains(k) ? out[k] : nlohmann::json(), *it);
      }
    } else if (it->is_array()) {
      out[k] = MergeList(k, out.contains(k) ? out[k] : nlohmann::json(), *it);
    } else {
      out[k] = *it;
    }
  }
  return out;
}

}  // namespace

Result<PatchType> ParsePatchType(const std::string& content_type) {
  std::string ct = internal::ToLower(content_type.substr(0, content_type.find(';')));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  if (ct == "application/merge-patch+json") return PatchType::kMerge;
  if (ct == "application/json-patch+json") return PatchType::kJson;
  if (ct == "application/strategic-merge-patch+json") return PatchType::kStrategic;
  if (ct == "application/apply-patch+yaml" || ct == "application/apply-patch+cbor") {
    return PatchType::kApply;
  }
  return UnsupportedMediaType(
      "the body of the request was in an unknown format - accepted media types include: "
      "application/json-patch+json, application/merge-patch+json, "
      "application/apply-patch+yaml");
}

Result<nlohmann::json> ApplyMergePatch(const nlohmann::json& target, const nlohmann::json& patch) {
  nlohmann::json out = target;
  try {
    out.merge_patch(patch);
  } catch (const std::exception& e) {
    return BadRequest(std::string("invalid merge patch: ") + e.what());
  }
  return out;
}

Result<nlohmann::json> ApplyJsonPatch(const nlohmann::json& target, const nlohmann::json& patch) {
  if (!patch.is_array()) {
    return BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  try {
    return target.patch(patch);
  } catch (const nlohmann::json::other_error& e) {
    // 501: a failed `test`.
    std::string what = e.what();
    return ApiError(422, "Invalid", "the server rejected our request due to an error in our request: " + what,
                    {{"causes", {{{"reason", "FieldValueInvalid"}, {"message", "test operation failed: " + what}}}}});
  } catch (const std::exception& e) {
    return ApiError(422, "Invalid",
                    std::string("the server rejected our request due to an error in our request: ") + e.what());
  }
}

Result<nlohmann::json> ApplyStrategicMergePatch(const nlohmann::json& target,
                                                const nlohmann::json& patch) {
  if (!patch.is_object()) return BadRequest("strategic merge patch must be a JSON object");
  try {
    return MergeObject(target, patch);
  } catch (const std::exception& e) {
    return BadRequest(std::string("invalid strategic merge patch: ") + e.what());
  }
}

}  // namespace fairway::sandbox
