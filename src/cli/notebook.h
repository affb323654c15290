// `kubectl fairway jupyter|code [kubectl flags] [sbatch options] [notebook options]`: a notebook
// or code-server through the queue, in one command.
//
//   1. Submits an interactive session like salloc (session_launch.h: QoS "interactive" when it
//      exists, one hour unless -t, Ctrl-C while pending cancels) and waits for its first pod.
//   2. Starts the server in the pod through the session wrapper (`kubectl exec POD -- sh -c
//      WRAPPER ... sh -c SERVER`), its output on the plugin's stderr; the server's image,
//      command and port are notebook_config.h's (--image, --command, --port).
//   3. Runs `kubectl port-forward POD LOCAL:PORT` (LOCAL: --local-port, else a free port) and,
//      once an HTTP request through it is answered, prints the URL with the token on stdout.
//      A port-forward that ends (kubectl ends it when a forwarded connection fails, e.g. a
//      probe sent before the server listened) is started again while the server runs.
//   4. When the server ends or Ctrl-C is pressed, stops the port-forward and cancels the job if
//      it still runs, so its GPUs are free when the command returns.
//
// Thread-safety: one session per process.
#pragma once

#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/notebook_config.h"

namespace fairway::cli {

// Returns the process exit code. `help` is printed for -h/--help.
int RunNotebook(NotebookKind kind, const std::vector<std::string>& args, const CliEnvironment& env,
                const std::string& help);

// The command-specific part of `jupyter --help` / `code --help`.
std::string NotebookUsage(NotebookKind kind);

}  // namespace fairway::cli
