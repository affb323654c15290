// kubectl-fairway: Slurm's user commands over the Fairway CRDs (DESIGN.md "Names").
//
//   kubectl fairway squeue|sinfo|sbatch|scancel|hold|release|requeue|requeuehold|sprio|sshare|sacct
//   kubectl fairway salloc|srun (interactive sessions, interactive.h)
//   kubectl fairway import-pcluster FILE (import_pcluster.h; reads no cluster)
//   kubectl fairway jupyter|code (a notebook or code-server session, notebook.h)
//   kubectl fairway version
//   kubectl fairway COMMAND --help | kubectl fairway help [COMMAND]
//
// kubectl-style flags on every command: --kubeconfig, --context, -n/--namespace,
// --all-namespaces (Job commands), -o json|yaml (listing commands; any other -o value is a Slurm
// format string). KUBECONFIG is honoured (kube::ResolveRestConfig). Where Slurm and kubectl
// disagree on a short flag, Slurm wins for -A (account) everywhere and for -n inside sbatch
// (--ntasks; the namespace is then --namespace), kubectl for -n elsewhere; use --name for
// Slurm's job-name filter.
//
// Thread-safety: RunKubectlFairway may run concurrently with distinct environments.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "core/types.h"
#include "kube/api_client.h"

namespace fairway::cli {

// What sbatch --test-only prints: Slurm's "Job N to start at T using C processors on nodes X in
// partition P".
struct TestOnlyAnswer {
  uint64_t job_id = 0;
  core::Timestamp start{};
  std::string nodes;  // compressed host list; "" when the plan names none yet
  std::string partition;
  int64_t cpus = 0;
};

// Plans `job` (the Job sbatch would create, spec.user set to the caller) without submitting it.
using TestOnlyPlanner = std::function<StatusOr<TestOnlyAnswer>(
    kube::ApiClient& client, const nlohmann::json& job, core::Timestamp now)>;

struct CliEnvironment {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  std::istream* in = nullptr;  // sbatch reads a script from here when no file is given
  Clock* clock = nullptr;      // REQUIRED
  // How long sbatch waits for the operator to assign a jobID.
  Duration sbatch_wait = std::chrono::seconds(5);
  // sbatch --test-only. tools/kubectl-fairway sets the operator's own planner
  // (controllers/test_only.h), which this module may not depend on; unset, --test-only fails.
  TestOnlyPlanner test_only;
};

// Runs one command; `args` excludes the program name. Returns the process exit code.
int RunKubectlFairway(const std::vector<std::string>& args, const CliEnvironment& env);

// The overview: every command with what it does.
std::string Usage();

}  // namespace fairway::cli
