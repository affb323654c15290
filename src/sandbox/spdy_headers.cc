#include "sandbox/spdy_headers.h"

#include <array>

namespace fairway::sandbox::spdy {
namespace {

// The zlib dictionary of SPDY/3 §2.6.10.1: these words, each with a 32-bit big-endian length
// before it, then the status lines, dates and media types below as they are.
constexpr std::array<std::string_view, 65> kDictionaryWords = {"options",
                                                               "head",
                                                               "post",
                                                               "put",
                                                               "delete",
                                                               "trace",
                                                               "accept",
                                                               "accept-charset",
                                                               "accept-encoding",
                                                               "accept-language",
                                                               "accept-ranges",
                                                               "age",
                                                               "allow",
                                                               "authorization",
                                                               "cache-control",
                                                               "connection",
                                                               "content-base",
                                                               "content-encoding",
                                                               "content-language",
                                                               "content-length",
                                                               "content-location",
                                                               "content-md5",
                                                               "content-range",
                                                               "content-type",
                                                               "date",
                                                               "etag",
                                                               "expect",
                                                               "expires",
                                                               "from",
                                                               "host",
                                                               "if-match",
                                                               "if-modified-since",
                                                               "if-none-match",
                                                               "if-range",
                                                               "if-unmodified-since",
                                                               "last-modified",
                                                               "location",
                                                               "max-forwards",
                                                               "pragma",
                                                               "proxy-authenticate",
                                                               "proxy-authorization",
                                                               "range",
                                                               "referer",
                                                               "retry-after",
                                                               "server",
                                                               "te",
                                                               "trailer",
                                                               "transfer-encoding",
                                                               "upgrade",
                                                               "user-agent",
                                                               "vary",
                                                               "via",
                                                               "warning",
                                                               "www-authenticate",
                                                               "method",
                                                               "get",
                                                               "status",
                                                               "200 OK",
                                                               "version",
                                                               "HTTP/1.1",
                                                               "url",
                                                               "public",
                                                               "set-cookie",
                                                               "keep-alive",
                                                               "origin"};
constexpr std::string_view kDictionaryTail =
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request"
    "401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented"
    "503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 "
    "Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,"
    "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age="
    "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

void AppendU32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

const std::string& Dictionary() {
  static const std::string dict = [] {
    std::string d;
    for (std::string_view w : kDictionaryWords) {
      AppendU32(&d, static_cast<uint32_t>(w.size()));
      d += w;
    }
    d += kDictionaryTail;
    return d;
  }();
  return dict;
}

uint32_t ReadU32(std::string_view bytes, size_t at) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + at);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

const Bytef* DictionaryBytes() { return reinterpret_cast<const Bytef*>(Dictionary().data()); }

Status Malformed(const std::string& what) {
  return InvalidArgumentError("malformed SPDY header block: " + what);
}

// Reads a 32-bit length-prefixed string at *at, advancing it.
bool ReadString(std::string_view raw, size_t* at, std::string* out) {
  if (raw.size() - *at < 4) return false;
  const uint64_t n = ReadU32(raw, *at);
  *at += 4;
  if (raw.size() - *at < n) return false;
  out->assign(raw.substr(*at, n));
  *at += n;
  return true;
}

}  // namespace

std::string HeaderValue(const HeaderBlock& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

std::string EncodeHeaderBlock(const HeaderBlock& headers) {
  std::string out;
  AppendU32(&out, static_cast<uint32_t>(headers.size()));
  for (const auto& [name, value] : headers) {
    AppendU32(&out, static_cast<uint32_t>(name.size()));
    out += name;
    AppendU32(&out, static_cast<uint32_t>(value.size()));
    out += value;
  }
  return out;
}

StatusOr<HeaderBlock> ParseHeaderBlock(std::string_view raw) {
  if (raw.size() < 4) return Malformed("no pair count");
  const uint64_t count = ReadU32(raw, 0);
  size_t at = 4;
  // Each pair takes at least 8 bytes: a count beyond that is a lie, refused before allocating.
  if (count > (raw.size() - at) / 8) return Malformed("pair count past the end");
  HeaderBlock out;
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::string name;
    std::string value;
    if (!ReadString(raw, &at, &name) || !ReadString(raw, &at, &value)) {
      return Malformed("pair " + std::to_string(i) + " runs past the end");
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  if (at != raw.size()) return Malformed("bytes after the last pair");
  return out;
}

HeaderCompressor::HeaderCompressor() {
  ready_ =
      deflateInit(&zs_, Z_BEST_COMPRESSION) == Z_OK &&
      deflateSetDictionary(&zs_, DictionaryBytes(), static_cast<uInt>(Dictionary().size())) == Z_OK;
}

HeaderCompressor::~HeaderCompressor() { deflateEnd(&zs_); }

StatusOr<std::string> HeaderCompressor::Compress(const HeaderBlock& headers) {
  if (!ready_) return InternalError("SPDY header compressor failed to initialize");
  std::string in = EncodeHeaderBlock(headers);
  std::string out;
  zs_.next_in = reinterpret_cast<Bytef*>(in.data());
  zs_.avail_in = static_cast<uInt>(in.size());
  char chunk[4096];
  do {
    zs_.next_out = reinterpret_cast<Bytef*>(chunk);
    zs_.avail_out = sizeof(chunk);
    if (deflate(&zs_, Z_SYNC_FLUSH) == Z_STREAM_ERROR) {
      ready_ = false;
      return InternalError("SPDY header compression failed");
    }
    out.append(chunk, sizeof(chunk) - zs_.avail_out);
  } while (zs_.avail_out == 0);
  return out;
}

HeaderDecompressor::HeaderDecompressor() { ready_ = inflateInit(&zs_) == Z_OK; }

HeaderDecompressor::~HeaderDecompressor() { inflateEnd(&zs_); }

StatusOr<HeaderBlock> HeaderDecompressor::Decompress(std::string_view block) {
  if (!ready_) return Malformed("the connection's header stream already failed");
  std::string raw;
  zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
  zs_.avail_in = static_cast<uInt>(block.size());
  char chunk[4096];
  for (;;) {
    zs_.next_out = reinterpret_cast<Bytef*>(chunk);
    zs_.avail_out = sizeof(chunk);
    int rc = inflate(&zs_, Z_SYNC_FLUSH);
    if (rc == Z_NEED_DICT) {
      rc = inflateSetDictionary(&zs_, DictionaryBytes(), static_cast<uInt>(Dictionary().size()));
    }
    raw.append(chunk, sizeof(chunk) - zs_.avail_out);
    if (rc == Z_BUF_ERROR) break;  // no progress possible: the input ended mid-block
    // Z_STREAM_END too is an error: a SPDY header stream is never finished.
    if (rc != Z_OK || raw.size() > kMaxBlock) {
      ready_ = false;
      return Malformed(raw.size() > kMaxBlock
                           ? "inflates past 256 KiB"
                           : "not the connection's zlib stream (" +
                                 std::string(zs_.msg ? zs_.msg : "bad data") + ")");
    }
    if (zs_.avail_in == 0 && zs_.avail_out != 0) break;
  }
  if (zs_.avail_in > 0) {
    ready_ = false;
    return Malformed("truncated");
  }
  return ParseHeaderBlock(raw);
}

}  // namespace fairway::sandbox::spdy
