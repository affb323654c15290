#include "cli/interactive.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>

#include "cli/sbatch_script.h"
#include "cli/session_script.h"
#include "common/status_macros.h"
#include "kube/api_client.h"
#include "kube/kube_config.h"

namespace fairway::cli {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultIdleGraceS = 300;
constexpr char kDefaultTimeLimit[] = "1:00:00";
constexpr char kInteractiveQos[] = "interactive";
constexpr auto kPollInterval = std::chrono::milliseconds(300);

std::atomic<bool> g_interrupted{false};
void OnInterrupt(int) { g_interrupted = true; }

struct SessionArgs {
  std::vector<std::string> kubectl_flags;  // forwarded to kubectl exec
  std::string kubeconfig, context, ns, request_timeout;
  std::vector<std::string> sbatch;  // sbatch options
  int64_t idle_grace_s = kDefaultIdleGraceS;
  bool pty = false;
  bool help = false;
  std::vector<std::string> command;
};

// "--name=value" or "--name value" at argv[*i]; advances *i past a separate value.
std::optional<std::string> FlagValue(const std::vector<std::string>& argv, size_t* i,
                                     const std::string& name) {
  const std::string& a = argv[*i];
  if (a.rfind(name + "=", 0) == 0) return a.substr(name.size() + 1);
  if (a == name && *i + 1 < argv.size()) return argv[++*i];
  return std::nullopt;
}

StatusOr<SessionArgs> ParseSessionArgs(const std::vector<std::string>& argv, bool srun) {
  SessionArgs out;
  out.pty = !srun;  // salloc's session is a terminal
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") {
      out.command.assign(argv.begin() + static_cast<long>(i) + 1, argv.end());
      break;
    }
    if (a.empty() || a[0] != '-') {  // the command starts; the rest are its arguments
      out.command.assign(argv.begin() + static_cast<long>(i), argv.end());
      break;
    }
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    if (srun && a == "--pty") {
      out.pty = true;
      continue;
    }
    bool kube = false;
    for (auto [flag, field] :
         {std::pair{"--kubeconfig", &out.kubeconfig}, std::pair{"--context", &out.context},
          std::pair{"--namespace", &out.ns},
          std::pair{"--request-timeout", &out.request_timeout}}) {
      if (std::optional<std::string> v = FlagValue(argv, &i, flag)) {
        *field = *v;
        // A request timeout would cut the session's stream: it bounds this client's calls only.
        if (field != &out.request_timeout) {
          out.kubectl_flags.push_back(std::string(flag) + "=" + *v);
        }
        kube = true;
      }
    }
    if (kube) continue;
    if (std::optional<std::string> v = FlagValue(argv, &i, "--idle-grace")) {
      char* end = nullptr;
      long long s = std::strtoll(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0' || s < 1 || s > 7 * 86400) {
        return InvalidArgumentError("--idle-grace wants seconds in [1, 604800], got \"" + *v +
                                    "\"");
      }
      out.idle_grace_s = s;
      continue;
    }
    out.sbatch.push_back(a);
    if (SbatchOptionTakesValue(a) && i + 1 < argv.size()) out.sbatch.push_back(argv[++i]);
  }
  if (srun && out.command.empty() && !out.help) {
    return InvalidArgumentError("no command given (srun --pty bash for a shell)");
  }
  return out;
}

std::string RandomSuffix() {
  static const char kChars[] = "bcdfghjklmnpqrstvwxz2456789";
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 5; ++i) s += kChars[rd() % (sizeof(kChars) - 1)];
  return s;
}

// The Job of a session: the sbatch manifest with the keeper as the command and no script volume.
StatusOr<json> SessionManifest(const SbatchOptions& opts, const std::string& name,
                               const std::string& ns, int64_t idle_grace_s) {
  JobManifestInput in;
  in.name = name;
  in.namespace_name = ns;
  in.config_map = name;
  FAIRWAY_ASSIGN_OR_RETURN(json job, BuildJobManifest(opts, in));
  json& pod = job["spec"]["template"]["spec"];
  pod.erase("volumes");
  json& c = pod["containers"][0];
  c.erase("volumeMounts");
  c["name"] = "session";
  c["command"] = json::array({"/bin/sh", "-c", SessionKeeperScript(idle_grace_s)});
  job["spec"]["interactive"] = true;
  return job;
}

