// A WebSocket connection the HTTP server hands over after a handler answered an upgrade request
// with an UpgradeHandler (http_types.h): the handshake with the handler's subprotocol, a read
// loop feeding it messages, and a write queue behind its MessageChannel. Included by
// http_server.cc only, so Beast stays out of other translation units.
//
// Keep-alive pings (Beast's suggested server timeouts) keep an idle interactive session open as
// long as the client answers them.
//
// Thread-safety: the session runs on its connection's strand; its MessageChannel may be used from
// any thread (Send and Close post to the strand through `post`, which drops work once the server
// stops).
#pragma once

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "sandbox/http_types.h"

namespace fairway::sandbox::internal {

// Runs `fn` on the connection's strand unless the server stopped.
using StrandPost = std::function<void(std::function<void()> fn)>;

template <class Stream>
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  WebSocketSession(Stream&& stream, std::shared_ptr<UpgradeHandler> handler, StrandPost post)
      : ws_(std::move(stream)), handler_(std::move(handler)), post_(std::move(post)) {}
  ~WebSocketSession() {
    if (!finished_) handler_->OnClosed();
  }

  void Run(const boost::beast::http::request<boost::beast::http::string_body>& req) {
    namespace websocket = boost::beast::websocket;
    boost::beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(boost::beast::role_type::server));
    std::string protocol = handler_->subprotocol();
    ws_.set_option(websocket::stream_base::decorator([protocol](websocket::response_type& res) {
      res.set(boost::beast::http::field::sec_websocket_protocol, protocol);
    }));
    ws_.binary(true);
    ws_.async_accept(req, [self = this->shared_from_this()](boost::beast::error_code ec) {
      if (ec) return self->Finish();
      self->handler_->OnOpen(std::make_shared<Channel>(self->weak_from_this(), self->post_));
      self->Read();
    });
  }

 private:
  class Channel : public MessageChannel {
   public:
    Channel(std::weak_ptr<WebSocketSession> session, StrandPost post)
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
    std::weak_ptr<WebSocketSession> session_;
    StrandPost post_;
  };

  void Read() {
    ws_.async_read(
        buffer_, [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t) {
          if (ec) return self->Finish();
          self->handler_->OnMessage(boost::beast::buffers_to_string(self->buffer_.data()));
          self->buffer_.consume(self->buffer_.size());
          self->Read();
        });
  }

  void Enqueue(std::string message) {
    if (finished_ || close_requested_) return;
    queue_.push_back(std::move(message));
    if (queue_.size() == 1) Write();
  }

  void Write() {
    ws_.async_write(boost::asio::buffer(queue_.front()),
                    [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t) {
                      if (ec) return self->Finish();
                      self->queue_.pop_front();
                      if (!self->queue_.empty()) return self->Write();
                      if (self->close_requested_) self->DoClose();
                    });
  }

  void RequestClose() {
    if (finished_ || close_requested_) return;
    close_requested_ = true;
    if (queue_.empty()) DoClose();
  }

  void DoClose() {
    ws_.async_close(
        boost::beast::websocket::close_code::normal,
        [self = this->shared_from_this()](boost::beast::error_code) { self->Finish(); });
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    handler_->OnClosed();
    boost::beast::error_code ec;
    boost::beast::get_lowest_layer(ws_).socket().close(ec);
  }

  boost::beast::websocket::stream<Stream> ws_;
  std::shared_ptr<UpgradeHandler> handler_;
  StrandPost post_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool close_requested_ = false;
  bool finished_ = false;
};

}  // namespace fairway::sandbox::internal
