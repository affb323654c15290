#include "sandbox/exec_session.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/log.h"
#include "sandbox/pod_logs.h"

namespace fairway::sandbox {
namespace {

const Logger& Log() {
  static const Logger logger("sandbox.exec");
  return logger;
}

constexpr char kStdin = 0;
constexpr char kStdout = 1;
constexpr char kStderr = 2;
constexpr char kError = 3;
constexpr char kResize = 4;
constexpr char kClose = static_cast<char>(255);

std::string Framed(char channel, const std::string& data) { return std::string(1, channel) + data; }

bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

std::string ExecStatus(int exit_code, const std::vector<std::string>& command) {
  nlohmann::json status = {{"metadata", nlohmann::json::object()}};
  if (exit_code == 0) {
    status["status"] = "Success";
    return status.dump();
  }
  std::string words;
  for (const std::string& w : command) words += (words.empty() ? "" : " ") + w;
  status["status"] = "Failure";
  status["reason"] = "NonZeroExitCode";
  status["message"] = "command terminated with non-zero exit code: error executing command [" +
                      words + "], exit code " + std::to_string(exit_code);
  status["details"] = {
      {"causes", {{{"reason", "ExitCode"}, {"message", std::to_string(exit_code)}}}}};
  return status.dump();
}

ExecSession::ExecSession(Options options) : options_(std::move(options)) {}

void ExecSession::OnOpen(std::shared_ptr<MessageChannel> channel) {
  std::weak_ptr<ExecSession> weak = weak_from_this();
  StatusOr<std::shared_ptr<Process>> p = Process::Start(options_.spec, [weak](int code) {
    if (auto self = weak.lock()) self->OnExit(code);
  });
  if (!p.ok()) {
    channel->Send(Framed(kError, ExecStatus(126, options_.spec.argv)));
    channel->Close();
    return;
  }
  std::shared_ptr<Process> process = *std::move(p);
  {
    MutexLock lock(&mu_);
    channel_ = channel;
    process_ = process;
    open_readers_ = process->stderr_fd() >= 0 ? 2 : 1;
  }
  if (!options_.stdin) process->CloseStdin();
  auto self = shared_from_this();
  std::thread([self, fd = process->stdout_fd()] { self->Pump(fd, kStdout); }).detach();
  if (process->stderr_fd() >= 0) {
    std::thread([self, fd = process->stderr_fd()] { self->Pump(fd, kStderr); }).detach();
  }
  if (options_.pod_running) {
    std::thread([self, process] { self->WatchPod(process); }).detach();
  }
  FAIRWAY_LOG(Log(), kInfo, "exec started",
              {{"command", options_.spec.argv[0]}, {"pid", std::to_string(process->pid())}});
}

// Forwards what the process writes on `fd` to `channel` until EOF (a pty reads EIO once the last
// process holding its terminal has exited).
void ExecSession::Pump(int fd, char channel) {
  char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (channel == kStderr && !options_.stderr) continue;
    MutexLock lock(&mu_);
    if (channel_) channel_->Send(Framed(channel, std::string(buf, static_cast<size_t>(n))));
  }
  MutexLock lock(&mu_);
  --open_readers_;
  readers_done_.SignalAll();
}

void ExecSession::WatchPod(const std::shared_ptr<Process>& process) {
  while (!process->exited()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (!options_.pod_running()) {
      FAIRWAY_LOG(Log(), kInfo, "pod stopped, killing exec",
                  {{"pid", std::to_string(process->pid())}});
      process->Signal(SIGKILL);
      return;
    }
  }
}

void ExecSession::OnExit(int code) {
  MutexLock lock(&mu_);
  // Output still buffered in the pipes goes out before the status; a background process that
  // keeps the terminal open does not hold the session up for more than a moment.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (open_readers_ > 0 && std::chrono::steady_clock::now() < deadline) {
    readers_done_.WaitFor(&mu_, std::chrono::milliseconds(100));
  }
  if (!channel_) return;
  channel_->Send(Framed(kError, ExecStatus(code, options_.spec.argv)));
  channel_->Close();
}

void ExecSession::OnMessage(const std::string& message) {
  if (message.empty()) return;
  std::shared_ptr<Process> process;
  {
    MutexLock lock(&mu_);
    process = process_;
  }
  if (!process) return;
  const char channel = message[0];
  if (channel == kStdin && options_.stdin && process->stdin_fd() >= 0) {
    WriteAll(process->stdin_fd(), message.data() + 1, message.size() - 1);
  } else if (channel == kResize) {
    nlohmann::json size = nlohmann::json::parse(message.substr(1), nullptr, false);
    if (size.is_object()) {
      process->Resize(static_cast<uint16_t>(size.value("Height", 0)),
                      static_cast<uint16_t>(size.value("Width", 0)));
    }
  } else if (channel == kClose && message.size() >= 2 && message[1] == kStdin) {
    process->CloseStdin();
  }
}

void ExecSession::OnClosed() {
  std::shared_ptr<Process> process;
  {
    MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    channel_.reset();
    process = process_;
  }
  if (process && !process->exited()) {
    process->Signal(SIGHUP);
    process->Terminate(std::chrono::seconds(2));
  }
}

AttachSession::AttachSession(std::string protocol, std::shared_ptr<PodRuntime> runtime,
                             std::string ns, std::string pod, std::string log_path)
    : protocol_(std::move(protocol)),
      runtime_(std::move(runtime)),
      ns_(std::move(ns)),
      pod_(std::move(pod)),
      log_path_(std::move(log_path)) {}

void AttachSession::OnOpen(std::shared_ptr<MessageChannel> channel) {
  auto self = shared_from_this();
  std::thread([self, channel] {
    uint64_t offset = 0;
    (void)ReadLogTail(self->log_path_, 0, &offset);  // from now on, as attach shows
    for (;;) {
      {
        MutexLock lock(&self->mu_);
        if (self->closed_) return;
      }
      std::optional<PodRuntime::PodView> view = self->runtime_->Find(self->ns_, self->pod_);
      const bool running = view.has_value() && view->running;
      std::string out = ReadLogFrom(self->log_path_, &offset);
      if (!out.empty()) channel->Send(Framed(kStdout, out));
      if (!running) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    channel->Send(Framed(kError, ExecStatus(0, {})));
    channel->Close();
  }).detach();
}

void AttachSession::OnClosed() {
  MutexLock lock(&mu_);
  closed_ = true;
}

}  // namespace fairway::sandbox
