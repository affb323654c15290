// A connection the HTTP server hands over after a handler answered an upgrade request with
// status 101 and an UpgradeHandler (http_types.h) that is not a WebSocket: the 101 response with
// the handler's headers (Upgrade: SPDY/3.1, ...), then the raw bytes both ways. Each read chunk
// is one OnMessage; each Send is written as it is. Included by http_server.cc only, so Beast
// stays out of other translation units.
//
// Thread-safety: as WebSocketSession: the session runs on its connection's strand; its
// MessageChannel may be used from any thread.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "sandbox/http_types.h"
#include "sandbox/internal/websocket_session.h"

namespace fairway::sandbox::internal {

template <class Stream>
class RawUpgradeSession : public std::enable_shared_from_this<RawUpgradeSession<Stream>> {
 public:
  // `pending` holds bytes the HTTP parser read past the request (the client's first frames).
  RawUpgradeSession(Stream&& stream, std::shared_ptr<UpgradeHandler> handler, StrandPost post,
                    std::string pending)
      : stream_(std::move(stream)),
        handler_(std::move(handler)),
        post_(std::move(post)),
        pending_(std::move(pending)) {}
  ~RawUpgradeSession() {
    if (!finished_) handler_->OnClosed();
  }

  // Writes the 101 response built from `reply` (status and headers), then starts both pumps.
  void Run(const HttpResponse& reply, unsigned version) {
    namespace http = boost::beast::http;
    boost::beast::get_lowest_layer(stream_).expires_never();
    auto res = std::make_shared<http::response<http::empty_body>>(http::status::switching_protocols,
                                                                  version);
    for (const auto& [k, v] : reply.headers) res->insert(k, v);
    http::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res](boost::beast::error_code ec, std::size_t) {
          if (ec) return self->Finish();
          self->handler_->OnOpen(std::make_shared<Channel>(self->weak_from_this(), self->post_));
          if (!self->pending_.empty()) {
            self->handler_->OnMessage(std::exchange(self->pending_, std::string()));
          }
          self->Read();
        });
  }

 private:
  class Channel : public MessageChannel {
   public:
    Channel(std::weak_ptr<RawUpgradeSession> session, StrandPost post)
        : session_(std::move(session)), post_(std::move(post)) {}
    void Send(std::string message) override {
      post_([weak = session_, m = std::move(message)]() mutable {
        if (auto s = weak.lock()) s->Enqueue(std::move(m));
      });
    }
    void Close() override {
      post_([weak = session_] {
        if (auto s = weak.lock()) s->RequestClose();
      });
    }

   private:
    std::weak_ptr<RawUpgradeSession> session_;
    StrandPost post_;
  };

  void Read() {
    stream_.async_read_some(
        boost::asio::buffer(chunk_),
        [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t n) {
          if (ec) return self->Finish();
          self->handler_->OnMessage(std::string(self->chunk_, n));
          self->Read();
        });
  }

  void Enqueue(std::string message) {
    if (finished_ || close_requested_) return;
    queue_.push_back(std::move(message));
    if (queue_.size() == 1) Write();
  }

  void Write() {
    boost::asio::async_write(
        stream_, boost::asio::buffer(queue_.front()),
        [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t) {
          if (ec) return self->Finish();
          self->queue_.pop_front();
          if (!self->queue_.empty()) return self->Write();
          if (self->close_requested_) self->Finish();
        });
  }

  void RequestClose() {
    if (finished_ || close_requested_) return;
    close_requested_ = true;
    if (queue_.empty()) Finish();
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    handler_->OnClosed();
    boost::beast::error_code ec;
    boost::beast::get_lowest_layer(stream_).socket().close(ec);
  }

  Stream stream_;
  std::shared_ptr<UpgradeHandler> handler_;
  StrandPost post_;
  std::string pending_;
  char chunk_[32 * 1024];
  std::deque<std::string> queue_;
  bool close_requested_ = false;
  bool finished_ = false;
};

}  // namespace fairway::sandbox::internal
