// SPDY/3 header blocks (§2.6.10): a count and length-prefixed name/value pairs,
//
//   | count (32) | name length (32) | name | value length (32) | value | ...
//
// (several values of one name are joined with NUL), zlib-compressed with the dictionary of
// §2.6.10.1. Each direction of a connection is ONE zlib stream across all its header blocks: every
// block is flushed with Z_SYNC_FLUSH and the next continues the same stream, so a HeaderCompressor
// or HeaderDecompressor lives as long as its connection and sees the blocks in wire order.
//
// Thread-safety: thread-compatible (the owner serializes calls).
#pragma once

#include <zlib.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace fairway::sandbox::spdy {

// Name/value pairs in wire order. Names are lower-case on the wire (Go's SPDY reader rejects
// others).
using HeaderBlock = std::vector<std::pair<std::string, std::string>>;

// The value of `name` in `headers` (first match), or "".
std::string HeaderValue(const HeaderBlock& headers, std::string_view name);

// The uncompressed wire form of `headers`, and its inverse. ParseHeaderBlock rejects a block whose
// counts or lengths run past its end, or that has bytes after its last pair.
std::string EncodeHeaderBlock(const HeaderBlock& headers);
StatusOr<HeaderBlock> ParseHeaderBlock(std::string_view raw);

class HeaderCompressor {
 public:
  HeaderCompressor();
  ~HeaderCompressor();
  HeaderCompressor(const HeaderCompressor&) = delete;
  HeaderCompressor& operator=(const HeaderCompressor&) = delete;

  // The compressed block for `headers`, continuing this connection's zlib stream.
  StatusOr<std::string> Compress(const HeaderBlock& headers);

 private:
  z_stream zs_{};
  bool ready_ = false;
};

class HeaderDecompressor {
 public:
  // A block that inflates to more than this is refused (a header bomb, not headers).
  static constexpr size_t kMaxBlock = 256 * 1024;

  HeaderDecompressor();
  ~HeaderDecompressor();
  HeaderDecompressor(const HeaderDecompressor&) = delete;
  HeaderDecompressor& operator=(const HeaderDecompressor&) = delete;

  // The headers of one compressed block. InvalidArgument for data that is not the next part of
  // a zlib stream with the SPDY dictionary, or whose content is not a header block; the stream
  // is then unusable, as the connection is.
  StatusOr<HeaderBlock> Decompress(std::string_view block);

 private:
  z_stream zs_{};
  bool ready_ = false;
};

}  // namespace fairway::sandbox::spdy
