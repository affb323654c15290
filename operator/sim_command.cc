#include <cstdio>

#include "operator/commands.h"

namespace fairway::cli {

int RunSimCommand(const std::vector<std::string>& args) {
  std::fprintf(stderr, "fairway sim: the simulator is being built\n");
  return 1;
}

}  // namespace fairway::cli
