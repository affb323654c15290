// Interactive sessions through the queue: `kubectl fairway salloc` and `kubectl fairway srun`.
//
//   salloc [kubectl flags] [sbatch options] [--idle-grace=S] [[--] COMMAND [ARGS...]]
//   srun   [kubectl flags] [sbatch options] [--idle-grace=S] [--pty] COMMAND [ARGS...]
//
// Both submit a Job with spec.interactive=true whose pods run the session keeper
// (session_script.h), under QoS "interactive" when the cluster has one and no -q was given, and
// with a one-hour time limit unless -t says otherwise. While the job pends they print Slurm's lines
// (`salloc: Pending job allocation N`, `salloc: job N queued and waiting for resources`) and, when
// they change, the reason, queue position in the partition and expected start. Ctrl-C while
// pending cancels the job (`salloc: Job allocation N has been revoked.`). Once the first pod runs
// (`salloc: Granted job allocation N`), the real kubectl ($FAIRWAY_KUBECTL, else `kubectl` on PATH)
// does the streaming: `kubectl exec [-i -t] POD -- sh -c WRAPPER COMMAND...`. salloc opens a shell
// (or runs COMMAND) with a TTY; srun runs COMMAND with its output streamed and no TTY unless --pty.
// The exit code is the command's; the job then ends with it and its GPUs are freed.
//
// Thread-safety: one session per process (SIGINT handling is process-wide).
#pragma once

#include <string>
#include <vector>

#include "cli/commands.h"

namespace fairway::cli {

// `srun`: false for salloc. `help` is printed for -h/--help. Returns the process exit code.
int RunInteractive(bool srun, const std::vector<std::string>& args, const CliEnvironment& env,
                   const std::string& help);

// The command-specific part of salloc's or srun's --help.
std::string InteractiveUsage(bool srun);

}  // namespace fairway::cli
