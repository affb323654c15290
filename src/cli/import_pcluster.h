// kubectl fairway import-pcluster FILE: prints the Fairway objects for an AWS ParallelCluster 3
// configuration (pcluster_import.h) as YAML for `kubectl apply -f -`. It reads nothing from the
// cluster. What could not be mapped is listed at the top of the YAML as comments and counted on
// stderr; the exit code is non-zero only when nothing can be imported (unreadable file, not
// YAML, not a Slurm cluster, a malformed queue).
//
// Thread-safety: as RunKubectlFairway.
#pragma once

#include <string>
#include <vector>

#include "cli/commands.h"

namespace fairway::cli {

// `args` excludes "import-pcluster". Returns the exit code.
int RunImportPcluster(const std::vector<std::string>& args, const CliEnvironment& env);

std::string ImportPclusterUsage();

}  // namespace fairway::cli
