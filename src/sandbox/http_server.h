// HTTP/1.1 (plain or TLS) front end of the sandbox API server, on Boost.Beast/Asio. Beast stays
// inside http_server.cc (pimpl) so other translation units compile fast.
//
// Each connection is a keep-alive session on its own strand. Requests are answered by the handler
// (ApiServer::Handle, or any function for test servers) on a separate pool of handler threads,
// because a handler may block (admission webhook calls) and the I/O threads must keep pumping
// other connections and watch streams. Watch replies switch the connection to a chunked stream that
// is flushed per event batch, ends cleanly (terminating chunk) on timeoutSeconds or when the stream
// ends, and is torn down as soon as the client closes its side (a pending read notices EOF).
// Fault-injected latency delays requests on a timer without blocking I/O threads.
//
// Requests that cannot be served are answered before the connection closes, as kube-apiserver
// (Go's net/http) answers them: a body over the limit gets 413 with a Status object, a header over
// the limit 431, a malformed request 400 (plain text); what the client still sends is then read
// and dropped for a moment so that it gets to read the answer. A client that stalls (no next
// request, a header or body that stops arriving, a reply it does not read) is disconnected after
// the matching timeout.
//
// TLS client certificates: with a client CA the server asks for (but does not require) a client
// certificate; one that chains to the CA fills HttpRequest::peer_certificate (CN, O entries), one
// that does not fails the handshake (Go's VerifyClientCertIfGiven). A repeated request header
// reaches the handler once, its values joined with ", " (RFC 9110); response headers may repeat.
//
// Thread-safety: Start/Stop from one thread; the server runs on its own I/O threads.
// REQUIRES: the ApiServer (or what the handler uses) outlives the HttpServer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
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
    // TLS only: PEM CA certificates client certificates must chain to; empty: none are asked for.
    std::string client_ca_pem;
    int threads = 2;          // I/O threads
    int handler_threads = 8;  // threads running the handler (it may block)
    // Request limits, kube-apiserver's (its MaxRequestBodyBytes and the settings of its
    // http.Server). A larger body gets 413 RequestEntityTooLarge (a Status), a larger header
    // 431; a connection that stays silent past a timeout is closed.
    size_t body_limit = 3 * 1024 * 1024;
    size_t header_limit = 1024 * 1024;
    std::chrono::seconds idle_timeout{90};    // a kept-alive connection awaiting its next request
    std::chrono::seconds header_timeout{32};  // the rest of a request header, once begun
    std::chrono::seconds body_timeout{60};    // a request body; also writing a reply
  };
  using Handler = std::function<HandlerReply(const HttpRequest&)>;

  // Serves `api` (with its fault-injected latency).
  static StatusOr<std::unique_ptr<HttpServer>> Start(ApiServer* api, Options options);
  // Serves any handler (thread-safe; it may return watch streams too).
  static StatusOr<std::unique_ptr<HttpServer>> Start(Handler handler, Options options);
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
