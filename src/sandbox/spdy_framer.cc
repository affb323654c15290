#include "sandbox/spdy_framer.h"

#include <utility>

#include "common/status_macros.h"

namespace fairway::sandbox::spdy {
namespace {

constexpr size_t kHeaderSize = 8;
constexpr uint32_t kStreamIdMask = 0x7fffffff;

uint32_t ReadU32(std::string_view bytes, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3]));
}

void AppendU32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

Status Malformed(const std::string& what) {
  return InvalidArgumentError("malformed SPDY frame: " + what);
}

bool NeedsStreamId(FrameType type) {
  return type == FrameType::kData || type == FrameType::kSynStream ||
         type == FrameType::kSynReply || type == FrameType::kRstStream ||
         type == FrameType::kHeaders;
}

// Fills the type-specific fields of a control frame of a known type from its complete payload.
Status ParseControl(FrameType type, std::string_view p, Frame* f) {
  auto exactly = [&](size_t n, const char* name) {
    return p.size() == n ? OkStatus()
                         : Malformed(std::string(name) + " of " + std::to_string(p.size()) +
                                     " bytes, want " + std::to_string(n));
  };
  auto at_least = [&](size_t n, const char* name) {
    return p.size() >= n ? OkStatus()
                         : Malformed(std::string(name) + " of " + std::to_string(p.size()) +
                                     " bytes, want at least " + std::to_string(n));
  };
  switch (type) {
    case FrameType::kSynStream:
      FAIRWAY_RETURN_IF_ERROR(at_least(10, "SYN_STREAM"));
      f->stream_id = ReadU32(p, 0) & kStreamIdMask;
      f->associated_id = ReadU32(p, 4) & kStreamIdMask;
      f->priority = static_cast<uint8_t>(static_cast<uint8_t>(p[8]) >> 5);
      f->payload = std::string(p.substr(10));
      return OkStatus();
    case FrameType::kSynReply:
    case FrameType::kHeaders:
      FAIRWAY_RETURN_IF_ERROR(at_least(4, "SYN_REPLY/HEADERS"));
      f->stream_id = ReadU32(p, 0) & kStreamIdMask;
      f->payload = std::string(p.substr(4));
      return OkStatus();
    case FrameType::kRstStream:
      FAIRWAY_RETURN_IF_ERROR(exactly(8, "RST_STREAM"));
      f->stream_id = ReadU32(p, 0) & kStreamIdMask;
      f->value = ReadU32(p, 4);
      return f->value == 0 ? Malformed("RST_STREAM with status 0") : OkStatus();
    case FrameType::kSettings: {
      FAIRWAY_RETURN_IF_ERROR(at_least(4, "SETTINGS"));
      const uint64_t entries = ReadU32(p, 0);
      if (p.size() != 4 + entries * 8) return Malformed("SETTINGS entry count does not match");
      f->payload = std::string(p.substr(4));
      return OkStatus();
    }
    case FrameType::kPing:
      FAIRWAY_RETURN_IF_ERROR(exactly(4, "PING"));
      f->value = ReadU32(p, 0);
      return OkStatus();
    case FrameType::kGoAway:
      FAIRWAY_RETURN_IF_ERROR(exactly(8, "GOAWAY"));
      f->stream_id = ReadU32(p, 0) & kStreamIdMask;
      f->value = ReadU32(p, 4);
      return OkStatus();
    case FrameType::kWindowUpdate:
      FAIRWAY_RETURN_IF_ERROR(exactly(8, "WINDOW_UPDATE"));
      f->stream_id = ReadU32(p, 0) & kStreamIdMask;
      f->value = ReadU32(p, 4) & kStreamIdMask;
      return OkStatus();
    case FrameType::kData:
      break;
  }
  return OkStatus();
}

bool KnownControlType(uint16_t type) {
  return type == 1 || type == 2 || type == 3 || type == 4 || type == 6 || type == 7 || type == 8 ||
         type == 9;
}

}  // namespace

StatusOr<std::optional<Frame>> FrameReader::Next() {
  for (;;) {
    std::string_view rest = std::string_view(buffer_).substr(offset_);
    if (rest.size() < kHeaderSize) break;
    const uint32_t word0 = ReadU32(rest, 0);
    const uint32_t word1 = ReadU32(rest, 4);
    const uint32_t length = word1 & kMaxPayload;
    if (rest.size() < kHeaderSize + length) break;
    std::string_view payload = rest.substr(kHeaderSize, length);
    offset_ += kHeaderSize + length;
    Frame f;
    f.flags = static_cast<uint8_t>(word1 >> 24);
    if ((word0 & 0x80000000u) == 0) {
      f.type = FrameType::kData;
      f.stream_id = word0 & kStreamIdMask;
      f.payload = std::string(payload);
    } else {
      const uint16_t version = static_cast<uint16_t>((word0 >> 16) & 0x7fff);
      if (version != kVersion) {
        return Malformed("version " + std::to_string(version) + ", this server speaks SPDY/3.1");
      }
      const uint16_t type = static_cast<uint16_t>(word0 & 0xffff);
      if (!KnownControlType(type)) continue;
      f.type = static_cast<FrameType>(type);
      FAIRWAY_RETURN_IF_ERROR(ParseControl(f.type, payload, &f));
    }
    if (NeedsStreamId(f.type) && f.stream_id == 0) return Malformed("stream id 0");
    if (offset_ * 2 >= buffer_.size()) {
      buffer_.erase(0, offset_);
      offset_ = 0;
    }
    return std::optional<Frame>(std::move(f));
  }
  if (offset_ > 0) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return std::optional<Frame>();
}

StatusOr<std::string> SerializeFrame(const Frame& f) {
  if (f.stream_id > kStreamIdMask || f.associated_id > kStreamIdMask) {
    return InvalidArgumentError("SPDY stream ids have 31 bits");
  }
  if (NeedsStreamId(f.type) && f.stream_id == 0) {
    return InvalidArgumentError("SPDY frame needs a stream id");
  }
  std::string body;
  switch (f.type) {
    case FrameType::kData:
      body = f.payload;
      break;
    case FrameType::kSynStream:
      AppendU32(&body, f.stream_id);
      AppendU32(&body, f.associated_id);
      body.push_back(static_cast<char>((f.priority & 0x7) << 5));
      body.push_back('\0');  // credential slot
      body += f.payload;
      break;
    case FrameType::kSynReply:
    case FrameType::kHeaders:
      AppendU32(&body, f.stream_id);
      body += f.payload;
      break;
    case FrameType::kSettings:
      AppendU32(&body, static_cast<uint32_t>(f.payload.size() / 8));
      body += f.payload;
      break;
    case FrameType::kPing:
      AppendU32(&body, f.value);
      break;
    case FrameType::kRstStream:
    case FrameType::kGoAway:
    case FrameType::kWindowUpdate:
      AppendU32(&body, f.stream_id);
      AppendU32(&body, f.value);
      break;
  }
  if (body.size() > kMaxPayload) return InvalidArgumentError("SPDY frame payload over 16 MiB");
  std::string out;
  out.reserve(kHeaderSize + body.size());
  if (f.type == FrameType::kData) {
    AppendU32(&out, f.stream_id);
  } else {
    AppendU32(&out, 0x80000000u | (uint32_t{kVersion} << 16) | static_cast<uint16_t>(f.type));
  }
  AppendU32(&out, (uint32_t{f.flags} << 24) | static_cast<uint32_t>(body.size()));
  out += body;
  return out;
}

}  // namespace fairway::sandbox::spdy
