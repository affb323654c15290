// HTTP/1.1 (plain or TLS) front end of the sandbox API server, on Boost.Beast/Asio. Beast stays
// inside http_server.cc (pimpl) so other translation units compile fast.
//
// Each connection is a keep-alive session on its own strand. Ordinary requests are answered from
// ApiServer::Handle; watch replies switch the connection to a chunked stream that is flushed per
// event batch, ends cleanly (terminating chunk) on timeoutSeconds or when the stream ends, and is
// torn down as soon as the client closes its side (a pending read notices EOF). Fault-injected
// latency delays requests on a timer without blocking I/O threads.
//
// Thread-safety: Start/Stop from one thread; the server runs on its own I/O threads.
// REQUIRES: the ApiServer outlives the HttpServer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "sandbox/api_server.h"

namespace fairway::sandbox {

class HttpServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    uint16_t port = 0;  // 0: pick a free port
    bool tls = false;
    std::string cert_pem;  // serving certificate chain (TLS only)
    std::string key_pem;   // its private key (TLS only)
    int threads = 2;
    size_t body_limit = 16 * 1024 * 1024;
  };

  static StatusOr<std::unique_ptr<HttpServer>> Start(ApiServer* api, Options options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Closes the listener and every connection; idempotent.
  void Stop();
  uint16_t port() const;
  // "http://127.0.0.1:PORT" or "https://...".
  std::string url() const;

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fairway::sandbox
