#include "sandbox/process_runner.h"

#include <fcntl.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "common/status_macros.h"

namespace fairway::sandbox {
namespace {

// The executable argv[0] names: itself when it holds a '/', else the first match on `path_list`
// (the pod's PATH, else the sandbox's). Empty when none is found.
std::string ResolveExecutable(const std::string& name, const std::string& path_list) {
  if (name.find('/') != std::string::npos) return name;
  std::stringstream dirs(path_list);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

std::string PathOf(const std::vector<std::string>& env) {
  for (const std::string& e : env) {
    if (e.rfind("PATH=", 0) == 0) return e.substr(5);
  }
  const char* host = std::getenv("PATH");
  return host != nullptr ? host : "/usr/local/bin:/usr/bin:/bin";
}

// Everything the child needs, prepared before fork: after it only async-signal-safe calls run.
struct ChildPlan {
  std::string executable;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::string not_found;  // written to stderr when `executable` is empty or exec fails
};

[[noreturn]] void RunChild(const ChildPlan& plan, const ProcessSpec& spec) {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  // Dispositions the sandbox set to "ignore" would survive exec.
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) signal(sig, SIG_DFL);
  // Pods do not outlive a sandbox that is killed. (The signal follows the forking thread: the
  // kubelet's timer thread and the server's I/O threads live as long as the sandbox.)
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (!spec.hostname.empty() && unshare(CLONE_NEWUTS) == 0) {
    (void)sethostname(spec.hostname.data(), spec.hostname.size());
  }
  if (!spec.work_dir.empty() && chdir(spec.work_dir.c_str()) != 0) _exit(126);
  syscall(SYS_close_range, 3U, ~0U, 0U);  // the sandbox's sockets and files stay with it
  if (!plan.executable.empty()) execve(plan.executable.c_str(), plan.argv.data(), plan.envp.data());
  ssize_t ignored = write(2, plan.not_found.data(), plan.not_found.size());
  (void)ignored;
  _exit(127);
}

// pipe2 with O_CLOEXEC; the child's ends are dup2'ed to 0/1/2 (which clears the flag).
Status MakePipe(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC) != 0) return InternalError(std::string("pipe: ") + strerror(errno));
  return OkStatus();
}

void CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

}  // namespace

int ExitCodeOf(int code, int status) {
  if (code == CLD_EXITED) return status;
  return 128 + status;  // killed or dumped core
}

StatusOr<std::shared_ptr<Process>> Process::Start(const ProcessSpec& spec, ExitCallback on_exit) {
  if (spec.argv.empty()) return InvalidArgumentError("no command to run");
  ChildPlan plan;
  plan.executable = ResolveExecutable(spec.argv[0], PathOf(spec.env));
  plan.not_found = spec.argv[0] + ": command not found\n";
  std::vector<std::string> argv = spec.argv;
  std::vector<std::string> env = spec.env;
  for (std::string& a : argv) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  for (std::string& e : env) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);

  std::shared_ptr<Process> p(new Process());
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  int log_fd = -1;
  pid_t pid = -1;
  if (spec.io == ProcessSpec::Io::kPty) {
    struct winsize ws = {spec.rows, spec.cols, 0, 0};
    int master = -1;
    pid = forkpty(&master, nullptr, nullptr, &ws);
    if (pid == 0) RunChild(plan, spec);
    if (pid > 0) {
      (void)fcntl(master, F_SETFD, FD_CLOEXEC);
      p->stdin_fd_ = p->stdout_fd_ = master;
      p->pty_ = true;
    }
  } else {
    if (spec.io == ProcessSpec::Io::kPipes) {
      FAIRWAY_RETURN_IF_ERROR(MakePipe(in));
      FAIRWAY_RETURN_IF_ERROR(MakePipe(out));
      FAIRWAY_RETURN_IF_ERROR(MakePipe(err));
    } else {
      log_fd = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (log_fd < 0) {
        return InternalError("cannot open " + spec.log_path + ": " + strerror(errno));
      }
    }
    pid = fork();
    if (pid == 0) {
      setsid();
      int null_fd = log_fd >= 0 ? ::open("/dev/null", O_RDONLY) : -1;
      dup2(log_fd >= 0 ? null_fd : in[0], 0);
      dup2(log_fd >= 0 ? log_fd : out[1], 1);
      dup2(log_fd >= 0 ? log_fd : err[1], 2);
      RunChild(plan, spec);
    }
    CloseFd(&log_fd);
    CloseFd(&in[0]);
    CloseFd(&out[1]);
    CloseFd(&err[1]);
    p->stdin_fd_ = in[1];
    p->stdout_fd_ = out[0];
    p->stderr_fd_ = err[0];
  }
  if (pid < 0) return InternalError(std::string("fork: ") + strerror(errno));
  p->pid_ = pid;
  std::thread([p, cb = std::move(on_exit)]() mutable { p->Wait(std::move(cb)); }).detach();
  return p;
}

Process::~Process() {
  if (stdin_fd_ != stdout_fd_) CloseFd(&stdin_fd_);
  CloseFd(&stdout_fd_);
  CloseFd(&stderr_fd_);
}

void Process::Wait(ExitCallback on_exit) {
  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  // WNOWAIT: the pid stays ours (a zombie) until `exited_` is set, so Signal never hits a
  // recycled pid.
  while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  {
    MutexLock lock(&mu_);
    exited_ = true;
    siginfo_t reaped;
    (void)waitid(P_PID, static_cast<id_t>(pid_), &reaped, WEXITED);
  }
  exited_cv_.SignalAll();
  if (on_exit) on_exit(ExitCodeOf(info.si_code, info.si_status));
}

void Process::CloseStdin() {
  MutexLock lock(&mu_);
  if (pty_ || stdin_closed_) return;
  stdin_closed_ = true;
  CloseFd(&stdin_fd_);
}

void Process::Resize(uint16_t rows, uint16_t cols) {
  if (!pty_ || rows == 0 || cols == 0) return;
  struct winsize ws = {rows, cols, 0, 0};
  (void)ioctl(stdout_fd_, TIOCSWINSZ, &ws);
}

void Process::Signal(int sig) {
  MutexLock lock(&mu_);
  if (!exited_) ::kill(-pid_, sig);
}

void Process::Terminate(std::chrono::milliseconds grace) {
  Signal(SIGTERM);
  std::weak_ptr<Process> weak = shared_from_this();
  std::thread([weak, grace] {
    auto self = weak.lock();
    if (self && !self->WaitFor(grace)) self->Signal(SIGKILL);
  }).detach();
}

bool Process::exited() const {
  MutexLock lock(&mu_);
  return exited_;
}

bool Process::WaitFor(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  while (!exited_) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::nanoseconds::zero()) return false;
    exited_cv_.WaitFor(&mu_, left);
  }
  return true;
}

}  // namespace fairway::sandbox
