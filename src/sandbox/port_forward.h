// `kubectl port-forward` to a --run-pods pod: the kubelet's portforward.k8s.io protocol over a
// SPDY/3.1 connection (spdy_session.h), which reaches the sandbox either
//
//   - as WebSocket binary messages, subprotocol SPDY/3.1+portforward.k8s.io (kubectl 1.31+,
//     client-go's tunneling dialer; kube-apiserver's stream tunnel unwraps it the same way), or
//   - as the raw connection after `Upgrade: SPDY/3.1` and X-Stream-Protocol-Version:
//     portforward.k8s.io (older kubectl, or KUBECTL_PORT_FORWARD_WEBSOCKETS=false).
//
// For every local connection kubectl opens two streams with the same `requestID` header (and
// `port`): streamType=error, which kubectl half-closes at once and reads to its end, and
// streamType=data, the bytes. When both are there the sandbox connects to 127.0.0.1:port
// (tcp_forward.h); a failure is written on the error stream in the kubelet's words ("error
// forwarding port 8888 to pod NAME, uid UID: dial tcp4 ...") and kubectl prints it. Either way
// both streams are finished (FIN) when the connection ends.
//
// Thread-safety: thread-safe. The transport calls OnMessage in order on one strand; forwards
// send from their own threads.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/mutex.h"
#include "sandbox/http_types.h"
#include "sandbox/spdy_session.h"
#include "sandbox/tcp_forward.h"

namespace fairway::sandbox {

inline constexpr char kPortForwardProtocol[] = "portforward.k8s.io";
inline constexpr char kPortForwardTunnelProtocol[] = "SPDY/3.1+portforward.k8s.io";

// The answer to a pods/portforward request for a running --run-pods pod: the upgrade to a
// PortForwardSession over whichever transport the request asks for, or a 400 naming what the
// sandbox speaks.
HandlerReply PortForwardUpgrade(const HttpRequest& req, const std::string& pod,
                                const std::string& uid);

class PortForwardSession : public UpgradeHandler,
                           public spdy::Session::Delegate,
                           public std::enable_shared_from_this<PortForwardSession> {
 public:
  // `subprotocol`: kPortForwardTunnelProtocol over WebSocket, "" for a raw SPDY upgrade.
  PortForwardSession(std::string subprotocol, std::string pod, std::string uid);

  // UpgradeHandler
  std::string subprotocol() const override { return subprotocol_; }
  void OnOpen(std::shared_ptr<MessageChannel> channel) override;
  void OnMessage(const std::string& message) override;
  void OnClosed() override;

  // spdy::Session::Delegate
  Status CheckStream(const spdy::HeaderBlock& headers) override;
  void OnStreamOpened(uint32_t id, const spdy::HeaderBlock& headers) override;
  void OnStreamData(uint32_t id, std::string data) override;
  void OnStreamFinished(uint32_t id, bool reset) override;

 private:
  // The two streams of one forwarded connection, and the forward once both are open.
  struct Request {
    uint32_t error_stream = 0;
    uint32_t data_stream = 0;
    uint16_t port = 0;
    std::shared_ptr<TcpForward> forward;
  };

  void StartForward(const std::string& request_id, Request* request) FAIRWAY_REQUIRES(mu_);
  void OnForwardDone(const std::string& request_id, const std::string& error);
  std::shared_ptr<TcpForward> ForwardOfStream(uint32_t id);

  const std::string subprotocol_;
  const std::string pod_;
  const std::string uid_;
  Mutex mu_;
  std::shared_ptr<MessageChannel> channel_ FAIRWAY_GUARDED_BY(mu_);
  std::shared_ptr<spdy::Session> session_ FAIRWAY_GUARDED_BY(mu_);
  std::map<std::string, Request> requests_ FAIRWAY_GUARDED_BY(mu_);  // by requestID
  std::map<uint32_t, std::string> request_of_stream_ FAIRWAY_GUARDED_BY(mu_);
  bool closed_ FAIRWAY_GUARDED_BY(mu_) = false;
};

}  // namespace fairway::sandbox
