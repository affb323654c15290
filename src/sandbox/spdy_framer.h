// SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00 §2.2-2.6), the wire format under kubectl
// port-forward: plain after an `Upgrade: SPDY/3.1` (kubectl before 1.31, or with
// KUBECTL_PORT_FORWARD_WEBSOCKETS=false), or carried in WebSocket binary messages under the
// subprotocol SPDY/3.1+portforward.k8s.io (kubectl 1.31+).
//
//   control frame  |1| version(15)=3 | type(16) | flags(8) | length(24) | payload
//   data frame     |0| stream id(31)            | flags(8) | length(24) | data
//
// FrameReader cuts a byte stream (in chunks of any size) into frames and checks each control
// frame's fixed layout; header blocks stay compressed (spdy_headers.h decompresses them, in
// order, with the connection's one zlib stream). SerializeFrame writes the inverse.
//
// Thread-safety: FrameReader is thread-compatible; the functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace fairway::sandbox::spdy {

inline constexpr uint16_t kVersion = 3;

enum class FrameType : uint16_t {
  kData = 0,  // not a control type: the frame's control bit is clear
  kSynStream = 1,
  kSynReply = 2,
  kRstStream = 3,
  kSettings = 4,
  kPing = 6,
  kGoAway = 7,
  kHeaders = 8,
  kWindowUpdate = 9,
};

inline constexpr uint8_t kFlagFin = 0x01;
inline constexpr uint8_t kFlagUnidirectional = 0x02;  // SYN_STREAM only

// RST_STREAM status codes (§2.6.3).
enum class RstStatus : uint32_t {
  kProtocolError = 1,
  kInvalidStream = 2,
  kRefusedStream = 3,
  kUnsupportedVersion = 4,
  kCancel = 5,
  kInternalError = 6,
  kFlowControlError = 7,
  kStreamInUse = 8,
  kStreamAlreadyClosed = 9,
};

// GOAWAY status codes (§2.6.6).
enum class GoAwayStatus : uint32_t { kOk = 0, kProtocolError = 1, kInternalError = 2 };

// One frame, its fields unpacked. Which fields mean something depends on `type`:
//   kData                stream_id, flags (FIN), payload = the data
//   kSynStream           stream_id, associated_id, priority, flags, payload = header block
//   kSynReply, kHeaders  stream_id, flags, payload = header block (compressed)
//   kRstStream           stream_id, value = status
//   kSettings            payload = the entries, uninterpreted (nothing here uses settings)
//   kPing                value = ping id
//   kGoAway              stream_id = last good stream id, value = status
//   kWindowUpdate        stream_id, value = delta window size
struct Frame {
  FrameType type = FrameType::kData;
  uint8_t flags = 0;
  uint32_t stream_id = 0;
  uint32_t associated_id = 0;
  uint8_t priority = 0;  // 0 (highest) to 7
  uint32_t value = 0;
  std::string payload;
};

// The largest payload the 24-bit length field can carry.
inline constexpr uint32_t kMaxPayload = (1u << 24) - 1;

class FrameReader {
 public:
  // Appends bytes read from the connection.
  void Append(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete frame, nullopt when more bytes are needed, or InvalidArgument for a frame
  // that breaks the format (wrong version, a fixed-size frame of another size, a zero stream id
  // where one is required); the connection is unusable after an error. Control frames of a type
  // this reader does not know are skipped, as §2.2.1 asks.
  StatusOr<std::optional<Frame>> Next();
  // Bytes received but not yet returned as frames.
  size_t buffered() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  size_t offset_ = 0;  // start of the first unread frame in buffer_
};

// The wire bytes of `frame` (the inverse of FrameReader). InvalidArgument for a payload over
// kMaxPayload, a stream id over 31 bits, or a zero stream id where one is required.
StatusOr<std::string> SerializeFrame(const Frame& frame);

}  // namespace fairway::sandbox::spdy
