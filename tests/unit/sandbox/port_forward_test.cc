// kubectl port-forward's protocol end to end below the HTTP layer: a fake channel in place of the
// WebSocket/SPDY connection, a client made of the SPDY framer as spdystream would write it, and
// a real TCP echo server on 127.0.0.1 standing for the pod's port.
#include "sandbox/port_forward.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace fairway::sandbox {
namespace {

using spdy::Frame;
using spdy::FrameType;

// What the server sends, as frames (with the client's side of the header stream).
class FakeChannel : public MessageChannel {
 public:
  void Send(std::string message) override {
    std::lock_guard<std::mutex> lock(mu_);
    reader_.Append(message);
    for (;;) {
      StatusOr<std::optional<Frame>> f = reader_.Next();
      ASSERT_TRUE(f.ok()) << f.status();
      if (!f->has_value()) break;
      frames_.push_back(**f);
    }
    cv_.notify_all();
  }
  void Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  // Waits until `done` holds for the frames so far.
  bool Await(const std::function<bool(const std::vector<Frame>&)>& done) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return done(frames_); });
  }
  std::vector<Frame> frames() {
    std::lock_guard<std::mutex> lock(mu_);
    return frames_;
  }
  bool closed() {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  spdy::FrameReader reader_;
  std::vector<Frame> frames_;
  bool closed_ = false;
};

// The bytes of stream `id` and whether the server finished it.
std::string DataOf(const std::vector<Frame>& frames, uint32_t id, bool* fin) {
  std::string out;
  *fin = false;
  for (const Frame& f : frames) {
    if (f.type != FrameType::kData || f.stream_id != id) continue;
    out += f.payload;
    if (f.flags & spdy::kFlagFin) *fin = true;
  }
  return out;
}

bool Finished(const std::vector<Frame>& frames, uint32_t id) {
  bool fin = false;
  DataOf(frames, id, &fin);
  return fin;
}

class Client {
 public:
  std::string SynStream(uint32_t id, const spdy::HeaderBlock& headers) {
    Frame f;
    f.type = FrameType::kSynStream;
    f.stream_id = id;
    f.payload = *compressor_.Compress(headers);
    return *spdy::SerializeFrame(f);
  }
  static std::string Data(uint32_t id, std::string data, bool fin) {
    Frame f;
    f.stream_id = id;
    f.payload = std::move(data);
    f.flags = fin ? spdy::kFlagFin : 0;
    return *spdy::SerializeFrame(f);
  }

 private:
  spdy::HeaderCompressor compressor_;
};

// Accepts one connection on 127.0.0.1 and echoes it back upper-cased until EOF, then closes.
class EchoServer {
 public:
  EchoServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listen_fd_, 1);
    thread_ = std::thread([this] {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      char buf[256];
      for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;) {
        for (ssize_t i = 0; i < n; ++i) buf[i] = static_cast<char>(std::toupper(buf[i]));
        (void)::write(fd, buf, static_cast<size_t>(n));
      }
      ::close(fd);
    });
  }
  ~EchoServer() {
    thread_.join();
    ::close(listen_fd_);
  }
  uint16_t port() const { return port_; }

 private:
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

spdy::HeaderBlock Headers(const char* type, uint16_t port, const char* request_id) {
  return {{"streamtype", type}, {"port", std::to_string(port)}, {"requestid", request_id}};
}

TEST(PortForwardTest, ForwardsBytesBothWaysAndFinishesBothStreams) {
  EchoServer echo;
  auto channel = std::make_shared<FakeChannel>();
  auto pf = std::make_shared<PortForwardSession>(kPortForwardTunnelProtocol, "p", "u1");
  pf->OnOpen(channel);
  Client client;
  // kubectl's order: error stream, its FIN, data stream, the data, the data's FIN.
  pf->OnMessage(client.SynStream(1, Headers("error", echo.port(), "0")) +
                Client::Data(1, "", true));
  pf->OnMessage(client.SynStream(3, Headers("data", echo.port(), "0")));
  pf->OnMessage(Client::Data(3, "hello ", false));
  pf->OnMessage(Client::Data(3, "pod", true));
  ASSERT_TRUE(channel->Await(
      [](const std::vector<Frame>& fs) { return Finished(fs, 1) && Finished(fs, 3); }));
  std::vector<Frame> frames = channel->frames();
  // Both streams were accepted before any data went out on them.
  ASSERT_GE(frames.size(), 2u);
  EXPECT_EQ(frames[0].type, FrameType::kSynReply);
  EXPECT_EQ(frames[0].stream_id, 1u);
  EXPECT_EQ(frames[1].type, FrameType::kSynReply);
  EXPECT_EQ(frames[1].stream_id, 3u);
  bool fin = false;
  EXPECT_EQ(DataOf(frames, 3, &fin), "HELLO POD");
  EXPECT_EQ(DataOf(frames, 1, &fin), "");  // no error
  pf->OnClosed();
}

