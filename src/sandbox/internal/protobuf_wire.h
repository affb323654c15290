// The protobuf wire format, as far as Kubernetes request bodies need it: base-128 varints,
// length-delimited fields (strings, bytes, embedded messages, packed or map entries), and
// fixed32/fixed64 values (read so they can be skipped). Groups (wire types 3 and 4, deprecated)
// are rejected. Decoding never reads past its input and reports every malformed field with a
// message; fuzz/protobuf_fuzz.cc checks both. The Kubernetes envelope and the per-kind schemas
// on top of it are protobuf.h's.
//
// Thread-safety: a Reader is used by one thread; the free functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fairway::sandbox::internal::protobuf {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLen = 2,
  kStartGroup = 3,  // deprecated groups: rejected
  kEndGroup = 4,
  kFixed32 = 5,
};

struct Field {
  uint32_t number = 0;
  WireType wire = WireType::kVarint;
  uint64_t value = 0;      // kVarint, kFixed64, kFixed32
  std::string_view bytes;  // kLen: the payload (a view into the reader's input)
};

// Reads a base-128 varint at data[*pos], advancing *pos; false when truncated or longer than
// 10 bytes.
bool ReadVarint(std::string_view data, size_t* pos, uint64_t* out);

// Sequential reader over the fields of one message. The input must outlive the reader and the
// Fields it returns.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }
  // Reads the next field; on malformed input returns false and sets *error.
  bool Next(Field* field, std::string* error);

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Appends wire-format encodings (for tests and for building envelopes).
void AppendVarint(uint64_t v, std::string* out);
void AppendTag(uint32_t number, WireType wire, std::string* out);
void AppendLen(uint32_t number, std::string_view payload, std::string* out);
void AppendVarintField(uint32_t number, uint64_t v, std::string* out);

}  // namespace fairway::sandbox::internal::protobuf
