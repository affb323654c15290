#include "cli/kubectl_process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace fairway::cli {
namespace {

std::atomic<bool> g_interrupted{false};
void OnInterrupt(int) { g_interrupted = true; }

}  // namespace

StatusOr<pid_t> SpawnKubectl(const std::vector<std::string>& args, ChildOutput out) {
  const char* kubectl = std::getenv("FAIRWAY_KUBECTL");
  std::vector<std::string> argv = {kubectl != nullptr && *kubectl ? kubectl : "kubectl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (std::string& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return UnavailableError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    if (out == ChildOutput::kStderr) dup2(STDERR_FILENO, STDOUT_FILENO);
    if (out == ChildOutput::kDevNull) {
      int null_fd = open("/dev/null", O_WRONLY);
      if (null_fd >= 0) dup2(null_fd, STDOUT_FILENO);
    }
    execvp(c_argv[0], c_argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", c_argv[0], std::strerror(errno));
    _exit(127);
  }
  return pid;
}

int WaitChild(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<int> PollChild(pid_t pid) {
  int status = 0;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == 0 || (r < 0 && errno == EINTR)) return std::nullopt;
  if (r < 0) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void StopChild(pid_t pid) {
  kill(pid, SIGTERM);
  for (int i = 0; i < 20; ++i) {
    if (PollChild(pid).has_value()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid, SIGKILL);
  (void)WaitChild(pid);
}

InterruptFlag::InterruptFlag() {
  g_interrupted = false;
  struct sigaction on = {};
  on.sa_handler = OnInterrupt;
  sigaction(SIGINT, &on, &old_int_);
  sigaction(SIGTERM, &on, &old_term_);
}

InterruptFlag::~InterruptFlag() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

bool InterruptFlag::raised() const { return g_interrupted; }

IgnoreInterrupts::IgnoreInterrupts() {
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &old_int_);
  sigaction(SIGQUIT, &ignore, &old_quit_);
}

IgnoreInterrupts::~IgnoreInterrupts() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGQUIT, &old_quit_, nullptr);
}

int RunKubectl(const std::vector<std::string>& args) {
  IgnoreInterrupts ignore;
  StatusOr<pid_t> pid = SpawnKubectl(args, ChildOutput::kInherit);
  return pid.ok() ? WaitChild(*pid) : 127;
}

}  // namespace fairway::cli
