// kube-apiserver's validation of what every object carries (name, labels, annotations) and of the
// built-in workload specs the sandbox serves, with upstream's field paths and messages
// (k8s.io/apimachinery/pkg/util/validation, pkg/apis/apps/validation, pkg/apis/batch/validation):
//   metadata.name: Invalid value: "A": a lowercase RFC 1123 subdomain must consist of ...
//   metadata.labels: Invalid value: "x x": a valid label must be an empty string or ...
//   metadata.annotations: Too long: must have at most 262144 bytes
//   spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does
//       not match template `labels`
// The callers turn the causes into one 422 Invalid.
//
// Thread-safety: pure functions over values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sandbox/api_error.h"
#include "sandbox/resource_registry.h"

namespace fairway::sandbox::internal {

// Upstream's metadata.annotations limit: keys and values together, in bytes.
inline constexpr size_t kTotalAnnotationSizeLimit = 256 * 1024;

// The name rule of the resource (checked on create; names never change): a DNS-1123 label for
// namespaces, a DNS-1035 label for services, a path segment for RBAC objects, else a DNS-1123
// subdomain.
std::vector<FieldCause> NameCauses(const ResourceInfo& info, const std::string& name);

// Label keys and values, annotation keys and the annotations' total size of `obj` (storage form).
std::vector<FieldCause> MetadataCauses(const nlohmann::json& obj);

// Deployments, ReplicaSets, StatefulSets and DaemonSets: a non-empty selector that matches the
// pod template's labels, valid template labels, at least one container, replicas >= 0.
// batch/v1 Jobs: at least one container, restartPolicy OnFailure or Never, parallelism,
// completions and backoffLimit >= 0, a given selector matching the template's labels. Other
// kinds: none.
std::vector<FieldCause> WorkloadCauses(const ResourceInfo& info, const nlohmann::json& obj);

}  // namespace fairway::sandbox::internal
