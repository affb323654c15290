// Informer transforms (kube::InformerOptions::transform) for the core objects the operator
// watches but only partly reads. The Kubernetes scheduler trims its informers the same way
// (managedFields are dropped before caching). At 10,000 nodes and 80,000 pods the dropped
// fields (managed fields, container env/command/args/mounts, volumes, node images) were most
// of each object.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

namespace fairway::controllers {

// Drops metadata.managedFields and kubectl's last-applied-configuration annotation: bookkeeping
// of the API server and kubectl that no controller reads.
nlohmann::json TrimMetadata(nlohmann::json object);
// TrimMetadata, and a pod's spec.volumes and its containers' (init and app) image, command,
// args, env, envFrom and volumeMounts: the operator reads a pod's resources, phase, node,
// labels, owner and container states, never what it runs.
nlohmann::json TrimPod(nlohmann::json pod);
// TrimMetadata, and a node's status.images (the image list is often tens of KiB).
nlohmann::json TrimNode(nlohmann::json node);

}  // namespace fairway::controllers
