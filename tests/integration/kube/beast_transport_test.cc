// The HTTP transport against a bare server that sends a response's header and body in separate
// writes, as many servers do (civetweb, Python's http.server, Go's net/http for small bodies).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "kube/http_transport.h"

namespace fairway::kube {
namespace {

// Answers every connection's first request with a Content-Length response, header and body
// written apart, then closes it. Runs on its own thread until destroyed.
class SplitWriteServer {
 public:
  SplitWriteServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~SplitWriteServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  void Serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      std::string request;
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(c, buf, sizeof(buf));
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n";
      ::send(c, head.data(), head.size(), MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      ::send(c, "ok\n", 3, MSG_NOSIGNAL);
      ::close(c);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Regression: with Boost 1.74, a body limit of boost::none failed such responses with "body limit
// exceeded" (boostorg/beast#2070).
TEST(BeastTransportTest, ReadsContentLengthBodiesSentAfterTheHeader) {
  SplitWriteServer server;
  TransportOptions to;
  to.server = "http://127.0.0.1:" + std::to_string(server.port());
  auto transport = NewHttpTransport(to);
  ASSERT_TRUE(transport.ok()) << transport.status();
  for (int i = 0; i < 20; ++i) {
    HttpRequest req;
    req.target = "/healthz";
    StatusOr<HttpResponse> r = (*transport)->Do(req);
    ASSERT_TRUE(r.ok()) << "request " << i << ": " << r.status();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "ok\n");
  }
}

}  // namespace
}  // namespace fairway::kube
