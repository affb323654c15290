#include "sandbox/http_server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/log.h"
#include "sandbox/internal/raw_upgrade_session.h"
#include "sandbox/internal/util.h"
#include "sandbox/internal/websocket_session.h"

namespace fairway::sandbox {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

const Logger& Log() {
  static const Logger logger("sandbox.http");
  return logger;
}

// Wake-ups come from writer threads; this gate makes sure none posts into a stopped io_context.
struct PostGate {
  std::mutex mu;
  bool open = true;
};

struct Shared {
  HttpServer::Handler handler;
  std::function<std::chrono::milliseconds()> latency;
  net::thread_pool* pool;  // runs `handler`; outlives the sessions' use of it (Impl::Stop)
  std::shared_ptr<const HttpServer::Options> options;  // the limits and timeouts
  std::shared_ptr<PostGate> gate;
};

// Bytes asked for per read while waiting for a request to begin or draining a rejected one.
constexpr size_t kReadChunk = 16 * 1024;
// After an error reply to a request that was not read to its end, what the client still sends is
// read and dropped for at most this long / this much, so that it reads the reply rather than a
// connection reset.
constexpr std::chrono::seconds kDrainTime{5};
constexpr size_t kDrainBytes = 64 * 1024 * 1024;

HttpResponse TextResponse(int status, std::string text) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(text);
  return r;
}

// The reply to a request that failed to parse, as Go's net/http sends one (kube-apiserver never
// sees such a request); nullopt when there is no one to answer (the client left, timed out).
std::optional<HttpResponse> ReadErrorResponse(beast::error_code ec, size_t body_limit) {
  if (ec == http::error::body_limit) {
    return ErrorResponse(RequestEntityTooLarge(body_limit));
  }
  if (ec == http::error::header_limit) {
    return TextResponse(431, "431 Request Header Fields Too Large");
  }
  const bool parse_error =
      ec.category() == http::make_error_code(http::error::bad_method).category();
  if (!parse_error || ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == http::error::short_read) {
    return std::nullopt;
  }
  return TextResponse(400, "400 Bad Request: " + ec.message());
}

// The subject of a client certificate the handshake verified, or nullopt.
std::optional<PeerCertificate> VerifiedPeer(SSL* ssl) {
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), X509_free);
  if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  PeerCertificate peer;
  X509_NAME* subject = X509_get_subject_name(cert.get());
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, i);
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (len < 0) continue;
    std::string value(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    // Go's pkix.Name keeps the last CN, as kube-apiserver reads it.
    if (nid == NID_commonName) peer.common_name = value;
    if (nid == NID_organizationName) peer.organizations.push_back(value);
  }
  return peer;
}

// Trusts the client CA PEM bundle for verification and names its certificates in the
// CertificateRequest (Go clients only send a certificate issued by a named CA).
void UseClientCa(ssl::context& ctx, const std::string& pem) {
  ctx.add_certificate_authority(net::buffer(pem));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  while (bio) {
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    if (!cert) break;
    SSL_CTX_add_client_CA(ctx.native_handle(), cert.get());
  }
  ERR_clear_error();  // the end of the bundle reads as an error
  static const unsigned char kSessionContext[] = "fairway-sandbox";
  SSL_CTX_set_session_id_context(ctx.native_handle(), kSessionContext, sizeof(kSessionContext) - 1);
  // Ask for a certificate, verify it when given, do not require one.
  ctx.set_verify_mode(ssl::verify_peer);
}

// One connection. Derived provides stream(), peer_certificate(), ShutdownSend(), DoEof() and
// Close().
template <class Derived>
class Session {
 public:
  explicit Session(Shared shared) : shared_(std::move(shared)) {}
  virtual ~Session() {
    if (watch_) watch_->Close();
  }

 protected:
  Derived& derived() { return static_cast<Derived&>(*this); }

  const HttpServer::Options& options() const { return *shared_.options; }
  void Expire(std::chrono::seconds d) {
    beast::get_lowest_layer(derived().stream()).expires_after(d);
  }

