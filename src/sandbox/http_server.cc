#include "sandbox/http_server.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

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
  ApiServer* api;
  size_t body_limit;
  std::shared_ptr<PostGate> gate;
};

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
    std::chrono::milliseconds latency = shared_.api->faults().latency();
    if (latency.count() > 0) {
      delay_.emplace(derived().stream().get_executor());
      delay_->expires_after(latency);
      delay_->async_wait([self = derived().shared_from_this()](beast::error_code) { self->Process(); });
      return;
    }
    Process();
  }

  void Process() {
    HttpRequest req;
    req.method = std::string(request_.method_string());
    req.target = std::string(request_.target());
    for (const auto& field : request_) {
      req.headers[internal::ToLower(std::string(field.name_string()))] = std::string(field.value());
    }
    req.body = std::move(request_.body());
    HandlerReply reply = shared_.api->Handle(req);
    if (reply.watch) return StartWatch(std::move(reply));

    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.response.status), request_.version());
    res->set(http::field::content_type, reply.response.content_type);
    res->set(http::field::cache_control, "no-cache, private");
    for (const auto& [k, v] : reply.response.headers) res->set(k, v);
    res->keep_alive(request_.keep_alive());
    if (req.method != "HEAD") res->body() = std::move(reply.response.body);
    res->prepare_payload();
    http::async_write(derived().stream(), *res,
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
    http::async_write_header(derived().stream(), *watch_sr_,
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
    derived().stream().async_read_some(
        net::buffer(read_byte_), [self = derived().shared_from_this()](beast::error_code, std::size_t) {
          self->AbortWatch();
        });
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
      net::async_write(derived().stream(), http::make_chunk(net::buffer(chunk_)),
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

class PlainSession : public Session<PlainSession>, public std::enable_shared_from_this<PlainSession> {
 public:
  PlainSession(tcp::socket socket, Shared shared)
      : Session(std::move(shared)), stream_(std::move(socket)) {}
  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
  }
  beast::tcp_stream& stream() { return stream_; }
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
      self->stream_.async_handshake(ssl::stream_base::server,
                                    [self](beast::error_code ec) {
                                      if (ec) return self->Close();
                                      self->DoRead();
                                    });
    });
  }
  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }
  void DoEof() { Close(); }
  void Close() {
    closed_ = true;
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

 private:
  friend class Session<TlsSession>;
  beast::ssl_stream<beast::tcp_stream> stream_;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ApiServer* api, Options options)
      : api_(api), options_(std::move(options)), acceptor_(net::make_strand(ioc_)),
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
  }

  void DoAccept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted) return;
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        Shared shared{api_, options_.body_limit, gate_};
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
    std::string host = options_.address.find(':') != std::string::npos ? "[" + options_.address + "]"
                                                                       : options_.address;
    return (options_.tls ? "https://" : "http://") + host + ":" + std::to_string(port_);
  }

 private:
  ApiServer* api_;
  Options options_;
  net::io_context ioc_;
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
  auto impl = std::make_unique<Impl>(api, std::move(options));
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
