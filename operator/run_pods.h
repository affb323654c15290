// --run-pods and --pods-dir, shared by `fairway sandbox` and `fairway demo`: the kubelet
// simulator runs containers' commands as local processes (sandbox/pod_runtime.h).
#pragma once

#include <string>

#include "common/status.h"
#include "operator/flags.h"

namespace fairway::cli {

// The help lines of the two flags.
extern const char kRunPodsUsage[];

// The directory pods run in: empty without --run-pods; --pods-dir, else a new directory
// /tmp/fairway-pods-XXXXXX. InvalidArgument for --pods-dir without --run-pods.
StatusOr<std::string> RunPodsDirFromFlags(const Flags& flags);

}  // namespace fairway::cli