  // Waits up to the idle timeout for the next request to begin, unless it has already.
  void DoRead() {
    parser_.emplace();
    parser_->body_limit(options().body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(options().header_limit));
    if (buffer_.size() > 0) return ReadHeader();
    Expire(options().idle_timeout);
    derived().stream().async_read_some(
        buffer_.prepare(kReadChunk),
        [self = derived().shared_from_this()](beast::error_code ec, std::size_t n) {
          if (ec) return self->derived().Close();  // closed by the client, or idle too long
          self->buffer_.commit(n);
          self->ReadHeader();
        });
  }

  void ReadHeader() {
    Expire(options().header_timeout);
    http::async_read_header(derived().stream(), buffer_, *parser_,
                            [self = derived().shared_from_this()](
                                beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return OnRead();
    Expire(options().body_timeout);
    http::async_read(derived().stream(), buffer_, *parser_,
                     [self = derived().shared_from_this()](beast::error_code read_ec, std::size_t) {
                       if (read_ec) return self->OnReadError(read_ec);
                       self->OnRead();
                     });
  }

  void OnReadError(beast::error_code ec) {
    std::optional<HttpResponse> reply = ReadErrorResponse(ec, options().body_limit);
    if (!reply) return derived().Close();
    Write(std::move(*reply), 11, /*keep_alive=*/false, /*head=*/false, /*drain=*/true);
  }

  void OnRead() {
    request_ = parser_->release();
    std::chrono::milliseconds latency =
        shared_.latency ? shared_.latency() : std::chrono::milliseconds(0);
    if (latency.count() > 0) {
      delay_.emplace(derived().stream().get_executor());
      delay_->expires_after(latency);
      delay_->async_wait(
          [self = derived().shared_from_this()](beast::error_code) { self->Process(); });
      return;
    }
    Process();
  }

  // Runs the handler on the handler pool, then answers on the session strand.
  void Process() {
    auto req = std::make_shared<HttpRequest>();
    req->method = std::string(request_.method_string());
    req->target = std::string(request_.target());
    for (const auto& field : request_) {
      std::string name = internal::ToLower(std::string(field.name_string()));
      auto [it, inserted] = req->headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    req->body = std::move(request_.body());
    req->peer_certificate = derived().peer_certificate();
    auto self = derived().shared_from_this();
    auto executor = derived().stream().get_executor();
    net::post(*shared_.pool, [self, req, executor] {
      auto reply = std::make_shared<HandlerReply>(self->shared_.handler(*req));
      net::post(executor, [self, reply, head = req->method == "HEAD"] {
        self->Respond(std::move(*reply), head);
      });
    });
  }

  void Respond(HandlerReply reply, bool head) {
    if (reply.watch) return StartWatch(std::move(reply));
    if (reply.upgrade && reply.response.status == 101) return UpgradeRaw(std::move(reply));
    if (reply.upgrade) return Upgrade(std::move(reply.upgrade));
    Write(std::move(reply.response), request_.version(), request_.keep_alive(), head,
          /*drain=*/false);
  }

  // Sends `reply`; then, by `drain`, drops what the client still sends and closes, else reads
  // the next request (keep-alive) or closes.
  void Write(HttpResponse reply, unsigned version, bool keep_alive, bool head, bool drain) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version);
    res->set(http::field::content_type, reply.content_type);
    res->set(http::field::cache_control, "no-cache, private");
    for (const auto& [k, v] : reply.headers) res->insert(k, v);
    res->keep_alive(keep_alive);
    if (!head) res->body() = std::move(reply.body);
    res->prepare_payload();
    Expire(options().body_timeout);
    http::async_write(
        derived().stream(), *res,
        [self = derived().shared_from_this(), res, drain](beast::error_code ec, std::size_t) {
          if (ec) return self->Close();
          if (drain) return self->StartDrain();
          if (res->need_eof()) return self->DoEof();
          self->DoRead();
        });
  }

  // After an error reply: reads and drops what the client still sends, bounded by kDrainTime and
  // kDrainBytes, then closes.
  void StartDrain() {
    derived().ShutdownSend();  // the client sees the reply end
    buffer_.consume(buffer_.size());
    Expire(kDrainTime);
    Drain();
  }

  void Drain() {
    derived().stream().async_read_some(
        buffer_.prepare(kReadChunk),
        [self = derived().shared_from_this()](beast::error_code ec, std::size_t n) {
          self->drained_ += n;
          if (ec || self->drained_ > kDrainBytes) return self->derived().DoEof();
          self->Drain();
        });
  }

  // Hands the connection to a WebSocket session (exec, attach); this session ends.
  void Upgrade(std::shared_ptr<UpgradeHandler> handler) {
    auto executor = derived().stream().get_executor();
    internal::StrandPost post = [gate = shared_.gate, executor](std::function<void()> fn) {
      std::lock_guard<std::mutex> lock(gate->mu);
      if (gate->open) net::post(executor, std::move(fn));
    };
    using Stream = std::remove_reference_t<decltype(derived().stream())>;
    auto ws = std::make_shared<internal::WebSocketSession<Stream>>(
        std::move(derived().stream()), std::move(handler), std::move(post));
    ws->Run(request_);
  }

  // Answers 101 with the reply's headers and hands the raw connection over (SPDY/3.1).
  void UpgradeRaw(HandlerReply reply) {
    auto executor = derived().stream().get_executor();
    internal::StrandPost post = [gate = shared_.gate, executor](std::function<void()> fn) {
      std::lock_guard<std::mutex> lock(gate->mu);
      if (gate->open) net::post(executor, std::move(fn));
    };
    std::string pending = beast::buffers_to_string(buffer_.data());
    using Stream = std::remove_reference_t<decltype(derived().stream())>;
    auto raw = std::make_shared<internal::RawUpgradeSession<Stream>>(
        std::move(derived().stream()), std::move(reply.upgrade), std::move(post),
        std::move(pending));
    raw->Run(reply.response, request_.version());
  }

  // ---- watch streaming ----

  void StartWatch(HandlerReply reply) {
    watch_ = std::move(reply.watch);
    watch_res_.emplace(http::status::ok, request_.version());
    watch_res_->set(http::field::content_type, reply.response.content_type);
    watch_res_->set(http::field::cache_control, "no-cache, private");
    watch_res_->keep_alive(false);
    watch_res_->chunked(true);
    watch_sr_.emplace(*watch_res_);
    beast::get_lowest_layer(derived().stream()).expires_never();
    http::async_write_header(
        derived().stream(), *watch_sr_,
        [self = derived().shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->AbortWatch();
          self->OnWatchHeader();
        });
  }

  void OnWatchHeader() {
    std::weak_ptr<Derived> weak = derived().shared_from_this();
    auto executor = derived().stream().get_executor();
    std::shared_ptr<PostGate> gate = shared_.gate;
    watch_->SetWakeup([weak, executor, gate] {
      std::lock_guard<std::mutex> lock(gate->mu);
      if (!gate->open) return;
      net::post(executor, [weak] {
        if (auto self = weak.lock()) self->PumpWatch();
      });
    });
    if (watch_->timeout().count() > 0) {
      timeout_.emplace(derived().stream().get_executor());
      timeout_->expires_after(watch_->timeout());
      timeout_->async_wait([self = derived().shared_from_this()](beast::error_code ec) {
        if (!ec) self->EndWatch();
      });
    }
    tick_.emplace(derived().stream().get_executor());
    Tick();
    // A client that goes away makes this read complete (EOF or reset).
    derived().stream().async_read_some(net::buffer(read_byte_),
                                       [self = derived().shared_from_this()](
                                           beast::error_code, std::size_t) { self->AbortWatch(); });
    PumpWatch();
  }

  void Tick() {
    tick_->expires_after(std::chrono::seconds(1));
    tick_->async_wait([self = derived().shared_from_this()](beast::error_code ec) {
      if (ec || self->done_) return;
      self->PumpWatch();
      self->Tick();
    });
  }

  void PumpWatch() {
    if (done_ || writing_) return;
    if (end_requested_) return EndWatch();
    chunk_.clear();
    bool alive = watch_->Poll(&chunk_);
    if (!chunk_.empty()) {
      writing_ = true;
      net::async_write(
          derived().stream(), http::make_chunk(net::buffer(chunk_)),
          [self = derived().shared_from_this(), alive](beast::error_code ec, std::size_t) {
            self->writing_ = false;
            if (ec) return self->AbortWatch();
            if (!alive) return self->EndWatch();
            self->PumpWatch();
          });
      return;
    }
    if (!alive) EndWatch();
  }

  // Clean end: terminating chunk, then close.
  void EndWatch() {
    if (done_) return;
    if (writing_) {
      end_requested_ = true;
      return;
    }
    done_ = true;
    StopWatchTimers();
    net::async_write(derived().stream(), http::make_chunk_last(),
                     [self = derived().shared_from_this()](beast::error_code, std::size_t) {
                       self->derived().DoEof();
                     });
  }

  // Client gone or write failed.
  void AbortWatch() {
    if (done_ && closed_) return;
    done_ = true;
    StopWatchTimers();
    derived().Close();
  }

  void StopWatchTimers() {
    if (watch_) watch_->Close();
    if (timeout_) timeout_->cancel();
    if (tick_) tick_->cancel();
  }

  Shared shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  std::optional<net::steady_timer> delay_;
  size_t drained_ = 0;  // bytes read and dropped after an error reply (StartDrain)
  // Watch state (on the session strand).
  std::shared_ptr<WatchStream> watch_;
  std::optional<http::response<http::empty_body>> watch_res_;
  std::optional<http::response_serializer<http::empty_body>> watch_sr_;
  std::optional<net::steady_timer> timeout_;
  std::optional<net::steady_timer> tick_;
  std::string chunk_;
  char read_byte_[1];
  bool writing_ = false;
  bool done_ = false;
  bool end_requested_ = false;
  bool closed_ = false;
};

class PlainSession : public Session<PlainSession>,
                     public std::enable_shared_from_this<PlainSession> {
 public:
  PlainSession(tcp::socket socket, Shared shared)
      : Session(std::move(shared)), stream_(std::move(socket)) {}
  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
  }
  beast::tcp_stream& stream() { return stream_; }
  std::optional<PeerCertificate> peer_certificate() const { return std::nullopt; }
  void ShutdownSend() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }
  void DoEof() {
    ShutdownSend();
    Close();
  }
  void Close() {
    closed_ = true;
    beast::error_code ec;
    stream_.socket().close(ec);
  }

 private:
  friend class Session<PlainSession>;
  beast::tcp_stream stream_;
};

