// The HTTPS server of the admission webhook (Boost.Beast over OpenSSL): serves the
// AdmissionHandler's routes (POST) and /healthz (GET), as the API server calls them
// (kubernetes-api.md §8: HTTPS only, TLS 1.2 or later, answer well within timeoutSeconds).
//
//   - TLS 1.2+ only; keep-alive connections; the query string (the API server appends
//     "?timeout=10s") is ignored for routing
//   - request bodies over Options::body_limit get 413 (the connection is then drained briefly
//     and closed so the client reads the answer); headers over 16 KiB get 431
//   - timeouts: TLS handshake, waiting for / reading a request header, reading a body, writing
//   - at most Options::max_connections open connections; more are closed on accept
//   - the serving certificate can be replaced while running (SetCertificate, e.g. after
//     cert-manager rotated the mounted files); connections made afterwards use the new one
//
// Thread-safety: thread-safe. Requests are handled on `threads` I/O threads, so the handler runs
// concurrently with itself (AdmissionHandler is thread-safe). Stop() joins them; the destructor
// calls it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "webhook/admission_handler.h"

namespace fairway::webhook {

class WebhookServer {
 public:
  struct Options {
    std::string address = "0.0.0.0";
    uint16_t port = 9443;  // --webhook-port; 0 picks a free port (see port())
    std::string cert_pem;  // serving certificate (and intermediates), PEM
    std::string key_pem;
    int threads = 2;
    size_t max_connections = 256;
    size_t body_limit = 3 * 1024 * 1024;  // an AdmissionReview of a large Job fits easily
    std::chrono::seconds handshake_timeout{10};
    std::chrono::seconds idle_timeout{90};  // waiting for the next request header (keep-alive)
    std::chrono::seconds read_timeout{30};  // a request body; also a response write
  };

  // Listens, then serves on background threads. REQUIRES: `handler` outlives the server.
  // Errors: kInvalidArgument for unusable PEM, kUnavailable when the address cannot be bound.
  [[nodiscard]] static StatusOr<std::unique_ptr<WebhookServer>> Start(Options options,
                                                                      AdmissionHandler* handler);
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // The bound port (the chosen one when Options::port was 0).
  uint16_t port() const;

  // Serves new connections with this certificate. kInvalidArgument (and no change) when the PEM
  // is unusable or the key does not match.
  [[nodiscard]] Status SetCertificate(const std::string& cert_pem, const std::string& key_pem);

  // Stops accepting, closes connections and joins the I/O threads. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit WebhookServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fairway::webhook
