// The queue part of an interactive session, shared by salloc, srun, jupyter and code: submit
// the session's Job (spec.interactive, the keeper of session_script.h as its pods' command),
// wait for its first pod to run while printing Slurm's lines, and see it end.
//
// Sessions run under QoS "interactive" when the cluster has one and no -q was given, and with a
// one-hour time limit unless -t says otherwise. While the job pends the wait prints
// `PROG: Pending job allocation N`, `PROG: job N queued and waiting for resources` and, when they
// change, the reason, queue position in the partition and expected start. Ctrl-C (or SIGTERM)
// while pending cancels the job (`PROG: Job allocation N has been revoked.`).
//
// Thread-safety: one session per process (SIGINT handling is process-wide).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/session_args.h"
#include "common/status.h"
#include "kube/api_client.h"

namespace fairway::cli {

inline constexpr char kInteractiveQos[] = "interactive";

struct Submitted {
  std::string ns;
  std::string name;
};

struct Started {
  int64_t job_id = 0;
  std::string pod;  // the first pod (node index 0), running
};

// A client for the session's cluster; *ns is the session's namespace.
StatusOr<std::unique_ptr<kube::ApiClient>> ConnectSession(const SessionArgs& args,
                                                          const CliEnvironment& env,
                                                          std::string* ns);

// Submits the session's Job. `image` replaces the sbatch --image when not empty.
StatusOr<Submitted> SubmitSession(kube::ApiClient& client, const SessionArgs& args,
                                  const std::string& ns, const std::string& image,
                                  const CliEnvironment& env);

// Waits for the session's first pod to run, printing Slurm's lines as `prog` (the Pending line
// only when `salloc_lines`). Ctrl-C or SIGTERM cancels the job: kCancelled.
StatusOr<Started> WaitForStart(kube::ApiClient& client, const Submitted& job,
                               const std::string& prog, bool salloc_lines,
                               const CliEnvironment& env);

// Cancels the job as scancel does (the operator records it CANCELLED) unless it already ended;
// `by` names who.
void CancelSession(kube::ApiClient& client, const Submitted& job, const std::string& by);

// Waits (a few seconds at most) for the job to leave RUNNING after its session ended, so its
// GPUs are free when the command returns.
void AwaitEnd(kube::ApiClient& client, const Submitted& job);

}  // namespace fairway::cli