class TlsSession : public Session<TlsSession>, public std::enable_shared_from_this<TlsSession> {
 public:
  TlsSession(tcp::socket socket, ssl::context& ctx, Shared shared)
      : Session(std::move(shared)), stream_(std::move(socket), ctx) {}
  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::get_lowest_layer(self->stream_).expires_after(std::chrono::seconds(30));
      self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
        if (ec) return self->Close();
        self->peer_ = VerifiedPeer(self->stream_.native_handle());
        self->DoRead();
      });
    });
  }
  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }
  const std::optional<PeerCertificate>& peer_certificate() const { return peer_; }
  // A TCP half-close would end the TLS stream without close_notify; the client reads the reply's
  // "Connection: close" instead.
  void ShutdownSend() {}
  void DoEof() { Close(); }
  void Close() {
    closed_ = true;
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

 private:
  friend class Session<TlsSession>;
  beast::ssl_stream<beast::tcp_stream> stream_;
  std::optional<PeerCertificate> peer_;  // set once after the handshake, on the strand
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Handler handler, std::function<std::chrono::milliseconds()> latency, Options options)
      : handler_(std::move(handler)),
        latency_(std::move(latency)),
        options_(std::move(options)),
        shared_options_(std::make_shared<const Options>(options_)),
        pool_(static_cast<size_t>(std::max(1, options_.handler_threads))),
        acceptor_(net::make_strand(ioc_)),
        gate_(std::make_shared<PostGate>()) {}

  ~Impl() { Stop(); }

  Status Start() {
    try {
      if (options_.tls) {
        ssl_ctx_.emplace(ssl::context::tls_server);
        ssl_ctx_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                              ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                              ssl::context::no_tlsv1_1);
        ssl_ctx_->use_certificate_chain(net::buffer(options_.cert_pem));
        ssl_ctx_->use_private_key(net::buffer(options_.key_pem), ssl::context::pem);
        if (!options_.client_ca_pem.empty()) UseClientCa(*ssl_ctx_, options_.client_ca_pem);
      }
      tcp::endpoint ep(net::ip::make_address(options_.address), options_.port);
      acceptor_.open(ep.protocol());
      acceptor_.set_option(net::socket_base::reuse_address(true));
      acceptor_.bind(ep);
      acceptor_.listen(net::socket_base::max_listen_connections);
      port_ = acceptor_.local_endpoint().port();
    } catch (const std::exception& e) {
      return UnavailableError("cannot listen on " + options_.address + ":" +
                              std::to_string(options_.port) + ": " + e.what());
    }
    DoAccept();
    int n = options_.threads < 1 ? 1 : options_.threads;
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this] {
        for (;;) {
          try {
            ioc_.run();
            return;
          } catch (const std::exception& e) {
            FAIRWAY_LOG(Log(), kError, "I/O thread caught exception", {{"error", e.what()}});
          }
        }
      });
    }
    return OkStatus();
  }

  void Stop() {
    if (stopped_.exchange(true)) return;
    {
      std::lock_guard<std::mutex> lock(gate_->mu);
      gate_->open = false;
    }
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    ioc_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    // Handlers still running finish (their replies go nowhere); queued ones are dropped.
    pool_.stop();
    pool_.join();
  }

  void DoAccept() {
    acceptor_.async_accept(
        net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
          if (ec) {
            if (ec == net::error::operation_aborted) return;
          } else {
            socket.set_option(tcp::no_delay(true), ec);
            Shared shared{handler_, latency_, &pool_, shared_options_, gate_};
            if (ssl_ctx_) {
              std::make_shared<TlsSession>(std::move(socket), *ssl_ctx_, shared)->Run();
            } else {
              std::make_shared<PlainSession>(std::move(socket), shared)->Run();
            }
          }
          if (!stopped_) DoAccept();
        });
  }

  uint16_t port() const { return port_; }
  std::string url() const {
    std::string host = options_.address.find(':') != std::string::npos
                           ? "[" + options_.address + "]"
                           : options_.address;
    return (options_.tls ? "https://" : "http://") + host + ":" + std::to_string(port_);
  }

 private:
  Handler handler_;
  std::function<std::chrono::milliseconds()> latency_;
  Options options_;
  std::shared_ptr<const Options> shared_options_;  // the copy sessions read
  net::io_context ioc_;
  // Declared after ioc_ so it is destroyed first: queued work holds sessions of ioc_.
  net::thread_pool pool_;
  std::optional<ssl::context> ssl_ctx_;
  tcp::acceptor acceptor_;
  std::shared_ptr<PostGate> gate_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopped_{false};
  uint16_t port_ = 0;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(ApiServer* api, Options options) {
  auto impl = std::make_unique<Impl>([api](const HttpRequest& req) { return api->Handle(req); },
                                     [api] { return api->faults().latency(); }, std::move(options));
  Status s = impl->Start();
  if (!s.ok()) return s;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(Handler handler, Options options) {
  auto impl = std::make_unique<Impl>(std::move(handler), nullptr, std::move(options));
  Status s = impl->Start();
  if (!s.ok()) return s;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Stop() {
  if (impl_) impl_->Stop();
}
uint16_t HttpServer::port() const { return impl_->port(); }
std::string HttpServer::url() const { return impl_->url(); }

}  // namespace fairway::sandbox
