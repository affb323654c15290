// kubectl-fairway: the kubectl plugin (`kubectl fairway squeue|sinfo|sbatch|...`). kubectl finds
// this executable on PATH and passes the arguments after "fairway".
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/clock.h"
#include "test_only_planner.h"

int main(int argc, char** argv) {
  fairway::RealClock clock;
  fairway::cli::CliEnvironment env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.in = &std::cin;
  env.clock = &clock;
  env.test_only = fairway::kubectl_fairway::PlanTestOnly;
  std::vector<std::string> args(argv + 1, argv + argc);
  return fairway::cli::RunKubectlFairway(args, env);
}
