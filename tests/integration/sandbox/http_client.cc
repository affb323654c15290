#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace fairway::sandbox::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct HttpClient::Conn {
  net::io_context ioc;
  std::optional<ssl::context> ctx;
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls;
  beast::flat_buffer buffer;

  int fd() { return plain ? plain->native_handle() : tls->next_layer().native_handle(); }

  template <typename Fn>
  auto With(Fn fn) {
    if (plain) return fn(*plain);
    return fn(*tls);
  }
};

struct HttpClient::Watch::Conn : HttpClient::Conn {};

HttpClient::HttpClient(std::string host, uint16_t port, std::string ca_pem, std::string tls_name)
    : host_(std::move(host)),
      port_(port),
      ca_pem_(std::move(ca_pem)),
      tls_name_(std::move(tls_name)) {}

HttpClient::~HttpClient() = default;

void HttpClient::set_client_certificate(std::string cert_pem, std::string key_pem) {
  client_cert_pem_ = std::move(cert_pem);
  client_key_pem_ = std::move(key_pem);
  conn_.reset();
}

std::unique_ptr<HttpClient::Conn> HttpClient::Connect() {
  auto c = std::make_unique<Conn>();
  beast::error_code ec;
  tcp::resolver resolver(c->ioc);
  auto results = resolver.resolve(host_, std::to_string(port_), ec);
  if (ec) return nullptr;
  if (ca_pem_.empty()) {
    c->plain.emplace(c->ioc);
    net::connect(*c->plain, results, ec);
    if (ec) return nullptr;
    c->plain->set_option(tcp::no_delay(true), ec);
    return c;
  }
  c->ctx.emplace(ssl::context::tls_client);
  c->ctx->add_certificate_authority(net::buffer(ca_pem_), ec);
  if (ec) return nullptr;
  c->ctx->set_verify_mode(ssl::verify_peer);
  if (!client_cert_pem_.empty()) {
    c->ctx->use_certificate_chain(net::buffer(client_cert_pem_), ec);
    if (!ec) c->ctx->use_private_key(net::buffer(client_key_pem_), ssl::context::pem, ec);
    if (ec) return nullptr;
  }
  c->tls.emplace(c->ioc, *c->ctx);
  c->tls->set_verify_callback(ssl::host_name_verification(tls_name_));
  net::connect(c->tls->next_layer(), results, ec);
  if (ec) return nullptr;
  c->tls->handshake(ssl::stream_base::client, ec);
  if (ec) return nullptr;
  return c;
}

HttpReply HttpClient::Request(const std::string& method, const std::string& target,
                              const std::string& body, const std::string& content_type,
                              const std::string& accept) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!conn_) conn_ = Connect();
    if (!conn_) return {};
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, host_);
    req.set(http::field::accept, accept);
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    for (const auto& [k, v] : headers_) req.insert(k, v);
    req.keep_alive(true);
    if (!body.empty()) {
      req.set(http::field::content_type, content_type);
      req.body() = body;
    }
    req.prepare_payload();
    beast::error_code ec;
    http::response<http::string_body> res;
    conn_->With([&](auto& s) {
      http::write(s, req, ec);
      if (!ec) http::read(s, conn_->buffer, res, ec);
      return 0;
    });
    if (ec) {
      conn_.reset();  // stale keep-alive connection: retry once on a new one
      continue;
    }
    HttpReply reply;
    reply.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      // Repeated headers (Warning) are joined, as RFC 9110 allows.
      std::string& slot = reply.headers[name];
      slot += (slot.empty() ? "" : ", ") + std::string(f.value());
    }
    reply.body = std::move(res.body());
    if (!res.keep_alive()) conn_.reset();
    return reply;
  }
  return {};
}

std::unique_ptr<HttpClient::Watch> HttpClient::OpenWatch(const std::string& target,
                                                         const std::string& accept) {
  auto w = std::unique_ptr<Watch>(new Watch());
  std::unique_ptr<Conn> c = Connect();
  if (!c) return w;
  w->conn_.reset(static_cast<Watch::Conn*>(c.release()));
  http::request<http::empty_body> req(http::verb::get, target, 11);
  req.set(http::field::host, host_);
  req.set(http::field::accept, accept);
  beast::error_code ec;
  auto parser = std::make_shared<http::response_parser<http::empty_body>>();
  parser->body_limit(std::numeric_limits<std::uint64_t>::max());
  w->conn_->With([&](auto& s) {
    http::write(s, req, ec);
    if (!ec) http::read_header(s, w->conn_->buffer, *parser, ec);
    return 0;
  });
  if (ec) return w;
  w->status_ = static_cast<int>(parser->get().result_int());
  Watch* raw = w.get();
  w->reader_ = std::thread([raw, parser] {
    std::string pending;
    auto on_body = [&](std::uint64_t, beast::string_view data, beast::error_code&) -> std::size_t {
      pending.append(data.data(), data.size());
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        std::lock_guard<std::mutex> lock(raw->mu_);
        raw->lines_.push_back(pending.substr(0, nl));
        pending.erase(0, nl + 1);
        raw->cv_.notify_all();
      }
      return data.size();
    };
    parser->on_chunk_body(on_body);
    beast::error_code ec;
    while (!parser->is_done()) {
      raw->conn_->With([&](auto& s) {
        http::read_some(s, raw->conn_->buffer, *parser, ec);
        return 0;
      });
      if (ec) break;
    }
    std::lock_guard<std::mutex> lock(raw->mu_);
    raw->ended_ = true;
    raw->cv_.notify_all();
  });
  return w;
}

HttpClient::Watch::~Watch() {
  Close();
  if (reader_.joinable()) reader_.join();
}

void HttpClient::Watch::Close() {
  if (conn_) ::shutdown(conn_->fd(), SHUT_RDWR);
}

std::optional<nlohmann::json> HttpClient::Watch::Next(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !lines_.empty() || ended_; });
  if (lines_.empty()) return std::nullopt;
  std::string line = std::move(lines_.front());
  lines_.pop_front();
  return nlohmann::json::parse(line, nullptr, false);
}

bool HttpClient::Watch::WaitEnded(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return ended_; });
}

RawConnection::RawConnection(const std::string& host, uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (fd_ < 0 || ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Send(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::optional<std::string> RawConnection::ReadUntilClosed(std::chrono::milliseconds timeout) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return out;  // closed (or reset) by the server
    out.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace fairway::sandbox::testing