struct Submitted {
  std::string ns;
  std::string name;
};

StatusOr<Submitted> Submit(kube::ApiClient& client, const SessionArgs& args, const std::string& ns,
                           const CliEnvironment& env) {
  SbatchOptions opts;
  FAIRWAY_RETURN_IF_ERROR(ApplySbatchArgs(args.sbatch, "", /*allow_positional=*/false, &opts));
  for (const std::string& n : opts.notes) *env.err << n << "\n";
  if (opts.time_limit.empty()) opts.time_limit = kDefaultTimeLimit;
  if (opts.qos.empty() && client.Get(kube::ResourceRef::FairwayQoses(), "", kInteractiveQos).ok()) {
    opts.qos = kInteractiveQos;
  }
  core::Timestamp now = std::chrono::time_point_cast<core::Seconds>(env.clock->Now());
  FAIRWAY_RETURN_IF_ERROR(ValidateSbatchOptions(opts, now));
  const bool named = !opts.job_name.empty();
  for (int attempt = 0;; ++attempt) {
    std::string name = named ? opts.job_name : "interactive-" + RandomSuffix();
    FAIRWAY_ASSIGN_OR_RETURN(json job, SessionManifest(opts, name, ns, args.idle_grace_s));
    StatusOr<json> created = client.Create(kube::ResourceRef::FairwayJobs(), ns, job);
    if (created.ok()) return Submitted{ns, name};
    if (created.status().code() != StatusCode::kAlreadyExists || named || attempt >= 4) {
      return created.status();
    }
  }
}

// Queue position of a pending job among the pending jobs of its partition (priority, then
// jobID), as "position P of N"; empty when the queue cannot be listed.
std::string QueuePosition(kube::ApiClient& client, const json& job) {
  StatusOr<kube::ObjectList> all = client.List(kube::ResourceRef::FairwayJobs(), "");
  if (!all.ok()) return "";
  const json& st = job["status"];
  const std::string partition = st.value("partition", job["spec"].value("partition", ""));
  std::vector<std::pair<int64_t, int64_t>> queue;  // (-priority, jobID)
  for (const json& j : all->items) {
    const json s = j.value("status", json::object());
    if (s.value("state", "") != "PENDING" ||
        s.value("partition", j["spec"].value("partition", "")) != partition) {
      continue;
    }
    queue.emplace_back(-s.value("priority", int64_t{0}), s.value("jobID", int64_t{0}));
  }
  std::sort(queue.begin(), queue.end());
  std::pair<int64_t, int64_t> me{-st.value("priority", int64_t{0}), st.value("jobID", int64_t{0})};
  auto it = std::find(queue.begin(), queue.end(), me);
  if (it == queue.end()) return "";
  return "position " + std::to_string(it - queue.begin() + 1) + " of " +
         std::to_string(queue.size());
}

// The first pod of a running job (node index 0), when it runs.
std::optional<std::string> RunningFirstPod(kube::ApiClient& client, const Submitted& job) {
  kube::ListOptions o;
  o.label_selector = "fairway.dev/job=" + job.name + ",fairway.dev/node-index=0";
  StatusOr<kube::ObjectList> pods = client.List(kube::ResourceRef::Pods(), job.ns, o);
  if (!pods.ok()) return std::nullopt;
  for (const json& p : pods->items) {
    if (p.value("status", json::object()).value("phase", "") == "Running" &&
        !p["metadata"].contains("deletionTimestamp")) {
      return p["metadata"].value("name", "");
    }
  }
  return std::nullopt;
}

bool Terminal(const std::string& state) {
  return !state.empty() && state != "PENDING" && state != "RUNNING" && state != "SUSPENDED";
}

// Prints a pending job's reason, queue position and expected start when they change. The
// position needs a cluster-wide list, so it is refreshed at most every few seconds.
class PendingReporter {
 public:
  PendingReporter(std::string prog, const CliEnvironment& env)
      : prog_(std::move(prog)), env_(env) {}

