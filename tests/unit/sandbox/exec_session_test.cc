// ExecSession speaks the v4/v5 channel protocol over a MessageChannel: real processes, a fake
// channel in place of the WebSocket.
#include "sandbox/exec_session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>

namespace fairway::sandbox {
namespace {

class FakeChannel : public MessageChannel {
 public:
  void Send(std::string message) override {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.push_back(std::move(message));
  }
  void Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  bool AwaitClose() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return closed_; });
  }
  // Every message's payload on `channel`, concatenated.
  std::string On(char channel) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const std::string& m : messages_) {
      if (!m.empty() && m[0] == channel) out += m.substr(1);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> messages_;
  bool closed_ = false;
};

std::shared_ptr<ExecSession> Session(std::vector<std::string> argv, bool tty,
                                     std::function<bool()> pod_running = nullptr) {
  ExecSession::Options o;
  o.protocol = kChannelV5;
  o.spec.argv = std::move(argv);
  o.spec.env = {"PATH=/usr/bin:/bin"};
  o.spec.io = tty ? ProcessSpec::Io::kPty : ProcessSpec::Io::kPipes;
  o.stdin = true;
  o.stderr = !tty;
  o.pod_running = std::move(pod_running);
  return std::make_shared<ExecSession>(std::move(o));
}

TEST(ExecSessionTest, StdinStdoutStderrAndTheExitCodeAsAStatus) {
  auto channel = std::make_shared<FakeChannel>();
  auto session = Session({"sh", "-c", "read x; echo got $x; echo oops >&2; exit 5"}, false);
  session->OnOpen(channel);
  session->OnMessage(std::string("\0hello\n", 7));
  session->OnMessage(std::string("\xff\0", 2));  // v5: stdin closed
  ASSERT_TRUE(channel->AwaitClose());
  EXPECT_EQ(channel->On(1), "got hello\n");
  EXPECT_EQ(channel->On(2), "oops\n");
  nlohmann::json status = nlohmann::json::parse(channel->On(3));
  EXPECT_EQ(status["status"], "Failure");
  EXPECT_EQ(status["reason"], "NonZeroExitCode");
  EXPECT_EQ(status["details"]["causes"][0]["reason"], "ExitCode");
  EXPECT_EQ(status["details"]["causes"][0]["message"], "5");
  session->OnClosed();
}

TEST(ExecSessionTest, TtyRunsOnAPseudoTerminalThatTakesResizes) {
  auto channel = std::make_shared<FakeChannel>();
  auto session = Session({"sh", "-c", "sleep 0.3; test -t 0 && stty size"}, true);
  session->OnOpen(channel);
  session->OnMessage("\x04{\"Width\":100,\"Height\":30}");
  ASSERT_TRUE(channel->AwaitClose());
  EXPECT_EQ(channel->On(1), "30 100\r\n");
  EXPECT_EQ(nlohmann::json::parse(channel->On(3))["status"], "Success");
  session->OnClosed();
}

// A container's exec'd processes die with it: the command is killed once its pod stops.
TEST(ExecSessionTest, CommandIsKilledWhenItsPodStops) {
  auto channel = std::make_shared<FakeChannel>();
  auto running = std::make_shared<std::atomic<bool>>(true);
  auto session = Session({"sleep", "30"}, false, [running] { return running->load(); });
  session->OnOpen(channel);
  const auto start = std::chrono::steady_clock::now();
  running->store(false);
  ASSERT_TRUE(channel->AwaitClose());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  nlohmann::json status = nlohmann::json::parse(channel->On(3));
  EXPECT_EQ(status["status"], "Failure");
  EXPECT_EQ(status["details"]["causes"][0]["message"], "137");  // 128 + SIGKILL
  session->OnClosed();
}

}  // namespace
}  // namespace fairway::sandbox