TEST(PortForwardTest, RefusedConnectionIsReportedOnTheErrorStream) {
  // A port nobody listens on: bind one, note it, close it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const uint16_t port = ntohs(addr.sin_port);
  ::close(fd);

  auto channel = std::make_shared<FakeChannel>();
  auto pf = std::make_shared<PortForwardSession>("", "web-0", "uid-7");
  pf->OnOpen(channel);
  Client client;
  pf->OnMessage(client.SynStream(1, Headers("error", port, "4")));
  pf->OnMessage(client.SynStream(3, Headers("data", port, "4")));
  ASSERT_TRUE(channel->Await([](const std::vector<Frame>& fs) { return Finished(fs, 1); }));
  bool fin = false;
  EXPECT_EQ(DataOf(channel->frames(), 1, &fin),
            "error forwarding port " + std::to_string(port) +
                " to pod web-0, uid uid-7: dial tcp4 127.0.0.1:" + std::to_string(port) +
                ": connect: connection refused");
  EXPECT_TRUE(Finished(channel->frames(), 3));
  pf->OnClosed();
}

TEST(PortForwardTest, InvalidStreamsAreRefusedAndPingsEchoed) {
  auto channel = std::make_shared<FakeChannel>();
  auto pf = std::make_shared<PortForwardSession>("", "p", "u");
  pf->OnOpen(channel);
  Client client;
  pf->OnMessage(client.SynStream(1, {{"streamtype", "data"}}));                 // no port
  pf->OnMessage(client.SynStream(3, {{"streamtype", "log"}, {"port", "80"}}));  // bad type
  pf->OnMessage(client.SynStream(5, {{"streamtype", "data"}, {"port", "70000"}}));
  Frame ping;
  ping.type = FrameType::kPing;
  ping.value = 1;
  pf->OnMessage(*spdy::SerializeFrame(ping));
  std::vector<Frame> frames = channel->frames();
  ASSERT_EQ(frames.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(frames[i].type, FrameType::kRstStream);
    EXPECT_EQ(frames[i].stream_id, static_cast<uint32_t>(2 * i + 1));
    EXPECT_EQ(frames[i].value, static_cast<uint32_t>(spdy::RstStatus::kRefusedStream));
  }
  EXPECT_EQ(frames[3].type, FrameType::kPing);
  EXPECT_EQ(frames[3].value, 1u);
  EXPECT_FALSE(channel->closed());
}

TEST(PortForwardTest, ProtocolErrorSendsGoAwayAndClosesTheConnection) {
  auto channel = std::make_shared<FakeChannel>();
  auto pf = std::make_shared<PortForwardSession>("", "p", "u");
  pf->OnOpen(channel);
  Client client;
  pf->OnMessage(client.SynStream(2, Headers("data", 80, "0")));  // even: a server's id
  std::vector<Frame> frames = channel->frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].type, FrameType::kGoAway);
  EXPECT_EQ(frames[0].value, static_cast<uint32_t>(spdy::GoAwayStatus::kProtocolError));
  EXPECT_TRUE(channel->closed());
}

TEST(PortForwardTest, DataOnAStreamThatWasNeverOpenedIsReset) {
  auto channel = std::make_shared<FakeChannel>();
  auto pf = std::make_shared<PortForwardSession>("", "p", "u");
  pf->OnOpen(channel);
  pf->OnMessage(Client::Data(9, "x", false));
  std::vector<Frame> frames = channel->frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].type, FrameType::kRstStream);
  EXPECT_EQ(frames[0].value, static_cast<uint32_t>(spdy::RstStatus::kInvalidStream));
}

}  // namespace
}  // namespace fairway::sandbox
