// The cpprestsdk/OpenSSL HttpTransport. This is the ONLY file that includes cpprestsdk headers
// (they cost seconds per translation unit); every exception from cpprestsdk, pplx and Boost.Asio
// is caught here and turned into a Status.
#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>
#include <cpprest/rawptrstream.h>
#include <cpprest/containerstream.h>

#include "common/log.h"
#include "kube/http_transport.h"

namespace fairway::kube {
namespace {

namespace http = web::http;
namespace client = web::http::client;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class CpprestTransport : public HttpTransport {
 public:
  explicit CpprestTransport(TransportOptions options) : options_(std::move(options)) {}

  Status Init() {
    try {
      web::uri base(options_.server);
      if (base.scheme() != "http" && base.scheme() != "https") {
        return InvalidArgumentError("server URL must be http:// or https://: " + options_.server);
      }
      if (base.host().empty()) {
        return InvalidArgumentError("server URL has no host: " + options_.server);
      }
      tls_ = base.scheme() == "https";
    } catch (const std::exception& e) {
      return InvalidArgumentError("bad server URL \"" + options_.server + "\": " + e.what());
    }
    // Check the PEM material once, so a bad kubeconfig fails at start-up, not per request.
    if (tls_) {
      try {
        boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
        Configure(ctx);
      } catch (const std::exception& e) {
        return InvalidArgumentError(std::string("unusable TLS material: ") + e.what());
      }
    }
    return OkStatus();
  }

  StatusOr<HttpResponse> Do(const HttpRequest& request, CancelToken* cancel) override {
    return Run(request, nullptr, cancel);
  }

  StatusOr<HttpResponse> Stream(const HttpRequest& request, const LineHandler& on_line,
                                CancelToken* cancel) override {
    return Run(request, &on_line, cancel);
  }

 private:
  void Configure(boost::asio::ssl::context& ctx) const {
    if (!options_.ca_pem.empty()) {
      ctx.add_certificate_authority(
          boost::asio::buffer(options_.ca_pem.data(), options_.ca_pem.size()));
    }
    if (!options_.client_cert_pem.empty()) {
      ctx.use_certificate_chain(
          boost::asio::buffer(options_.client_cert_pem.data(), options_.client_cert_pem.size()));
      ctx.use_private_key(
          boost::asio::buffer(options_.client_key_pem.data(), options_.client_key_pem.size()),
          boost::asio::ssl::context::pem);
    }
  }

  // One http_client per distinct timeout (cpprestsdk sets timeouts per client). Clients pool
  // their connections.
  std::shared_ptr<client::http_client> ClientFor(Duration timeout) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
    if (secs < 1) secs = 1;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = clients_.find(secs);
    if (it != clients_.end()) return it->second;
    client::http_client_config cfg;
    cfg.set_timeout(std::chrono::seconds(secs));
    cfg.set_validate_certificates(!options_.insecure_skip_tls_verify);
    if (tls_) {
      TransportOptions opts = options_;
      cfg.set_ssl_context_callback([opts](boost::asio::ssl::context& ctx) {
        try {
          if (!opts.ca_pem.empty()) {
            ctx.add_certificate_authority(boost::asio::buffer(opts.ca_pem.data(), opts.ca_pem.size()));
          }
          if (!opts.client_cert_pem.empty()) {
            ctx.use_certificate_chain(
                boost::asio::buffer(opts.client_cert_pem.data(), opts.client_cert_pem.size()));
            ctx.use_private_key(
                boost::asio::buffer(opts.client_key_pem.data(), opts.client_key_pem.size()),
                boost::asio::ssl::context::pem);
          }
        } catch (...) {
          // Validated in Init(); a failure here surfaces as a handshake error.
        }
      });
    }
    auto c = std::make_shared<client::http_client>(web::uri(options_.server), cfg);
    clients_[secs] = c;
    return c;
  }

  StatusOr<HttpResponse> Run(const HttpRequest& request, const LineHandler* on_line,
                             CancelToken* cancel) {
    if (cancel != nullptr && cancel->cancelled()) return Status(StatusCode::kCancelled, "cancelled");
    pplx::cancellation_token_source cts;
    int cancel_id = -1;
    if (cancel != nullptr) cancel_id = cancel->OnCancel([cts]() mutable { cts.cancel(); });
    struct Unreg {
      CancelToken* c;
      int id;
      ~Unreg() {
        if (c != nullptr) c->Unregister(id);
      }
    } unreg{cancel, cancel_id};

    auto cancelled_or = [&](Status s) -> Status {
      if (cancel != nullptr && cancel->cancelled()) return Status(StatusCode::kCancelled, "cancelled");
      return s;
    };

    HttpResponse out;
    try {
      std::shared_ptr<client::http_client> c = ClientFor(request.timeout);
      http::http_request msg(request.method);
      msg.set_request_uri(web::uri(request.target));
      std::string content_type;
      for (const auto& [k, v] : request.headers) {
        if (Lower(k) == "content-type") {
          content_type = v;
          continue;
        }
        msg.headers().add(k, v);
      }
      if (!request.body.empty() || !content_type.empty()) {
        msg.set_body(request.body, content_type.empty() ? "application/json" : content_type);
      }
      http::http_response resp = c->request(msg, cts.get_token()).get();
      out.status = resp.status_code();
      for (const auto& [k, v] : resp.headers()) out.headers[Lower(k)] = v;
      bool ok2xx = out.status >= 200 && out.status < 300;
      if (on_line == nullptr || !ok2xx) {
        out.body = resp.extract_utf8string(true).get();
        return out;
      }
      concurrency::streams::istream body = resp.body();
      while (true) {
        concurrency::streams::container_buffer<std::string> line;
        size_t n = body.read_line(line).get();
        std::string& text = line.collection();
        if (n == 0 && text.empty()) {
          if (body.is_eof()) break;
          continue;  // an empty line
        }
        if (!text.empty() && text.back() == '\r') text.pop_back();
        if (text.empty()) continue;
        if (!(*on_line)(text)) {
          cts.cancel();  // drop the connection
          break;
        }
        if (cancel != nullptr && cancel->cancelled()) {
          return Status(StatusCode::kCancelled, "cancelled");
        }
      }
      return out;
    } catch (const pplx::task_canceled&) {
      return cancelled_or(UnavailableError("request cancelled"));
    } catch (const http::http_exception& e) {
      std::string what = e.what();
      if (e.error_code() == std::errc::timed_out || what.find("timed out") != std::string::npos) {
        return cancelled_or(UnavailableError(request.method + " " + request.target +
                                             ": timeout: " + what));
      }
      return cancelled_or(UnavailableError(request.method + " " + request.target + ": " + what));
    } catch (const std::exception& e) {
      return cancelled_or(UnavailableError(request.method + " " + request.target + ": " + e.what()));
    } catch (...) {
      return cancelled_or(UnavailableError(request.method + " " + request.target +
                                           ": unknown transport error"));
    }
  }

  const TransportOptions options_;
  bool tls_ = false;
  std::mutex mu_;
  std::map<int64_t, std::shared_ptr<client::http_client>> clients_;  // GUARDED_BY(mu_)
};

}  // namespace

StatusOr<std::unique_ptr<HttpTransport>> NewCpprestTransport(const TransportOptions& options) {
  auto t = std::make_unique<CpprestTransport>(options);
  Status s = t->Init();
  if (!s.ok()) return s;
  return std::unique_ptr<HttpTransport>(std::move(t));
}

}  // namespace fairway::kube
