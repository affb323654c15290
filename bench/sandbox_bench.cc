// Sandbox API server throughput over real HTTP on 127.0.0.1: creates per second on one
// keep-alive connection, and watch events per second delivered to one watcher (plus the
// in-process create rate for comparison). Run:
//   build/bench/sandbox_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "common/clock.h"
#include "sandbox/sandbox.h"

namespace fairway::sandbox {
namespace {

// Minimal blocking HTTP/1.1 client: Content-Length replies, or a chunked stream of lines.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) fd_ = -1;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  void Send(const std::string& method, const std::string& target, const std::string& body) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n";
    if (!body.empty()) {
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    size_t off = 0;
    while (off < req.size()) {
      ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  // Returns the status code of one Content-Length response (-1 on error).
  int ReadResponse() {
    size_t header_end;
    while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return -1;
    }
    int status = std::atoi(buf_.substr(9, 3).c_str());
    size_t len = 0;
    size_t cl = buf_.find("Content-Length: ");
    if (cl == std::string::npos) cl = buf_.find("content-length: ");
    if (cl != std::string::npos && cl < header_end) len = std::stoul(buf_.substr(cl + 16));
    while (buf_.size() < header_end + 4 + len) {
      if (!Fill()) return -1;
    }
    buf_.erase(0, header_end + 4 + len);
    return status;
  }

  // Counts newline-terminated events until `want` have arrived (chunk framing ignored: chunk
  // size lines carry no '\n'-terminated JSON, so count lines that start with '{').
  bool CountEvents(int64_t want) {
    int64_t seen = 0;
    size_t pos = 0;
    while (seen < want) {
      size_t nl = buf_.find('\n', pos);
      if (nl == std::string::npos) {
        buf_.erase(0, pos);
        pos = 0;
        if (!Fill()) return false;
        continue;
      }
      size_t start = pos;
      while (start < nl && (buf_[start] == '\r')) ++start;
      if (start < nl && buf_[start] == '{') ++seen;
      pos = nl + 1;
    }
    buf_.erase(0, pos);
    return true;
  }

 private:
  bool Fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buf_;
};

std::unique_ptr<Sandbox> StartSandbox(Clock* clock) {
  SandboxOptions o;
  o.api.history_limit = 1000;
  auto sb = Sandbox::Start(o, clock);
  if (!sb.ok()) return nullptr;
  return std::move(sb).value();
}

std::string ConfigMap(int64_t i) {
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-)" + std::to_string(i) +
         R"(","labels":{"app":"bench"}},"data":{"key":"value"}})";
}

void BM_HttpCreate(benchmark::State& state) {
  RealClock clock;
  auto sb = StartSandbox(&clock);
  RawClient c(sb->port());
  int64_t i = 0;
  for (auto _ : state) {
    c.Send("POST", "/api/v1/namespaces/default/configmaps", ConfigMap(i++));
    if (c.ReadResponse() != 201) state.SkipWithError("create failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HttpCreate)->UseRealTime();

void BM_HttpGet(benchmark::State& state) {
  RealClock clock;
  auto sb = StartSandbox(&clock);
  RawClient c(sb->port());
  c.Send("POST", "/api/v1/namespaces/default/configmaps", ConfigMap(0));
  c.ReadResponse();
  for (auto _ : state) {
    c.Send("GET", "/api/v1/namespaces/default/configmaps/cm-0", "");
    if (c.ReadResponse() != 200) state.SkipWithError("get failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HttpGet)->UseRealTime();

// Events/s: objects are created in-process in batches while one HTTP watcher receives them.
void BM_HttpWatchEvents(benchmark::State& state) {
  RealClock clock;
  auto sb = StartSandbox(&clock);
  RawClient w(sb->port());
  w.Send("GET", "/api/v1/namespaces/default/configmaps?watch=1", "");
  const int64_t batch = state.range(0);
  int64_t i = 0;
  for (auto _ : state) {
    for (int64_t k = 0; k < batch; ++k) {
      auto r = sb->api().Call("POST", "/api/v1/namespaces/default/configmaps", nlohmann::json::parse(ConfigMap(i++)));
      if (!r.ok()) state.SkipWithError("create failed");
    }
    if (!w.CountEvents(batch)) state.SkipWithError("watch ended");
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_HttpWatchEvents)->Arg(1000)->UseRealTime();

void BM_InProcessCreate(benchmark::State& state) {
  FakeClock clock;
  ApiServer api(&clock);
  int64_t i = 0;
  for (auto _ : state) {
    auto r = api.Call("POST", "/api/v1/namespaces/default/configmaps", nlohmann::json::parse(ConfigMap(i++)));
    if (!r.ok()) state.SkipWithError("create failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InProcessCreate);

}  // namespace
}  // namespace fairway::sandbox

BENCHMARK_MAIN();
