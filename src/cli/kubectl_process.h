// The real kubectl as a child process of the plugin ($FAIRWAY_KUBECTL, else `kubectl` on PATH):
// interactive sessions leave the streaming protocols (exec, port-forward) to it.
//
// Thread-safety: SIGINT/SIGQUIT dispositions are process-wide; one session per process.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace fairway::cli {

// Where a child's standard output goes.
enum class ChildOutput { kInherit, kStderr, kDevNull };

// Starts kubectl with `args`. The child gets default SIGINT/SIGQUIT handling whatever the
// plugin's, so Ctrl-C on the terminal reaches it.
StatusOr<pid_t> SpawnKubectl(const std::vector<std::string>& args, ChildOutput out);

// Waits for `pid`; its exit code, 128+N for signal N.
int WaitChild(pid_t pid);
// The exit code of `pid` if it has ended (reaped now), else nullopt.
std::optional<int> PollChild(pid_t pid);
// SIGTERM to `pid`, SIGKILL after two seconds; reaps it.
void StopChild(pid_t pid);

// While alive, SIGINT and SIGTERM set raised() instead of ending the plugin, which then winds
// its session down (cancels a pending job, stops its kubectl children).
class InterruptFlag {
 public:
  InterruptFlag();
  ~InterruptFlag();
  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;
  bool raised() const;

 private:
  struct sigaction old_int_ = {};
  struct sigaction old_term_ = {};
};

// While alive, the plugin ignores SIGINT and SIGQUIT: kubectl handles Ctrl-C itself (a raw
// terminal forwards it to the remote shell) and the plugin cleans up after it.
class IgnoreInterrupts {
 public:
  IgnoreInterrupts();
  ~IgnoreInterrupts();
  IgnoreInterrupts(const IgnoreInterrupts&) = delete;
  IgnoreInterrupts& operator=(const IgnoreInterrupts&) = delete;

 private:
  struct sigaction old_int_ = {};
  struct sigaction old_quit_ = {};
};

// SpawnKubectl + WaitChild with interrupts ignored: the exit code (the remote command's for
// exec), 127 when kubectl cannot be started.
int RunKubectl(const std::vector<std::string>& args);

}  // namespace fairway::cli