  void Report(kube::ApiClient& client, int64_t job_id, const json& job) {
    const json st = job.value("status", json::object());
    auto now = std::chrono::steady_clock::now();
    if (now >= next_position_) {
      position_ = QueuePosition(client, job);
      next_position_ = now + std::chrono::seconds(5);
    }
    std::string detail = "Reason: " + st.value("reason", "None");
    if (!position_.empty()) detail += ", " + position_;
    if (std::string at = st.value("expectedStartTime", ""); !at.empty()) {
      detail += ", expected start " + at;
    }
    if (detail != last_) *env_.err << prog_ << ": job " << job_id << " " << detail << std::endl;
    last_ = detail;
  }

 private:
  const std::string prog_;
  const CliEnvironment& env_;
  std::string position_;
  std::chrono::steady_clock::time_point next_position_{};
  std::string last_;
};

struct Started {
  int64_t job_id = 0;
  std::string pod;
};

// Waits for the session's first pod to run, printing Slurm's lines as `prog`. Ctrl-C cancels the
// job: kCancelled.
StatusOr<Started> WaitForStart(kube::ApiClient& client, const Submitted& job,
                               const std::string& prog, bool salloc, const CliEnvironment& env) {
  Started started;
  PendingReporter pending(prog, env);
  bool queued_said = false;
  for (;; std::this_thread::sleep_for(kPollInterval)) {
    if (g_interrupted) {
      // scancel's way: the operator records the job CANCELLED (sacct shows it).
      (void)client.Patch(kube::ResourceRef::FairwayJobs(), job.ns, job.name,
                         kube::PatchType::kMerge,
                         {{"metadata", {{"annotations", {{"fairway.dev/cancel", "salloc"}}}}}});
      *env.err << prog << ": Job allocation "
               << (started.job_id ? std::to_string(started.job_id) : job.name)
               << " has been revoked." << std::endl;
      return Status(StatusCode::kCancelled, "cancelled while pending");
    }
    StatusOr<json> got = client.Get(kube::ResourceRef::FairwayJobs(), job.ns, job.name);
    if (!got.ok()) return got.status();
    const json st = got->value("status", json::object());
    const std::string state = st.value("state", "");
    if (started.job_id == 0 && st.value("jobID", int64_t{0}) != 0) {
      started.job_id = st.value("jobID", int64_t{0});
      if (salloc) *env.err << prog << ": Pending job allocation " << started.job_id << std::endl;
    }
    if (Terminal(state)) {
      return FailedPreconditionError("job " + std::to_string(started.job_id) + " ended (" + state +
                                     ") before the session started: " + st.value("reason", ""));
    }
    if (state == "RUNNING") {
      if (std::optional<std::string> pod = RunningFirstPod(client, job)) {
        started.pod = *pod;
        if (queued_said) {
          *env.err << prog << ": job " << started.job_id << " has been allocated resources"
                   << std::endl;
        }
        return started;
      }
      continue;
    }
    if (state != "PENDING" || started.job_id == 0) continue;
    if (!queued_said) {
      *env.err << prog << ": job " << started.job_id << " queued and waiting for resources"
               << std::endl;
      queued_said = true;
    }
    pending.Report(client, started.job_id, *got);
  }
}

