// The server side of a SPDY/3.1 connection as Kubernetes streaming uses it (moby/spdystream
// under client-go): the client opens streams (SYN_STREAM, odd ids, increasing) carrying headers,
// the server accepts each with a SYN_REPLY or refuses it with RST_STREAM, and both sides send
// DATA and half-close with FIN. PINGs from the client are echoed (kubectl pings every 5-10 s).
//
// Flow control: spdystream neither sends WINDOW_UPDATE nor honours windows, so this session
// does not either; WINDOW_UPDATE and SETTINGS are read and ignored.
//
// A protocol error (a malformed frame, a header block that does not inflate, a stream id that
// is even or goes backwards) is answered with GOAWAY PROTOCOL_ERROR and returned from Receive:
// the connection is over.
//
// Thread-safety: Receive is called by one thread at a time (the connection's reader) and calls
// the delegate on it; SendData and Reset may be called from any thread. Frames are handed to
// the writer under the session's lock, so they go out in the order they were made.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "common/status.h"
#include "sandbox/spdy_framer.h"
#include "sandbox/spdy_headers.h"

namespace fairway::sandbox::spdy {

class Session {
 public:
  class Delegate {
   public:
    virtual ~Delegate() = default;
    // Whether to accept a stream the client opens with `headers`: OK, or the reason to refuse
    // it (RST_STREAM REFUSED_STREAM).
    virtual Status CheckStream(const HeaderBlock& headers) = 0;
    // An accepted stream, after its SYN_REPLY went out: the delegate may send on it at once.
    virtual void OnStreamOpened(uint32_t id, const HeaderBlock& headers) = 0;
    virtual void OnStreamData(uint32_t id, std::string data) = 0;
    // The client sends no more on `id`: FIN, or RST_STREAM (`reset`), after which the server
    // must not send on it either.
    virtual void OnStreamFinished(uint32_t id, bool reset) = 0;
  };
  // Sends bytes to the client; must not block long (called under the session's lock).
  using Writer = std::function<void(std::string bytes)>;

  // `delegate` must outlive the session.
  Session(Delegate* delegate, Writer writer);

  // Feeds bytes read from the client, in order, in chunks of any size.
  Status Receive(std::string_view bytes);

  // Sends `data` on stream `id`, with FIN when `fin` (the server sends no more on it). A no-op
  // on a stream that is unknown, reset, or already finished by the server.
  void SendData(uint32_t id, std::string_view data, bool fin);
  // Ends stream `id` abruptly.
  void Reset(uint32_t id, RstStatus status);

  // Streams open in either direction (for tests).
  size_t open_streams() const;

 private:
  struct StreamState {
    bool remote_done = false;  // the client sent FIN
    bool local_done = false;   // the server sent FIN
  };

  Status Dispatch(Frame frame);
  Status OnSynStream(const Frame& frame);
  void OnData(const Frame& frame);
  Status ProtocolError(const Status& why);
  void WriteLocked(const Frame& frame) FAIRWAY_REQUIRES(mu_);
  void ForgetIfDoneLocked(uint32_t id) FAIRWAY_REQUIRES(mu_);

  Delegate* const delegate_;
  const Writer writer_;
  FrameReader reader_;               // Receive's thread only
  HeaderDecompressor decompressor_;  // Receive's thread only
  uint32_t last_client_stream_ = 0;  // Receive's thread only
  bool failed_ = false;              // Receive's thread only

  mutable Mutex mu_;
  HeaderCompressor compressor_ FAIRWAY_GUARDED_BY(mu_);
  std::map<uint32_t, StreamState> streams_ FAIRWAY_GUARDED_BY(mu_);
};

}  // namespace fairway::sandbox::spdy
