#include "controllers/object_trim.h"

namespace fairway::controllers {

using nlohmann::json;

namespace {

void EraseIn(json* object, const char* field, std::initializer_list<const char*> keys) {
  auto it = object->find(field);
  if (it == object->end() || !it->is_object()) return;
  for (const char* k : keys) it->erase(k);
}

void TrimContainers(json* spec, const char* field) {
  auto it = spec->find(field);
  if (it == spec->end() || !it->is_array()) return;
  for (json& c : *it) {
    if (!c.is_object()) continue;
    for (const char* k : {"image", "command", "args", "env", "envFrom", "volumeMounts"}) c.erase(k);
  }
}

}  // namespace

json TrimMetadata(json object) {
  if (!object.is_object()) return object;
  EraseIn(&object, "metadata", {"managedFields"});
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) {
    EraseIn(&*meta, "annotations", {"kubectl.kubernetes.io/last-applied-configuration"});
  }
  return object;
}

json TrimPod(json pod) {
  pod = TrimMetadata(std::move(pod));
  if (!pod.is_object()) return pod;
  auto spec = pod.find("spec");
  if (spec == pod.end() || !spec->is_object()) return pod;
  spec->erase("volumes");
  TrimContainers(&*spec, "containers");
  TrimContainers(&*spec, "initContainers");
  return pod;
}

json TrimNode(json node) {
  node = TrimMetadata(std::move(node));
  if (node.is_object()) EraseIn(&node, "status", {"images"});
  return node;
}

}  // namespace fairway::controllers
