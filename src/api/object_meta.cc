#include "api/object_meta.h"

#include <limits>
#include <utility>

#include "api/common_types.h"
#include "common/status_macros.h"

namespace fairway::api {

using json_fields::Join;
using nlohmann::json;

namespace {

constexpr char kPath[] = "metadata";

StatusOr<OwnerReference> OwnerReferenceFromJson(const json& j, const std::string& path) {
  if (!j.is_object()) {
    return InvalidArgumentError("must be an object", path);
  }
  OwnerReference r;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "apiVersion", path, &r.api_version));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "kind", path, &r.kind));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "name", path, &r.name));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "uid", path, &r.uid));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetBool(j, "controller", path, &r.controller));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetBool(j, "blockOwnerDeletion", path, &r.block_owner_deletion));
  for (auto [key, value] :
       {std::pair<const char*, const std::string*>{"apiVersion", &r.api_version},
        {"kind", &r.kind},
        {"name", &r.name},
        {"uid", &r.uid}}) {
    if (value->empty()) {
      return InvalidArgumentError("is required", Join(path, key));
    }
  }
  return r;
}

}  // namespace

std::string ObjectMeta::Key() const {
  return namespace_name.empty() ? name : namespace_name + "/" + name;
}

StatusOr<ObjectMeta> ObjectMetaFromJson(const json& j) {
  const std::string path = kPath;
  FAIRWAY_RETURN_IF_ERROR(json_fields::RequireObject(j, path));
  ObjectMeta m;
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "name", path, &m.name));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "generateName", path, &m.generate_name));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "namespace", path, &m.namespace_name));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "uid", path, &m.uid));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetString(j, "resourceVersion", path, &m.resource_version));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetInt64(
      j, "generation", path, 0, std::numeric_limits<int64_t>::max(), &m.generation));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringMap(j, "labels", path, &m.labels));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringMap(j, "annotations", path, &m.annotations));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetTimestamp(j, "creationTimestamp", path, &m.creation_timestamp));
  FAIRWAY_RETURN_IF_ERROR(
      json_fields::GetTimestamp(j, "deletionTimestamp", path, &m.deletion_timestamp));
  FAIRWAY_RETURN_IF_ERROR(json_fields::GetStringList(j, "finalizers", path, &m.finalizers));
  if (const json* refs = json_fields::Find(j, "ownerReferences")) {
    std::string field = Join(path, "ownerReferences");
    if (!refs->is_array()) {
      return InvalidArgumentError("must be a list", field);
    }
    for (size_t i = 0; i < refs->size(); ++i) {
      FAIRWAY_ASSIGN_OR_RETURN(OwnerReference r,
                               OwnerReferenceFromJson((*refs)[i], json_fields::Index(field, i)));
      m.owner_references.push_back(std::move(r));
    }
  }
  return m;
}

json ToJson(const ObjectMeta& m) {
  json j = json::object();
  auto put = [&j](const char* key, const std::string& value) {
    if (!value.empty()) {
      j[key] = value;
    }
  };
  put("name", m.name);
  put("generateName", m.generate_name);
  put("namespace", m.namespace_name);
  put("uid", m.uid);
  put("resourceVersion", m.resource_version);
  if (m.generation != 0) {
    j["generation"] = m.generation;
  }
  if (!m.labels.empty()) {
    j["labels"] = m.labels;
  }
  if (!m.annotations.empty()) {
    j["annotations"] = m.annotations;
  }
  if (m.creation_timestamp) {
    j["creationTimestamp"] = FormatRfc3339(*m.creation_timestamp);
  }
  if (m.deletion_timestamp) {
    j["deletionTimestamp"] = FormatRfc3339(*m.deletion_timestamp);
  }
  if (!m.finalizers.empty()) {
    j["finalizers"] = m.finalizers;
  }
  if (!m.owner_references.empty()) {
    json refs = json::array();
    for (const OwnerReference& r : m.owner_references) {
      json e = {{"apiVersion", r.api_version}, {"kind", r.kind}, {"name", r.name}, {"uid", r.uid}};
      if (r.controller) {
        e["controller"] = true;
      }
      if (r.block_owner_deletion) {
        e["blockOwnerDeletion"] = true;
      }
      refs.push_back(std::move(e));
    }
    j["ownerReferences"] = std::move(refs);
  }
  return j;
}

}  // namespace fairway::api
