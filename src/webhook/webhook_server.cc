#include "webhook/webhook_server.h"

#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/status_macros.h"
#include "webhook/certificates.h"

namespace fairway::webhook {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr size_t kHeaderLimit = 16 * 1024;
// After a 413 the rest of the body is read and dropped for at most this long / this much, so the
// client, still sending, gets to read the answer instead of a reset connection.
constexpr std::chrono::seconds kDrainTime{5};
constexpr size_t kDrainBytes = 64 * 1024 * 1024;

const Logger& Log() {
  static const Logger logger("webhook.server");
  return logger;
}

// Builds a TLS 1.2+ server context for the pair. Throws boost::system::system_error on bad PEM
// (callers catch: this is the library edge).
std::shared_ptr<ssl::context> MakeContext(const std::string& cert_pem, const std::string& key_pem) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->use_certificate_chain(net::buffer(cert_pem));
  ctx->use_private_key(net::buffer(key_pem), ssl::context::pem);
  return ctx;
}

// State every connection shares with the server.
struct Shared {
  WebhookServer::Options options;
  AdmissionHandler* handler = nullptr;
  std::atomic<size_t> connections{0};
};

bool IsAdmissionPath(const std::string& path) {
  return path == kMutateJobsPath || path == kValidateJobsPath ||
         path == kValidateClusterObjectsPath;
}

HttpReply TextReply(int status, std::string text) {
  return HttpReply{status, "text/plain; charset=utf-8", std::move(text) + "\n"};
}

// Routes one complete request.
HttpReply Route(const http::request<http::string_body>& req, AdmissionHandler* handler) {
  std::string target(req.target());
  std::string path = target.substr(0, target.find('?'));
  if (path == "/healthz") {
    if (req.method() != http::verb::get) return TextReply(405, "/healthz takes GET");
    return TextReply(200, "ok");
  }
  if (!IsAdmissionPath(path)) return TextReply(404, "not found: " + path);
  if (req.method() != http::verb::post) return TextReply(405, "admission endpoints take POST");
  return handler->Handle(path, req.body());
}

// One TLS connection: handshake, then requests until the client closes or a timeout.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<ssl::context> ctx, std::shared_ptr<Shared> shared)
      : ctx_(std::move(ctx)), stream_(std::move(socket), *ctx_), shared_(std::move(shared)) {}
  ~Session() { shared_->connections.fetch_sub(1); }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Handshake(); });
  }

 private:
  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }
  void Expire(std::chrono::seconds d) { beast::get_lowest_layer(stream_).expires_after(d); }

  void Handshake() {
    Expire(shared_->options.handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              if (ec) return self->Close();
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(shared_->options.body_limit);
    Expire(shared_->options.idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == http::error::body_limit) return Reject(413, "request body too large");
    if (ec == http::error::header_limit) return Reject(431, "request header too large");
    if (ec) return Close();  // end of stream, timeout, reset or a malformed request
    Expire(shared_->options.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code read_ec, size_t) { self->OnBody(read_ec); });
  }

  void OnBody(beast::error_code ec) {
    if (ec == http::error::body_limit) return Reject(413, "request body too large");
    if (ec) return Close();
    http::request<http::string_body> req = parser_->release();
    HttpReply reply = Route(req, shared_->handler);
    Write(std::move(reply), req.version(), req.keep_alive(), /*drain=*/false);
  }

  // Answers `status` and ends the connection (the request was not read to its end).
  void Reject(int status, const std::string& text) {
    Write(TextReply(status, text), 11, /*keep_alive=*/false, /*drain=*/status == 413);
  }

  void Write(HttpReply reply, unsigned version, bool keep_alive, bool drain) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version);
    res->set(http::field::content_type, reply.content_type);
    res->set(http::field::cache_control, "no-store");
    res->keep_alive(keep_alive);
    res->body() = std::move(reply.body);
    res->prepare_payload();
    Expire(shared_->options.read_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, drain](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        if (drain) return self->Drain();
                        if (res->need_eof()) return self->Shutdown();
                        self->ReadHeader();
                      });
  }

  // Reads and drops what the client still sends, then closes.
  void Drain() {
    if (drained_ == 0) Expire(kDrainTime);
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kDrainBytes) return self->Shutdown();
                              self->Drain();
                            });
  }

  void Shutdown() {
    Expire(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->Close(); });
  }

  void Close() {
    beast::error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }

  std::shared_ptr<ssl::context> ctx_;  // kept alive while the connection uses it
  beast::ssl_stream<beast::tcp_stream> stream_;
  std::shared_ptr<Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 16 * 1024> scratch_{};
  size_t drained_ = 0;
};

}  // namespace

