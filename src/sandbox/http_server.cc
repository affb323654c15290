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
#include "sandbox/internal/util.h"

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
  size_t body_limit;
  std::shared_ptr<PostGate> gate;
};

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

// One connection. Derived provides stream(), DoEof() and Close().
template <class Derived>
class Session {
 public:
  explicit Session(Shared shared) : shared_(std::move(shared)) {}
  virtual ~Session() {
    if (watch_) watch_->Close();
  }

 protected:
  Derived& derived() { return static_cast<Derived&>(*this); }

  void DoRead() {
    parser_.emplace();
    parser_->body_limit(shared_.body_limit);
    beast::get_lowest_layer(derived().stream()).expires_after(std::chrono::minutes(10));
    http::async_read(derived().stream(), buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, derived().shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return derived().DoEof();
    if (ec) return derived().Close();
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
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.response.status), request_.version());
    res->set(http::field::content_type, reply.response.content_type);
    res->set(http::field::cache_control, "no-cache, private");
    for (const auto& [k, v] : reply.response.headers) res->insert(k, v);
    res->keep_alive(request_.keep_alive());
    if (!head) res->body() = std::move(reply.response.body);
    res->prepare_payload();
    http::async_write(
        derived().stream(), *res,
        [self = derived().shared_from_this(), res](beast::error_code ec, std::size_t) {
          if (ec) return self->Close();
          if (res->need_eof()) return self->DoEof();
          self->DoRead();
        });
  }

  // ---- watch streaming ----

  void StartWatch(HandlerReply reply) {
    watch_ = std::move(reply.watch);
    watch_res_.emplace(http::status::ok, request_.version());
    watch_res_->set(http::field::content_type, "application/json");
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
  void DoEof() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
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
            Shared shared{handler_, latency_, &pool_, options_.body_limit, gate_};
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
