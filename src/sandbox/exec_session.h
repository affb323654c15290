// `kubectl exec` and `kubectl attach` over Kubernetes' WebSocket remote-command protocol
// (v4.channel.k8s.io and v5.channel.k8s.io, what kubectl 1.30+ speaks): binary messages whose
// first byte is the channel (0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 terminal resize, and
// in v5 255 "close": [255, 0] closes stdin). When the command ends the server sends a Status on
// channel 3 (Success, or Failure with reason NonZeroExitCode and the code as a cause, from which
// kubectl takes its own exit code) and closes the connection.
//
// exec runs the command as a local process (process_runner.h) in the pod's working directory with
// the pod's environment, on a pseudo-terminal with tty=true (forkpty; resize messages set its
// window size), else with pipes. A client that goes away hangs the command up: SIGHUP, then
// SIGKILL after two seconds, as a terminal's hangup would end a shell. When the pod stops
// (deleted, timed out, preempted) the command is killed, as a container's exec'd processes die
// with the container.
//
// attach streams the container's output (its log from now on) until the container exits; --run-pods
// containers run with stdin on /dev/null, so input is not forwarded.
//
// Thread-safety: thread-safe (the transport calls OnMessage in order; reader threads send).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "sandbox/http_types.h"
#include "sandbox/pod_runtime.h"
#include "sandbox/process_runner.h"

namespace fairway::sandbox {

inline constexpr char kChannelV5[] = "v5.channel.k8s.io";
inline constexpr char kChannelV4[] = "v4.channel.k8s.io";

// The channel-3 Status for an exit code (v4+).
std::string ExecStatus(int exit_code, const std::vector<std::string>& command);

class ExecSession : public UpgradeHandler, public std::enable_shared_from_this<ExecSession> {
 public:
  struct Options {
    std::string protocol;  // kChannelV5 or kChannelV4
    ProcessSpec spec;      // io: kPty with tty, else kPipes
    bool stdin = false;
    bool stderr = true;  // without it (tty) stderr output is dropped
    // Whether the pod still runs, polled while the command does; null: not watched.
    std::function<bool()> pod_running;
  };
  explicit ExecSession(Options options);

  std::string subprotocol() const override { return options_.protocol; }
  void OnOpen(std::shared_ptr<MessageChannel> channel) override;
  void OnMessage(const std::string& message) override;
  void OnClosed() override;

 private:
  void Pump(int fd, char channel);
  void WatchPod(const std::shared_ptr<Process>& process);
  void OnExit(int code);

  const Options options_;
  Mutex mu_;
  CondVar readers_done_;
  std::shared_ptr<MessageChannel> channel_ FAIRWAY_GUARDED_BY(mu_);
  std::shared_ptr<Process> process_ FAIRWAY_GUARDED_BY(mu_);
  int open_readers_ FAIRWAY_GUARDED_BY(mu_) = 0;
  bool closed_ FAIRWAY_GUARDED_BY(mu_) = false;
};

class AttachSession : public UpgradeHandler, public std::enable_shared_from_this<AttachSession> {
 public:
  AttachSession(std::string protocol, std::shared_ptr<PodRuntime> runtime, std::string ns,
                std::string pod, std::string log_path);

  std::string subprotocol() const override { return protocol_; }
  void OnOpen(std::shared_ptr<MessageChannel> channel) override;
  void OnMessage(const std::string& /*message*/) override {}
  void OnClosed() override;

 private:
  const std::string protocol_;
  const std::shared_ptr<PodRuntime> runtime_;
  const std::string ns_;
  const std::string pod_;
  const std::string log_path_;
  Mutex mu_;
  bool closed_ FAIRWAY_GUARDED_BY(mu_) = false;
};

}  // namespace fairway::sandbox
