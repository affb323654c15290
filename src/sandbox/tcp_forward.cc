#include "sandbox/tcp_forward.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

namespace fairway::sandbox {
namespace {

// How long the client may still send after the target closed (containerd waits as long).
constexpr std::chrono::seconds kHalfCloseGrace{1};

// Connects to 127.0.0.1:port; the fd, or -1 with Go's wording of the failure in *error (what
// kubectl users know from a real cluster).
int Dial(uint16_t port, std::string* error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    std::string why = errno == ECONNREFUSED ? "connection refused" : std::strerror(errno);
    *error = "dial tcp4 127.0.0.1:" + std::to_string(port) + ": connect: " + why;
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

TcpForward::TcpForward(uint16_t port, Callbacks callbacks)
    : port_(port), callbacks_(std::move(callbacks)) {}

std::shared_ptr<TcpForward> TcpForward::Start(uint16_t port, Callbacks callbacks) {
  std::shared_ptr<TcpForward> forward(new TcpForward(port, std::move(callbacks)));
  std::thread([forward] { forward->Run(); }).detach();
  return forward;
}

void TcpForward::Write(std::string data) {
  MutexLock lock(&mu_);
  if (write_closed_ || aborted_) return;
  queue_.push_back(std::move(data));
  changed_.SignalAll();
}

void TcpForward::CloseWrite() {
  MutexLock lock(&mu_);
  write_closed_ = true;
  changed_.SignalAll();
}

void TcpForward::Abort() {
  MutexLock lock(&mu_);
  aborted_ = true;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);  // wakes the reader and a blocked writer
  changed_.SignalAll();
}

void TcpForward::Run() {
  std::string error;
  int fd = Dial(port_, &error);
  if (fd < 0) return callbacks_.on_done(error);
  {
    MutexLock lock(&mu_);
    fd_ = fd;
    if (aborted_) ::shutdown(fd, SHUT_RDWR);
  }
  writer_ = std::thread([self = shared_from_this(), fd] { self->WriteLoop(fd); });
  ReadLoop(fd);
  Teardown(fd);
  callbacks_.on_done("");
}

void TcpForward::ReadLoop(int fd) {
  char buf[32 * 1024];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    callbacks_.on_data(std::string(buf, static_cast<size_t>(n)));
  }
}

void TcpForward::WriteLoop(int fd) {
  for (;;) {
    std::string next;
    {
      MutexLock lock(&mu_);
      while (queue_.empty() && !write_closed_ && !aborted_) changed_.Wait(&mu_);
      if (aborted_) break;
      if (queue_.empty()) {  // write_closed_: the target sees EOF
        ::shutdown(fd, SHUT_WR);
        break;
      }
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    if (!SendAll(fd, next)) break;
  }
  MutexLock lock(&mu_);
  writer_done_ = true;
  changed_.SignalAll();
}

// The target is done sending: the client gets kHalfCloseGrace to finish, then the socket goes.
void TcpForward::Teardown(int fd) {
  {
    MutexLock lock(&mu_);
    auto deadline = std::chrono::steady_clock::now() + kHalfCloseGrace;
    while (!writer_done_ && std::chrono::steady_clock::now() < deadline) {
      changed_.WaitFor(&mu_, deadline - std::chrono::steady_clock::now());
    }
    aborted_ = true;
    ::shutdown(fd, SHUT_RDWR);
    changed_.SignalAll();
  }
  writer_.join();
  MutexLock lock(&mu_);
  ::close(fd);
  fd_ = -1;
}

}  // namespace fairway::sandbox
