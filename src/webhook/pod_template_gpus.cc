#include "webhook/pod_template_gpus.h"

#include <string>

#include "api/pod_template_gpus.h"

namespace fairway::webhook {

using nlohmann::json;

json FillFirstContainerGpus(const json& pod_template, int64_t gpus) {
  const std::string base = "/spec/template/spec/containers/0/resources";
  const std::string count = std::to_string(gpus);
  const json& first = pod_template.at("spec").at("containers").at(0);
  const std::string gpu(api::kGpuResource);
  auto resources = first.find("resources");
  if (resources == first.end() || !resources->is_object()) {
    return json::array({{{"op", "add"}, {"path", base}, {"value", {{"limits", {{gpu, count}}}}}}});
  }
  auto limits = resources->find("limits");
  if (limits == resources->end() || !limits->is_object()) {
    return json::array({{{"op", "add"}, {"path", base + "/limits"}, {"value", {{gpu, count}}}}});
  }
  // RFC 6901: '/' in a member name is written "~1".
  return json::array(
      {{{"op", "add"}, {"path", base + "/limits/nvidia.com~1gpu"}, {"value", count}}});
}

}  // namespace fairway::webhook
