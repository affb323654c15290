// The fairway executable: subcommand dispatch. Only this directory sees every module.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "operator/commands.h"

namespace {

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "usage: fairway <command> [flags]\n\n"
               "commands:\n"
               "  operator  run the controllers and scheduler against a Kubernetes API server\n"
               "  demo      sandbox + operator + a sample workload, with a squeue-like view\n"
               "  sandbox   run a local Kubernetes-compatible API server with simulated GPU nodes\n"
               "  sim       replay a workload trace through the scheduling core\n"
               "  version   print the version\n"
               "\nRun 'fairway <command> --help' for the flags of a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return 2;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "version" || command == "--version") {
    std::printf("fairway %s\n", FAIRWAY_VERSION);
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    PrintUsage(stdout);
    return 0;
  }
  if (command == "sim") return fairway::cli::RunSimCommand(args);
  if (command == "sandbox") return fairway::cli::RunSandboxCommand(args);
  if (command == "operator") return fairway::cli::RunOperatorCommand(args);
  if (command == "demo") return fairway::cli::RunDemoCommand(args);
  std::fprintf(stderr, "fairway: unknown command \"%s\"\n\n", command.c_str());
  PrintUsage(stderr);
  return 2;
}
