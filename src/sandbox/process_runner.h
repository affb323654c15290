// Local processes for the kubelet simulator's --run-pods mode and for `kubectl exec`: a
// container's command runs on the host (images are not pulled) in the pod's working directory with
// the pod's environment.
//
// Each process leads its own session (setsid, or forkpty's), so signals go to its whole process
// group: a shell's children stop with it. When the process may create a UTS namespace (root, or
// CAP_SYS_ADMIN) its hostname is the pod's node, so `hostname` prints what Slurm's would; otherwise
// it keeps the host's. The exit code follows the kubelet's convention: the status of a normal exit,
// 128 + N when killed by signal N (137 for SIGKILL).
//
// A waiter thread per process blocks in waitid and runs the exit callback once, on that thread.
// Terminate() sends SIGTERM and, when the process is still alive after the grace period, SIGKILL;
// a process never gets a signal after it was reaped, so a recycled pid is never hit.
//
// Thread-safety: Process is thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace fairway::sandbox {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up on the sandbox's PATH
  std::vector<std::string> env;   // the whole environment, NAME=value
  std::string work_dir;
  std::string hostname;  // best effort, see above; empty: the host's
  enum class Io {
    kLogFile,  // stdin /dev/null, stdout and stderr appended to log_path
    kPipes,    // stdin, stdout and stderr are pipes (Process::*_fd)
    kPty,      // one pseudo-terminal (stdin_fd() == stdout_fd())
  };
  Io io = Io::kLogFile;
  std::string log_path;
  uint16_t rows = 24;  // kPty: the initial window size
  uint16_t cols = 80;
};

class Process : public std::enable_shared_from_this<Process> {
 public:
  using ExitCallback = std::function<void(int exit_code)>;

  // Starts the process; `on_exit` runs once on the waiter thread when it has exited.
  static StatusOr<std::shared_ptr<Process>> Start(const ProcessSpec& spec, ExitCallback on_exit);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // The parent's ends (-1 when not used); owned by the Process, closed by its destructor or
  // CloseStdin().
  int stdin_fd() const { return stdin_fd_; }
  int stdout_fd() const { return stdout_fd_; }
  int stderr_fd() const { return stderr_fd_; }
  // Closes the write end of a stdin pipe (the child reads EOF). No-op for a pty.
  void CloseStdin();
  // Sets the pty's window size (kPty only).
  void Resize(uint16_t rows, uint16_t cols);

  // Sends `sig` to the process group unless the process has exited.
  void Signal(int sig);
  // SIGTERM now, SIGKILL when still running after `grace`.
  void Terminate(std::chrono::milliseconds grace);
  bool exited() const;
  // Blocks until the process has exited or `timeout` passed; true when it has exited.
  bool WaitFor(std::chrono::milliseconds timeout);

 private:
  Process() = default;
  void Wait(ExitCallback on_exit);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  bool pty_ = false;
  mutable Mutex mu_;
  CondVar exited_cv_;
  bool exited_ FAIRWAY_GUARDED_BY(mu_) = false;
  bool stdin_closed_ FAIRWAY_GUARDED_BY(mu_) = false;
};

// The exit code of a waitid() status the kubelet's way (see above).
int ExitCodeOf(int code, int status);

}  // namespace fairway::sandbox
