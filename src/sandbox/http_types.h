// Transport-neutral HTTP request/response types of the sandbox API server, and the WatchStream
// interface a transport pumps for long-lived watch responses. Keeps Beast out of every header
// except http_server.cc.
//
// Thread-safety: HttpRequest/HttpResponse are values. WatchStream implementations are
// thread-safe: the wake-up callback may fire on any thread while the transport polls.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fairway::sandbox {

// Who made a request, as the API server authenticated it (kube-apiserver's user.Info). This is
// the only identity admission and authorization trust; request headers and bodies are claims.
struct UserInfo {
  std::string username;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;
};

// A verified TLS client certificate: CN is the user name, O entries are groups.
struct PeerCertificate {
  std::string common_name;
  std::vector<std::string> organizations;
};

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path plus query, as sent
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  // Set by the transport when the client presented a certificate that chains to the client CA;
  // never from a header.
  std::optional<PeerCertificate> peer_certificate;
  // Set by ApiServer::Handle after authentication (and impersonation); absent before.
  std::optional<UserInfo> user;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A watch response body: newline-terminated JSON events produced over time.
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // Registers the callback run (from any thread) when Poll may have new data or the stream ended.
  virtual void SetWakeup(std::function<void()> wakeup) = 0;
  // Appends every event line available now to *out. Returns false once the stream is over (the
  // lines appended by that call are still to be sent).
  virtual bool Poll(std::string* out) = 0;
  // Stops the stream (client went away, server shutting down). Idempotent.
  virtual void Close() = 0;
  // ?timeoutSeconds; zero means none.
  virtual std::chrono::seconds timeout() const = 0;
};

// The transport side of an upgraded connection (exec, attach, port-forward): messages/bytes.
class MessageChannel {
 public:
  virtual ~MessageChannel() = default;
  // Queues one binary message. Thread-safe; a no-op once the connection is gone.
  virtual void Send(std::string message) = 0;
  // Closes the connection normally after the queued messages. Thread-safe, idempotent.
  virtual void Close() = 0;
};

// The server side of a request that upgrades to a WebSocket (http_server's websocket_session.h
// does the handshake with subprotocol()).
class UpgradeHandler {
 public:
  virtual ~UpgradeHandler() = default;
  virtual std::string subprotocol() const = 0;
  // The handshake is done; `channel` stays valid until OnClosed.
  virtual void OnOpen(std::shared_ptr<MessageChannel> channel) = 0;
  // A message from the client, in order, on the connection's strand (do not block long).
  virtual void OnMessage(const std::string& message) = 0;
  // The connection is gone (either side closed it, or it failed). Called once.
  virtual void OnClosed() = 0;
};

struct HandlerReply {
  HandlerReply() = default;
  // Not explicit: handlers answer `return {response, watch};`.
  HandlerReply(HttpResponse r, std::shared_ptr<WatchStream> w)
      : response(std::move(r)), watch(std::move(w)) {}

  HttpResponse response;               // for watches: status and headers only
  std::shared_ptr<WatchStream> watch;  // non-null: stream this after the headers
  // Non-null: a WebSocket handshake, or (response.status 101) that response and the raw stream.
  std::shared_ptr<UpgradeHandler> upgrade;
};

}  // namespace fairway::sandbox
