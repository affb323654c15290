// A tiny blocking HTTP/1.1 client for the sandbox integration tests (plain or TLS, Boost.Beast),
// with a line-oriented reader for chunked watch streams. Test-only; not thread-safe except where
// noted.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace fairway::sandbox::testing {

struct HttpReply {
  int status = 0;                              // 0: transport failure
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class HttpClient {
 public:
  // TLS when `ca_pem` is set; the server certificate must chain to it and name `tls_name`.
  HttpClient(std::string host, uint16_t port, std::string ca_pem = {},
             std::string tls_name = "localhost");
  ~HttpClient();

  // The bearer token sent with every request ("test-token" by default; empty: none).
  void set_token(std::string token) { token_ = std::move(token); }
  // Extra headers for every request (a repeated name is sent as repeated headers).
  void add_header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
  }
  // A TLS client certificate for the next connections.
  void set_client_certificate(std::string cert_pem, std::string key_pem);

  // One request on a kept-alive connection (reconnects when needed).
  HttpReply Request(const std::string& method, const std::string& target,
                    const std::string& body = {},
                    const std::string& content_type = "application/json",
                    const std::string& accept = "application/json");
  HttpReply Get(const std::string& target) { return Request("GET", target); }
  HttpReply Post(const std::string& target, const nlohmann::json& body) {
    return Request("POST", target, body.dump());
  }

  // A watch on its own connection; a reader thread queues event lines.
  class Watch {
   public:
    ~Watch();
    int status() const { return status_; }
    // Next event line, or nullopt after `timeout` or once the stream has ended and drained.
    std::optional<nlohmann::json> Next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // True once the server ended the stream (terminating chunk or close).
    bool WaitEnded(std::chrono::milliseconds timeout);
    // Closes the client side (the server should notice).
    void Close();

   private:
    friend class HttpClient;
    struct Conn;
    std::unique_ptr<Conn> conn_;
    int status_ = 0;
    std::thread reader_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> lines_;
    bool ended_ = false;
  };
  std::unique_ptr<Watch> OpenWatch(const std::string& target,
                                   const std::string& accept = "application/json");

 private:
  struct Conn;
  std::unique_ptr<Conn> Connect();
  std::string host_;
  uint16_t port_;
  std::string ca_pem_;
  std::string tls_name_;
  std::string token_ = "test-token";
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string client_cert_pem_;
  std::string client_key_pem_;
  std::unique_ptr<Conn> conn_;
};

// A plain TCP connection that sends bytes exactly as given (malformed requests, requests that
// stall halfway) and reads the server's answer until the server closes the connection.
class RawConnection {
 public:
  RawConnection(const std::string& host, uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // False when the server no longer takes bytes.
  bool Send(const std::string& bytes);
  // All the server sent until it closed the connection (possibly nothing), or nullopt if it is
  // still open after `timeout`.
  std::optional<std::string> ReadUntilClosed(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

}  // namespace fairway::sandbox::testing
