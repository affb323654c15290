// The resources the sandbox serves: built-in kinds registered at start and custom resources
// added and removed at runtime as CustomResourceDefinitions come and go. Discovery, routing,
// printing and the per-kind write rules all read a ResourceInfo.
//
// Thread-safety: ResourceRegistry is thread-safe; ResourceInfo snapshots are immutable
// (shared_ptr<const>), so a request keeps a consistent view while a CRD changes.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/api_error.h"

namespace fairway::sandbox {

class CrdSchema;  // schema.h

struct PrinterColumn {
  std::string name;
  std::string type;  // integer, number, string, boolean, date
  std::string format;
  std::string description;
  std::string json_path;
  int priority = 0;
};

struct ScaleSubresource {
  std::string spec_replicas_path;
  std::string status_replicas_path;
  std::string label_selector_path;
};

struct ResourceInfo {
  std::string group;  // "" for core
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  std::string list_kind;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool status_subresource = false;
  std::optional<ScaleSubresource> scale;
  // Custom resource semantics: PUT needs resourceVersion (422), strategic merge 415, delete
  // answers a Success Status, schema pruning/defaulting/validation.
  bool custom = false;
  std::string bucket;  // storage key, shared by versions and views ("/events" for both APIs)
  std::vector<PrinterColumn> columns;  // CRD additionalPrinterColumns
  // The openAPIV3Schema of a custom resource version, compiled; null for built-in kinds and
  // versions without one.
  std::shared_ptr<const CrdSchema> schema;
  std::vector<std::string> verbs;
  // Extra subresources listed in discovery beyond status/scale: {"binding", "eviction"} for pods.
  std::vector<std::string> extra_subresources;

  std::string GroupVersion() const { return group.empty() ? version : group + "/" + version; }
  ResourceRef Ref() const { return {group, plural, bucket}; }
};

using ResourceInfoPtr = std::shared_ptr<const ResourceInfo>;

class ResourceRegistry {
 public:
  // Replaces any entry with the same group/version/plural.
  void Add(ResourceInfo info);
  // Removes every version of group/plural.
  void Remove(const std::string& group, const std::string& plural);

  ResourceInfoPtr Find(const std::string& group, const std::string& version,
                       const std::string& plural) const;
  // Every entry, in registration order.
  std::vector<ResourceInfoPtr> All() const;
  // Ordered list of (group, versions in registration order); core group first as "".
  std::vector<std::pair<std::string, std::vector<std::string>>> Groups() const;

 private:
  mutable std::mutex mu_;
  std::vector<ResourceInfoPtr> entries_;  // GUARDED_BY(mu_)
};

// Registers the built-in kinds (core/v1, apps/v1, batch/v1, coordination, events, rbac,
// admissionregistration, apiextensions, policy, scheduling).
void RegisterBuiltins(ResourceRegistry* registry);

// Builds the ResourceInfos (one per served version) of a CustomResourceDefinition object, or a
// 422 listing what is wrong with it.
Result<std::vector<ResourceInfo>> ResourceInfosFromCrd(const nlohmann::json& crd);

}  // namespace fairway::sandbox
