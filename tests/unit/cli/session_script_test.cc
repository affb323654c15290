// The interactive session's keeper and wrapper scripts, run with the host's sh.
#include "cli/session_script.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace fairway::cli {
namespace {

class SessionScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    job_name_ = "session-script-test-" + std::to_string(::getpid());
    dir_ = std::filesystem::temp_directory_path() / job_name_;
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "wrapper") << SessionWrapperScript();
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    std::filesystem::remove_all("/tmp/fairway-session-" + job_name_ + "-7");
  }

  // Runs `script` with sh in the job's environment; its stdout and stderr.
  std::string Shell(const std::string& script) {
    std::ofstream(dir_ / "run") << "export SLURM_JOB_NAME=" << job_name_ << " SLURM_JOB_ID=7\n"
                                << script;
    std::string cmd = "sh " + (dir_ / "run").string() + " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
    std::string out;
    std::array<char, 256> buf;
    while (p && fgets(buf.data(), buf.size(), p.get()) != nullptr) out += buf.data();
    return out;
  }

  std::string job_name_;
  std::filesystem::path dir_;
};

TEST_F(SessionScriptTest, KeeperEndsWithTheSessionsExitCode) {
  std::ofstream(dir_ / "keeper") << SessionKeeperScript(30);
  std::string out = Shell("sh " + (dir_ / "keeper").string() + " & k=$!\n" + "sh " +
                          (dir_ / "wrapper").string() + " sh -c 'echo in session; exit 7'\n" +
                          "echo wrapper=$?\n" + "wait $k; echo keeper=$?\n");
  EXPECT_EQ(out, "in session\nwrapper=7\nkeeper=7\n");
}

TEST_F(SessionScriptTest, KeeperEndsTheAllocationAfterTheIdleGrace) {
  std::ofstream(dir_ / "keeper") << SessionKeeperScript(1);
  std::string out = Shell("sh " + (dir_ / "keeper").string() + "; echo keeper=$?\n");
  EXPECT_EQ(out, "fairway: no session for 1s, ending the allocation\nkeeper=0\n");
}

// The operator's grace is the limit: a client asking for 600 s still ends after the operator's 1 s,
// while a client asking for less than the operator allows gets its own.
TEST_F(SessionScriptTest, OperatorGraceCapsTheClientsGrace) {
  std::ofstream(dir_ / "keeper") << SessionKeeperScript(600);
  std::string out = Shell("FAIRWAY_IDLE_GRACE=1 timeout 20 sh " + (dir_ / "keeper").string() +
                          "; echo keeper=$?\n");
  EXPECT_EQ(out, "fairway: no session for 1s, ending the allocation\nkeeper=0\n");

  std::ofstream(dir_ / "keeper2") << SessionKeeperScript(1);
  out = Shell("FAIRWAY_IDLE_GRACE=600 timeout 20 sh " + (dir_ / "keeper2").string() +
              "; echo keeper=$?\n");
  EXPECT_EQ(out, "fairway: no session for 1s, ending the allocation\nkeeper=0\n");
}

}  // namespace
}  // namespace fairway::cli
