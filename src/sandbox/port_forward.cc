#include "sandbox/port_forward.h"

#include <utility>
#include <vector>

#include "common/log.h"
#include "sandbox/api_server.h"
#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

const Logger& Log() {
  static const Logger logger("sandbox.portforward");
  return logger;
}

// Header names as client-go sets them (v1.PortHeader, v1.StreamType, ...), lower-case on the
// SPDY wire.
constexpr char kPortHeader[] = "port";
constexpr char kStreamTypeHeader[] = "streamtype";
constexpr char kRequestIdHeader[] = "requestid";
constexpr char kStreamTypeError[] = "error";
constexpr char kStreamTypeData[] = "data";

// The port of a valid `port` header (1-65535), else 0.
uint16_t ParsePort(const std::string& text) {
  if (text.empty() || text.size() > 5) return 0;
  uint32_t port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  return port <= 65535 ? static_cast<uint16_t>(port) : 0;
}

}  // namespace

HandlerReply PortForwardUpgrade(const HttpRequest& req, const std::string& pod,
                                const std::string& uid) {
  const std::string upgrade = internal::ToLower(req.Header("upgrade"));
  HandlerReply reply;
  if (upgrade.find("websocket") != std::string::npos) {
    if (req.Header("sec-websocket-protocol").find(kPortForwardTunnelProtocol) ==
        std::string::npos) {
      return {ErrorResponse(BadRequest(
                  "unsupported WebSocket subprotocol(s) \"" + req.Header("sec-websocket-protocol") +
                  "\" for port-forward; the sandbox speaks " + kPortForwardTunnelProtocol)),
              nullptr};
    }
    reply.upgrade = std::make_shared<PortForwardSession>(kPortForwardTunnelProtocol, pod, uid);
    return reply;
  }
  if (upgrade.find("spdy/3.1") == std::string::npos) {
    return {ErrorResponse(BadRequest(std::string("Upgrade request required: port-forward is served "
                                                 "over WebSocket (") +
                                     kPortForwardTunnelProtocol + ") or SPDY/3.1")),
            nullptr};
  }
  // httpstream.Handshake: the client must offer the protocol, and the reply names it.
  if (req.Header("x-stream-protocol-version").find(kPortForwardProtocol) == std::string::npos) {
    return {ErrorResponse(BadRequest(std::string("unable to upgrade: X-Stream-Protocol-Version ") +
                                     kPortForwardProtocol + " is required")),
            nullptr};
  }
  reply.response.status = 101;
  reply.response.headers = {{"Connection", "Upgrade"},
                            {"Upgrade", "SPDY/3.1"},
                            {"X-Stream-Protocol-Version", kPortForwardProtocol}};
  reply.upgrade = std::make_shared<PortForwardSession>("", pod, uid);
  return reply;
}

PortForwardSession::PortForwardSession(std::string subprotocol, std::string pod, std::string uid)
    : subprotocol_(std::move(subprotocol)), pod_(std::move(pod)), uid_(std::move(uid)) {}

void PortForwardSession::OnOpen(std::shared_ptr<MessageChannel> channel) {
  MutexLock lock(&mu_);
  channel_ = channel;
  session_ = std::make_shared<spdy::Session>(
      this, [channel](std::string bytes) { channel->Send(std::move(bytes)); });
}

void PortForwardSession::OnMessage(const std::string& message) {
  std::shared_ptr<spdy::Session> session;
  std::shared_ptr<MessageChannel> channel;
  {
    MutexLock lock(&mu_);
    session = session_;
    channel = channel_;
  }
  if (!session) return;
  // After a protocol error the session has sent GOAWAY; the connection is closed behind it.
  if (!session->Receive(message).ok()) channel->Close();
}

void PortForwardSession::OnClosed() {
  std::vector<std::shared_ptr<TcpForward>> forwards;
  {
    MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    channel_.reset();
    for (auto& [id, request] : requests_) {
      if (request.forward) forwards.push_back(request.forward);
    }
  }
  for (const auto& f : forwards) f->Abort();
}

