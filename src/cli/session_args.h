// The command line of an interactive session (salloc, srun, jupyter, code): kubectl's connection
// flags, the session's own (--idle-grace, --pty), sbatch options for the Job, and the command.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace fairway::cli {

inline constexpr int64_t kDefaultIdleGraceS = 300;

struct SessionArgs {
  std::vector<std::string> kubectl_flags;  // forwarded to the kubectl the plugin runs
  std::string kubeconfig, context, ns, request_timeout;
  std::vector<std::string> sbatch;  // sbatch options
  int64_t idle_grace_s = kDefaultIdleGraceS;
  bool pty = false;
  bool help = false;
  std::vector<std::string> command;
};

// "--name=value" or "--name value" at argv[*i]; advances *i past a separate value.
std::optional<std::string> FlagValue(const std::vector<std::string>& argv, size_t* i,
                                     const std::string& name);

// `srun`: --pty is accepted and a command is required; salloc's session is a terminal.
StatusOr<SessionArgs> ParseSessionArgs(const std::vector<std::string>& argv, bool srun);

}  // namespace fairway::cli
