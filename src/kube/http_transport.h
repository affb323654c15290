// HTTP transport interface of the kube layer (STYLE.md §5: all I/O behind interfaces).
//
// An HttpTransport sends one request to the API server and returns the status line, headers and
// body; or, for watches, streams a 2xx body line by line. HTTP error codes are *responses*, not
// errors: only transport failures (connect refused, reset, TLS failure, timeout) come back as a
// non-OK Status (kUnavailable; kCancelled when the CancelToken fired). Mapping HTTP codes to
// Status codes is ApiClient's job.
//
// The production implementation is Boost.Beast over OpenSSL (NewHttpTransport, in
// beast_transport.cc, which says why it replaced cpprestsdk's client); its headers stay in that
// file so no other translation unit pays for them.
//
// Thread-safety: implementations are thread-safe; Do() and Stream() may be called concurrently.
// CancelToken is thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace fairway::kube {

struct HttpRequest {
  std::string method = "GET";
  // Path plus query, e.g. "/api/v1/namespaces/ml/pods?limit=500". Already escaped.
  std::string target;
  // Extra headers (Authorization, Content-Type, Accept, User-Agent are set by the caller).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Per-request timeout. For Stream() this is an idle timeout (no bytes for this long): set it
  // above the watch's timeoutSeconds.
  Duration timeout = std::chrono::seconds(30);
};

struct HttpResponse {
  int status = 0;
  // Header names lower-cased.
  std::map<std::string, std::string> headers;
  // Whole body for Do(); for Stream() only filled when the status is not 2xx.
  std::string body;

  // Header value or "" when absent. `name` must be lower-case.
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Cooperative cancellation of an in-flight request or stream, from any thread.
class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // Fires once: runs the registered callbacks (outside the lock). Idempotent.
  void Cancel();
  bool cancelled() const;
  // Registers `fn` to run on Cancel(); runs it at once if already cancelled. Returns an id for
  // Unregister().
  int OnCancel(std::function<void()> fn);
  void Unregister(int id);

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;                          // GUARDED_BY(mu_)
  int next_id_ = 0;                                 // GUARDED_BY(mu_)
  std::map<int, std::function<void()>> callbacks_;  // GUARDED_BY(mu_)
};

// Called once per complete line of a streamed body (without the trailing '\n'; empty lines are
// skipped). Return false to stop reading (the connection is then closed).
using LineHandler = std::function<bool(std::string_view line)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends `request` and reads the whole response.
  // Errors: kUnavailable (connect/TLS/reset/timeout), kCancelled (token fired).
  virtual StatusOr<HttpResponse> Do(const HttpRequest& request, CancelToken* cancel = nullptr) = 0;

  // Sends `request`; for a 2xx reply calls `on_line` for every line of the body as it arrives and
  // returns once the body ends cleanly (OK with status/headers, empty body), `on_line` returned
  // false (OK), the idle timeout hit or the connection broke (kUnavailable), or `cancel` fired
  // (kCancelled). A non-2xx reply is returned whole, like Do().
  virtual StatusOr<HttpResponse> Stream(const HttpRequest& request, const LineHandler& on_line,
                                        CancelToken* cancel = nullptr) = 0;
};

// TLS and endpoint settings of a transport. PEM strings, not paths (kube_config resolves files).
struct TransportOptions {
  // "https://host:port" or "http://host:port" (no trailing path).
  std::string server;
  std::string ca_pem;  // empty: system roots
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // SNI / verification name override; empty: host of `server`
  std::string client_cert_pem;  // with client_key_pem: mutual TLS
  std::string client_key_pem;
};

// The Beast/OpenSSL transport: pooled keep-alive connections. Fails with kInvalidArgument on a
// bad URL or unusable PEM.
StatusOr<std::unique_ptr<HttpTransport>> NewHttpTransport(const TransportOptions& options);

}  // namespace fairway::kube