// Runs the real kubectl with `args`; its exit code (the remote command's for exec).
int RunKubectl(const std::vector<std::string>& args) {
  const char* kubectl = std::getenv("FAIRWAY_KUBECTL");
  std::vector<std::string> argv = {kubectl != nullptr && *kubectl ? kubectl : "kubectl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c_argv;
  for (std::string& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  // kubectl handles Ctrl-C itself (a raw terminal forwards it to the remote shell).
  struct sigaction ignore = {}, old_int = {}, old_quit = {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGQUIT, &ignore, &old_quit);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    execvp(c_argv[0], c_argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", c_argv[0], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGQUIT, &old_quit, nullptr);
  if (pid < 0) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Waits (a few seconds at most) for the job to leave RUNNING after its session ended, so its
// GPUs are free when the command returns.
void AwaitEnd(kube::ApiClient& client, const Submitted& job) {
  for (int i = 0; i < 50; ++i) {
    StatusOr<json> got = client.Get(kube::ResourceRef::FairwayJobs(), job.ns, job.name);
    if (!got.ok() || Terminal(got->value("status", json::object()).value("state", ""))) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

StatusOr<std::unique_ptr<kube::ApiClient>> Connect(const SessionArgs& args,
                                                   const CliEnvironment& env, std::string* ns) {
  FAIRWAY_ASSIGN_OR_RETURN(kube::RestConfig config,
                           kube::ResolveRestConfig(args.kubeconfig, env.clock, args.context));
  config.qps = 0;  // an interactive command: no client-side throttling
  if (int t = std::atoi(args.request_timeout.c_str()); t > 0)
    config.timeout = std::chrono::seconds(t);
  *ns = args.ns.empty() ? config.namespace_name : args.ns;
  FAIRWAY_ASSIGN_OR_RETURN(auto client, kube::RestApiClient::Create(config, env.clock, {}));
  return std::unique_ptr<kube::ApiClient>(std::move(client));
}

}  // namespace

std::string InteractiveUsage(bool srun) {
  std::string prog = srun ? "srun" : "salloc";
  return "Usage: kubectl fairway " + prog +
         " [kubectl flags] [sbatch options] [--idle-grace=SECONDS]" +
         (srun ? " [--pty] COMMAND [ARGS...]\n" : " [[--] COMMAND [ARGS...]]\n") +
         "\n"
         "Submits an interactive Job (spec.interactive) that waits in the queue like any job\n"
         "(QoS \"interactive\" when it exists, time limit 1:00:00 unless -t), then " +
         (srun ? "runs COMMAND in its first pod,\nstreaming its output (a TTY with --pty), and "
                 "exits with its exit code.\n"
               : "opens a shell in its\nfirst pod (or runs COMMAND) with a TTY.\n") +
         "When the command ends the job completes with its exit code and its GPUs are freed.\n"
         "Ctrl-C while pending cancels the job. A session whose client went away ends after\n"
         "--idle-grace seconds (default 300). The streaming is done by the real kubectl\n"
         "($FAIRWAY_KUBECTL, else kubectl on PATH); pods must really run (a cluster, or\n"
         "`fairway sandbox --run-pods`).\n"
         "\n"
         "sbatch options: see `kubectl fairway sbatch --help` (-p, -A, -q, -t, -N, -G, --gres, "
         "-J, ...).\n";
}

int RunInteractive(bool srun, const std::vector<std::string>& argv, const CliEnvironment& env,
                   const std::string& help) {
  const std::string prog = srun ? "srun" : "salloc";
  auto fail = [&](const std::string& msg) {
    *env.err << prog << ": error: " << msg << std::endl;
    return 1;
  };
  StatusOr<SessionArgs> args = ParseSessionArgs(argv, srun);
  if (!args.ok()) return fail(args.status().message());
  if (args->help) {
    *env.out << help;
    return 0;
  }
  std::string ns;
  StatusOr<std::unique_ptr<kube::ApiClient>> client = Connect(*args, env, &ns);
  if (!client.ok()) return fail(client.status().ToString());
  StatusOr<Submitted> job = Submit(**client, *args, ns, env);
  if (!job.ok()) return fail("Job submit/allocate failed: " + job.status().message());

  g_interrupted = false;
  struct sigaction on_int = {}, old_int = {};
  on_int.sa_handler = OnInterrupt;
  sigaction(SIGINT, &on_int, &old_int);
  StatusOr<Started> started = WaitForStart(**client, *job, prog, !srun, env);
  sigaction(SIGINT, &old_int, nullptr);
  if (!started.ok()) {
    if (started.status().code() == StatusCode::kCancelled) return 1;
    return fail(started.status().message());
  }
  if (!srun) *env.err << prog << ": Granted job allocation " << started->job_id << std::endl;

  std::vector<std::string> kargs = args->kubectl_flags;
  kargs.insert(kargs.end(), {"--namespace=" + job->ns, "exec"});
  if (args->pty) kargs.insert(kargs.end(), {"-i", "-t"});
  kargs.insert(kargs.end(), {started->pod, "-c", "session", "--", "/bin/sh", "-c",
                             SessionWrapperScript(), "fairway-session"});
  kargs.insert(kargs.end(), args->command.begin(), args->command.end());
  int rc = RunKubectl(kargs);
  if (!srun) {
    *env.err << prog << ": Relinquishing job allocation " << started->job_id << std::endl;
  }
  AwaitEnd(**client, *job);
  return rc;
}

}  // namespace fairway::cli
