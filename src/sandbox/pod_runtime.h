// The kubelet simulator's container runtime for --run-pods: every container of a pod runs its
// command (command + args; images are not pulled, so a container needs one) as a local process
// (process_runner.h) in a working directory of its own under the runtime's root,
//
//   ROOT/NAMESPACE_POD_UID/work          the working directory of every container and exec
//   ROOT/NAMESPACE_POD_UID/CONTAINER.log stdout and stderr, interleaved as kubectl logs shows them
//
// with the container's env (value, and valueFrom.fieldRef for the pod's metadata, node and IP) over
// a minimal host environment (PATH, HOME, LANG, USER) and HOSTNAME = the pod's name. A command word
// that names a file of a mounted ConfigMap (the sbatch script at /fairway/script/script) is
// written under the working directory and the word points there.
//
// Thread-safety: thread-safe. Exit callbacks run on process waiter threads without the runtime's
// lock held.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "sandbox/process_runner.h"

namespace fairway::sandbox {

class PodRuntime : public std::enable_shared_from_this<PodRuntime> {
 public:
  // The text of the mounted ConfigMap file `word` names in `container`, or nullopt.
  using MountedFile = std::function<std::optional<std::string>(const nlohmann::json& container,
                                                               const std::string& word)>;
  struct ContainerExit {
    std::string name;
    int exit_code = 0;
  };
  // Runs once, when the last container of the pod has exited.
  using OnExit = std::function<void(const std::vector<ContainerExit>& exits)>;

  // What `kubectl logs` and `kubectl exec` need of a running (or finished) pod.
  struct PodView {
    std::string uid;
    std::string node;
    std::string work_dir;
    std::vector<std::string> env;                 // of the first container, for exec
    std::vector<std::string> containers;          // in spec order
    std::map<std::string, std::string> log_path;  // by container
    bool running = false;                         // some container still runs
  };

  // `root` is created when missing. Own it by shared_ptr: exit callbacks hold weak references.
  explicit PodRuntime(std::string root);
  ~PodRuntime();  // kills what still runs
  PodRuntime(const PodRuntime&) = delete;
  PodRuntime& operator=(const PodRuntime&) = delete;

  // Starts every container of `pod` (bound to `node`). FailedPrecondition for a container without
  // a command; nothing runs then.
  Status Start(const nlohmann::json& pod, const std::string& node, const MountedFile& files,
               OnExit on_exit);
  // SIGTERM to the pod's processes, SIGKILL after `grace`.
  void Stop(const std::string& uid, std::chrono::milliseconds grace);
  // Forgets a deleted pod (its files stay under the root for inspection).
  void Forget(const std::string& uid);
  // SIGKILL to every process.
  void StopAll();

  std::optional<PodView> Find(const std::string& ns, const std::string& name) const;
  const std::string& root() const { return root_; }

 private:
  struct PodState {
    std::string ns;
    std::string name;
    PodView view;
    std::vector<std::shared_ptr<Process>> processes;
    std::vector<ContainerExit> exits;
    OnExit on_exit;
  };
  void OnContainerExit(const std::string& uid, const std::string& container, int code);

  const std::string root_;
  mutable Mutex mu_;
  std::map<std::string, PodState> pods_ FAIRWAY_GUARDED_BY(mu_);  // by uid
};

// The environment of `container` of `pod` as PodRuntime runs it (see above).
std::vector<std::string> ContainerEnv(const nlohmann::json& pod, const nlohmann::json& container,
                                      const std::string& node);

}  // namespace fairway::sandbox
