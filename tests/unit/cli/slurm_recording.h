// Reads what real Slurm printed, as recorded by tools/slurm-lab/scenarios/h_cli_outputs.sh in
// tests/testdata/slurm/*.txt: each command on a line "$ COMMAND", then its output.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace fairway::cli::testing {

// The output recorded after the line "$ COMMAND" of FILE (up to the next "$ " or "# " line;
// the "(exit N)" line and blank lines at the end excluded); fails the test when the command is
// not recorded.
inline std::string RecordedOutput(const std::string& file, const std::string& command) {
  std::ifstream in(std::string(FAIRWAY_TESTDATA_DIR) + "/slurm/" + file);
  std::string line, out;
  bool inside = false;
  while (std::getline(in, line)) {
    if (inside && (line.rfind("$ ", 0) == 0 || line.rfind("# ", 0) == 0)) break;
    if (inside && line.rfind("(exit ", 0) != 0) out += line + "\n";
    if (!inside && line == "$ " + command) inside = true;
  }
  EXPECT_TRUE(inside) << "not recorded in " << file << ": " << command;
  while (out.size() >= 2 && out.compare(out.size() - 2, 2, "\n\n") == 0) out.pop_back();
  return out;
}

}  // namespace fairway::cli::testing
