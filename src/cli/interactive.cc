#include "cli/interactive.h"

#include "cli/kubectl_process.h"
#include "cli/session_args.h"
#include "cli/session_launch.h"
#include "cli/session_script.h"

namespace fairway::cli {

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
         "--idle-grace seconds (default 300), or the cluster's idle grace if that is shorter.\n"
         "The streaming is done by the real kubectl\n"
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
  StatusOr<std::unique_ptr<kube::ApiClient>> client = ConnectSession(*args, env, &ns);
  if (!client.ok()) return fail(client.status().ToString());
  StatusOr<Submitted> job = SubmitSession(**client, *args, ns, /*image=*/"", env);
  if (!job.ok()) return fail("Job submit/allocate failed: " + job.status().message());

  StatusOr<Started> started = WaitForStart(**client, *job, prog, !srun, env);
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
