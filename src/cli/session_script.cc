#include "cli/session_script.h"

namespace fairway::cli {
namespace {

constexpr char kSessionDir[] = "/tmp/fairway-session-$SLURM_JOB_NAME-$SLURM_JOB_ID";

}  // namespace

std::string SessionKeeperScript(int64_t idle_grace_s) {
  return std::string("#!/bin/sh\n") +
         "# kubectl-fairway interactive session: holds the allocation while a client session runs\n"
         "d=" +
         kSessionDir + "\n" + "grace=" + std::to_string(idle_grace_s) + "\n" +
         "# the operator's idle grace (settings interactive.idleGrace) is the limit: the client's\n"
         "# value may only shorten it\n"
         "case \"$FAIRWAY_IDLE_GRACE\" in\n"
         "  ''|*[!0-9]*) ;;\n"
         "  *) [ \"$FAIRWAY_IDLE_GRACE\" -lt \"$grace\" ] && grace=$FAIRWAY_IDLE_GRACE ;;\n"
         "esac\n"
         "idle=0\n"
         "mkdir -p \"$d\"\n"
         "trap 'exit 143' TERM\n"
         "while [ ! -s \"$d/exit-code\" ]; do\n"
         "  if [ -s \"$d/pid\" ] && kill -0 \"$(cat \"$d/pid\")\" 2>/dev/null; then\n"
         "    idle=0\n"
         "  else\n"
         "    idle=$((idle + 1))\n"
         "  fi\n"
         "  if [ \"$idle\" -gt \"$grace\" ]; then\n"
         "    echo \"fairway: no session for ${grace}s, ending the allocation\" >&2\n"
         "    exit 0\n"
         "  fi\n"
         "  sleep 1\n"
         "done\n"
         "exit \"$(cat \"$d/exit-code\")\"\n";
}

std::string SessionWrapperScript() {
  return std::string("d=") + kSessionDir +
         "\n"
         "mkdir -p \"$d\"\n"
         "echo $$ > \"$d/pid\"\n"
         "if [ $# -eq 0 ]; then\n"
         "  if command -v bash >/dev/null 2>&1; then set -- bash -i; else set -- sh -i; fi\n"
         "fi\n"
         "\"$@\"\n"
         "rc=$?\n"
         "echo \"$rc\" > \"$d/exit-code\"\n"
         "exit \"$rc\"\n";
}

}  // namespace fairway::cli
