#include "sandbox/discovery.h"

#include <functional>

#include "sandbox/schema.h"

namespace fairway::sandbox {
namespace {

nlohmann::json GroupEntry(const std::string& group, const std::vector<std::string>& versions) {
  nlohmann::json vs = nlohmann::json::array();
  for (const std::string& v : versions)
    vs.push_back({{"groupVersion", group + "/" + v}, {"version", v}});
  return {{"name", group},
          {"versions", vs},
          {"preferredVersion",
           {{"groupVersion", group + "/" + versions.front()}, {"version", versions.front()}}}};
}

std::string PathHash(const std::string& s) { return std::to_string(std::hash<std::string>{}(s)); }

}  // namespace

nlohmann::json ApiVersionsDoc(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

nlohmann::json ApiGroupListDoc(const ResourceRegistry& registry) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& [group, versions] : registry.Groups()) {
    if (group.empty()) continue;
    groups.push_back(GroupEntry(group, versions));
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<nlohmann::json> ApiGroupDoc(const ResourceRegistry& registry,
                                          const std::string& group) {
  for (const auto& [g, versions] : registry.Groups()) {
    if (g != group || g.empty()) continue;
    nlohmann::json doc = GroupEntry(g, versions);
    doc["kind"] = "APIGroup";
    doc["apiVersion"] = "v1";
    return doc;
  }
  return std::nullopt;
}

std::optional<nlohmann::json> ApiResourceListDoc(const ResourceRegistry& registry,
                                                 const std::string& group,
                                                 const std::string& version) {
  nlohmann::json resources = nlohmann::json::array();
  bool found = false;
  for (const ResourceInfoPtr& info : registry.All()) {
    if (info->group != group || info->version != version) continue;
    found = true;
    nlohmann::json r = {{"name", info->plural},
                        {"singularName", info->singular},
                        {"namespaced", info->namespaced},
                        {"kind", info->kind},
                        {"verbs", info->verbs}};
    if (!info->short_names.empty()) r["shortNames"] = info->short_names;
    if (!info->categories.empty()) r["categories"] = info->categories;
    resources.push_back(r);
    auto sub = [&](const std::string& name, const std::string& kind, nlohmann::json verbs,
                   const std::string& sub_group, const std::string& sub_version) {
      nlohmann::json s = {{"name", info->plural + "/" + name},
                          {"singularName", ""},
                          {"namespaced", info->namespaced},
                          {"kind", kind},
                          {"verbs", verbs}};
      if (!sub_group.empty()) {
        s["group"] = sub_group;
        s["version"] = sub_version;
      }
      resources.push_back(s);
    };
    if (info->status_subresource) sub("status", info->kind, {"get", "patch", "update"}, "", "");
    if (info->scale) sub("scale", "Scale", {"get", "patch", "update"}, "autoscaling", "v1");
    for (const std::string& extra : info->extra_subresources) {
      if (extra == "binding") sub("binding", "Binding", {"create"}, "", "");
      if (extra == "eviction") sub("eviction", "Eviction", {"create"}, "policy", "v1");
    }
  }
  if (!found) return std::nullopt;
  return nlohmann::json{{"kind", "APIResourceList"},
                        {"apiVersion", "v1"},
                        {"groupVersion", group.empty() ? version : group + "/" + version},
                        {"resources", resources}};
}

nlohmann::json VersionDoc(const std::string& minor) {
  return {{"major", "1"},
          {"minor", minor},
          {"gitVersion", "v1." + minor + ".0-fairway-sandbox"},
          {"gitCommit", "0000000000000000000000000000000000000000"},
          {"gitTreeState", "clean"},
          {"buildDate", "2025-01-01T00:00:00Z"},
          {"goVersion", "go1.23.0"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

nlohmann::json OpenApiV3Index(const ResourceRegistry& registry) {
  nlohmann::json paths = nlohmann::json::object();
  for (const auto& [group, versions] : registry.Groups()) {
    for (const std::string& v : versions) {
      std::string p = group.empty() ? "api/" + v : "apis/" + group + "/" + v;
      std::string key;
      for (const ResourceInfoPtr& i : registry.All()) {
        if (i->group == group && i->version == v)
          key += i->plural + i->kind + (i->schema ? i->schema->document().dump() : "");
      }
      paths[p] = {{"serverRelativeURL", "/openapi/v3/" + p + "?hash=" + PathHash(key)}};
    }
  }
  return {{"paths", paths}};
}

std::optional<nlohmann::json> OpenApiV3GroupVersion(const ResourceRegistry& registry,
                                                    const std::string& gv_path) {
  nlohmann::json paths = nlohmann::json::object();
  nlohmann::json schemas = nlohmann::json::object();
  bool found = false;
  for (const ResourceInfoPtr& i : registry.All()) {
    std::string p = i->group.empty() ? "api/" + i->version : "apis/" + i->group + "/" + i->version;
    if (p != gv_path) continue;
    found = true;
    nlohmann::json gvk = {{"group", i->group}, {"version", i->version}, {"kind", i->kind}};
    std::string schema_name =
        (i->group.empty() ? "io.k8s.api.core." : i->group + ".") + i->version + "." + i->kind;
    nlohmann::json params = nlohmann::json::array(
        {{{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
         {{"name", "fieldManager"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
         {{"name", "dryRun"}, {"in", "query"}, {"schema", {{"type", "string"}}}}});
    nlohmann::json ok_response = {
        {"200",
         {{"description", "OK"},
          {"content",
           {{"application/json",
             {{"schema", {{"$ref", "#/components/schemas/" + schema_name}}}}}}}}}};
    nlohmann::json op = {{"x-kubernetes-group-version-kind", gvk},
                         {"parameters", params},
                         {"responses", ok_response}};
    std::string base = "/" + p + (i->namespaced ? "/namespaces/{namespace}/" : "/") + i->plural;
    paths[base + "/{name}"] = {{"get", op}, {"put", op}, {"patch", op}, {"delete", op}};
    paths[base] = {{"get", op}, {"post", op}};
    nlohmann::json schema =
        i->schema
            ? i->schema->document()
            : nlohmann::json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
    schema["x-kubernetes-group-version-kind"] = nlohmann::json::array({gvk});
    schemas[schema_name] = schema;
  }
  if (!found) return std::nullopt;
  return nlohmann::json{{"openapi", "3.0.0"},
                        {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
                        {"paths", paths},
                        {"components", {{"schemas", schemas}}}};
}

}  // namespace fairway::sandbox
