// Subcommands of the fairway executable. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace fairway::cli {

int RunSimCommand(const std::vector<std::string>& args);
int RunSandboxCommand(const std::vector<std::string>& args);
int RunOperatorCommand(const std::vector<std::string>& args);
int RunDemoCommand(const std::vector<std::string>& args);

}  // namespace fairway::cli