// kubelet's httpStreamReceived checks.
Status PortForwardSession::CheckStream(const spdy::HeaderBlock& headers) {
  const std::string port = spdy::HeaderValue(headers, kPortHeader);
  if (port.empty()) return InvalidArgumentError("\"port\" header is required");
  if (ParsePort(port) == 0) return InvalidArgumentError("invalid port " + port);
  const std::string type = spdy::HeaderValue(headers, kStreamTypeHeader);
  if (type != kStreamTypeError && type != kStreamTypeData) {
    return InvalidArgumentError("invalid stream type \"" + type + "\"");
  }
  return OkStatus();
}

void PortForwardSession::OnStreamOpened(uint32_t id, const spdy::HeaderBlock& headers) {
  const bool is_error = spdy::HeaderValue(headers, kStreamTypeHeader) == kStreamTypeError;
  std::string request_id = spdy::HeaderValue(headers, kRequestIdHeader);
  if (request_id.empty()) {
    // Clients before requestID open the error stream, then the data stream two ids later
    // (the kubelet's best effort for them, kept here).
    request_id = std::to_string(is_error ? id : id - 2);
  }
  std::shared_ptr<spdy::Session> session;
  {
    MutexLock lock(&mu_);
    if (closed_) return;
    session = session_;
    Request& request = requests_[request_id];
    uint32_t& slot = is_error ? request.error_stream : request.data_stream;
    if (slot == 0) {
      slot = id;
      request.port = ParsePort(spdy::HeaderValue(headers, kPortHeader));
      request_of_stream_[id] = request_id;
      if (request.error_stream != 0 && request.data_stream != 0) StartForward(request_id, &request);
      return;
    }
  }
  FAIRWAY_LOG(Log(), kInfo, "duplicate stream for a request", {{"request", request_id}});
  session->Reset(id, spdy::RstStatus::kProtocolError);
}

void PortForwardSession::StartForward(const std::string& request_id, Request* request) {
  std::weak_ptr<PortForwardSession> weak = weak_from_this();
  std::shared_ptr<spdy::Session> session = session_;
  TcpForward::Callbacks callbacks;
  callbacks.on_data = [session, data_stream = request->data_stream](std::string data) {
    session->SendData(data_stream, data, /*fin=*/false);
  };
  callbacks.on_done = [weak, request_id](std::string error) {
    if (auto self = weak.lock()) self->OnForwardDone(request_id, error);
  };
  request->forward = TcpForward::Start(request->port, std::move(callbacks));
  FAIRWAY_LOG(Log(), kDebug, "forwarding",
              {{"pod", pod_}, {"port", std::to_string(request->port)}, {"request", request_id}});
}

void PortForwardSession::OnForwardDone(const std::string& request_id, const std::string& error) {
  Request request;
  std::shared_ptr<spdy::Session> session;
  {
    MutexLock lock(&mu_);
    auto it = requests_.find(request_id);
    if (it == requests_.end()) return;
    request = it->second;
    requests_.erase(it);
    request_of_stream_.erase(request.error_stream);
    request_of_stream_.erase(request.data_stream);
    session = session_;
  }
  if (!error.empty()) {
    std::string message = "error forwarding port " + std::to_string(request.port) + " to pod " +
                          pod_ + ", uid " + uid_ + ": " + error;
    FAIRWAY_LOG(Log(), kInfo, "forward failed", {{"error", message}});
    session->SendData(request.error_stream, message, /*fin=*/false);
  }
  session->SendData(request.data_stream, "", /*fin=*/true);
  session->SendData(request.error_stream, "", /*fin=*/true);
}

std::shared_ptr<TcpForward> PortForwardSession::ForwardOfStream(uint32_t id) {
  MutexLock lock(&mu_);
  auto it = request_of_stream_.find(id);
  if (it == request_of_stream_.end()) return nullptr;
  const Request& request = requests_.at(it->second);
  return id == request.data_stream ? request.forward : nullptr;
}

void PortForwardSession::OnStreamData(uint32_t id, std::string data) {
  // Data on an error stream, or before its pair is complete, has nowhere to go.
  if (auto forward = ForwardOfStream(id)) forward->Write(std::move(data));
}

void PortForwardSession::OnStreamFinished(uint32_t id, bool reset) {
  std::shared_ptr<TcpForward> forward = ForwardOfStream(id);
  if (!forward) return;
  if (reset) {
    forward->Abort();
  } else {
    forward->CloseWrite();
  }
}

}  // namespace fairway::sandbox
