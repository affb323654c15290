#include "operator/run_pods.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace fairway::cli {

const char kRunPodsUsage[] =
    "  --run-pods            run each container's command as a local process (a working\n"
    "                        directory per pod, the pod's env incl. SLURM_*, output for kubectl\n"
    "                        logs, real exit codes; SIGTERM then SIGKILL on delete). Images are\n"
    "                        NOT pulled: commands run on this host as this user. Also serves\n"
    "                        kubectl exec and attach (WebSocket, kubectl 1.30+)\n"
    "  --pods-dir DIR        with --run-pods: where pods' files go (default /tmp/fairway-pods-*)\n";

StatusOr<std::string> RunPodsDirFromFlags(const Flags& flags) {
  std::optional<std::string> dir = flags.Get("pods-dir");
  if (!flags.Has("run-pods")) {
    if (dir.has_value()) return InvalidArgumentError("--pods-dir needs --run-pods");
    return std::string();
  }
  if (dir.has_value()) {
    if (dir->empty()) return InvalidArgumentError("--pods-dir must not be empty");
    return *dir;
  }
  std::string pattern = "/tmp/fairway-pods-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    return InternalError(std::string("cannot create a pods directory: ") + strerror(errno));
  }
  return std::string(buf.data());
}

}  // namespace fairway::cli
