// The pods/log, pods/exec, pods/attach and pods/portforward subresources of the sandbox, as the
// kubelet would serve them behind kube-apiserver (ApiServer::SetPodStreamHandler).
//
//   log          ?container= &follow= &tailLines= &limitBytes= : with --run-pods the container's
//                log file (followed while it runs), else the simulated lines (pod_logs.h).
//   exec, attach WebSocket v5/v4.channel.k8s.io (exec_session.h); --run-pods pods only, while
//                their containers run. SPDY (kubectl before 1.30) is refused with a clear 400.
//   portforward  --run-pods pods only: SPDY/3.1 portforward.k8s.io, tunnelled in WebSocket or
//                after a SPDY upgrade (port_forward.h), to 127.0.0.1:PORT (the pod's processes
//                run on the host, and its podIP is 127.0.0.1).
//
// Errors carry kubelet/kube-apiserver's wording (a container name is required for pods with
// several, "is waiting to start", "container not found").
//
// Thread-safety: the handler is thread-safe.
#pragma once

#include <memory>

#include "sandbox/api_server.h"
#include "sandbox/pod_runtime.h"

namespace fairway::sandbox {

// `runtime` is null without --run-pods. `api` must outlive the handler.
ApiServer::PodStreamHandler MakePodStreamHandler(ApiServer* api,
                                                 std::shared_ptr<PodRuntime> runtime);

}  // namespace fairway::sandbox
