// The two shell scripts of an interactive session (kubectl fairway salloc/srun).
//
// Why the session pod's own command keeps the allocation, rather than the plugin marking the Job
// done: the Job then ends the way every Job ends (its pods exit, the operator records the state,
// exit code and end time and frees the GPUs), with no new operator path and nothing a client can
// claim about a job it did not run. The plugin only has to end its shell.
//
//   keeper   the pods' command. Waits until the session wrapper leaves an exit code in the
//            session directory, then exits with it (COMPLETED for 0, else FAILED). While no
//            session process is alive (none connected yet, or the client went away without its
//            shell ending) it counts idle seconds and ends the allocation after the grace period,
//            so a forgotten session does not hold GPUs. The grace is the client's --idle-grace
//            or the operator's FAIRWAY_IDLE_GRACE (settings interactive.idleGrace), whichever
//            is smaller. SIGTERM (scancel, time limit) ends it.
//   wrapper  what `kubectl exec` runs: records its pid (alive = a session is connected), runs the
//            command (an interactive bash, else sh, when none is given), and hands its exit code
//            to the keeper.
//
// The session directory is /tmp/fairway-session-$SLURM_JOB_NAME-$SLURM_JOB_ID: per job (job names
// of sessions carry a random suffix), and shared by the pods of a job that run on one host (the
// sandbox's --run-pods).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace fairway::cli {

// The keeper script (a ConfigMap's text; "#!/bin/sh" first) with `idle_grace_s` seconds of grace.
std::string SessionKeeperScript(int64_t idle_grace_s);

// The wrapper, for `kubectl exec POD -- sh -c WRAPPER fairway-session [COMMAND ARGS...]`.
std::string SessionWrapperScript();

}  // namespace fairway::cli