class WebhookServer::Impl {
 public:
  Impl(Options options, AdmissionHandler* handler)
      : shared_(std::make_shared<Shared>()), acceptor_(net::make_strand(ioc_)) {
    shared_->options = std::move(options);
    shared_->handler = handler;
  }
  ~Impl() { Stop(); }

  Status Listen() {
    const Options& o = shared_->options;
    FAIRWAY_RETURN_IF_ERROR(SetCertificate(o.cert_pem, o.key_pem));
    try {
      tcp::endpoint ep(net::ip::make_address(o.address), o.port);
      acceptor_.open(ep.protocol());
      acceptor_.set_option(net::socket_base::reuse_address(true));
      acceptor_.bind(ep);
      acceptor_.listen(net::socket_base::max_listen_connections);
      port_ = acceptor_.local_endpoint().port();
    } catch (const std::exception& e) {
      return UnavailableError("webhook: cannot listen on " + o.address + ":" +
                              std::to_string(o.port) + ": " + e.what());
    }
    Accept();
    int n = std::max(1, o.threads);
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { RunLoop(); });
    return OkStatus();
  }

  Status SetCertificate(const std::string& cert_pem, const std::string& key_pem) {
    Status pair = CheckCertificatePair(cert_pem, key_pem);
    if (!pair.ok()) return pair.WithContext("webhook certificate");
    std::shared_ptr<ssl::context> ctx;
    try {
      ctx = MakeContext(cert_pem, key_pem);
    } catch (const std::exception& e) {
      return InvalidArgumentError(std::string("webhook certificate: ") + e.what());
    }
    std::lock_guard<std::mutex> lock(mu_);
    ctx_ = std::move(ctx);
    return OkStatus();
  }

  void Stop() {
    if (stopped_.exchange(true)) return;
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    ioc_.stop();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  uint16_t port() const { return port_; }

 private:
  // Handlers do not throw; this only guards the loop against a bug in a library.
  void RunLoop() {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        FAIRWAY_LOG(Log(), kError, "webhook I/O thread caught an exception", {{"error", e.what()}});
      }
    }
  }

  std::shared_ptr<ssl::context> Context() {
    std::lock_guard<std::mutex> lock(mu_);
    return ctx_;
  }

  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted) return;
      if (!ec) {
        if (shared_->connections.fetch_add(1) >= shared_->options.max_connections) {
          shared_->connections.fetch_sub(1);
          s.close(ec);
        } else {
          s.set_option(tcp::no_delay(true), ec);
          std::make_shared<Session>(std::move(s), Context(), shared_)->Run();
        }
      }
      if (!stopped_) Accept();
    });
  }

  std::shared_ptr<Shared> shared_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopped_{false};
  uint16_t port_ = 0;
  std::mutex mu_;
  std::shared_ptr<ssl::context> ctx_;  // GUARDED_BY(mu_)
};

WebhookServer::WebhookServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebhookServer::~WebhookServer() { Stop(); }

StatusOr<std::unique_ptr<WebhookServer>> WebhookServer::Start(Options options,
                                                              AdmissionHandler* handler) {
  auto impl = std::make_unique<Impl>(std::move(options), handler);
  Status s = impl->Listen();
  if (!s.ok()) return s;
  return std::unique_ptr<WebhookServer>(new WebhookServer(std::move(impl)));
}

uint16_t WebhookServer::port() const { return impl_->port(); }

Status WebhookServer::SetCertificate(const std::string& cert_pem, const std::string& key_pem) {
  return impl_->SetCertificate(cert_pem, key_pem);
}

void WebhookServer::Stop() {
  if (impl_) impl_->Stop();
}

}  // namespace fairway::webhook
