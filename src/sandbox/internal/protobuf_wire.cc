#include "sandbox/internal/protobuf_wire.h"

namespace fairway::sandbox::internal::protobuf {

bool ReadVarint(std::string_view data, size_t* pos, uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*pos >= data.size()) return false;
    uint8_t b = static_cast<uint8_t>(data[(*pos)++]);
    if (shift == 63 && b > 1) return false;  // more than 64 bits
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

bool Reader::Next(Field* field, std::string* error) {
  uint64_t tag = 0;
  if (!ReadVarint(data_, &pos_, &tag)) {
    *error = "truncated or overlong field tag";
    return false;
  }
  uint64_t number = tag >> 3;
  if (number == 0 || number > 0x1fffffff) {
    *error = "invalid field number " + std::to_string(number);
    return false;
  }
  field->number = static_cast<uint32_t>(number);
  field->wire = static_cast<WireType>(tag & 7);
  field->value = 0;
  field->bytes = {};
  switch (field->wire) {
    case WireType::kVarint:
      if (!ReadVarint(data_, &pos_, &field->value)) {
        *error = "truncated varint in field " + std::to_string(number);
        return false;
      }
      return true;
    case WireType::kFixed64:
    case WireType::kFixed32: {
      size_t n = field->wire == WireType::kFixed64 ? 8 : 4;
      if (data_.size() - pos_ < n) {
        *error = "truncated fixed-width value in field " + std::to_string(number);
        return false;
      }
      for (size_t i = 0; i < n; ++i) {
        field->value |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
      }
      pos_ += n;
      return true;
    }
    case WireType::kLen: {
      uint64_t len = 0;
      if (!ReadVarint(data_, &pos_, &len)) {
        *error = "truncated length in field " + std::to_string(number);
        return false;
      }
      if (len > data_.size() - pos_) {
        *error = "length " + std::to_string(len) + " of field " + std::to_string(number) +
                 " runs past the end of the message";
        return false;
      }
      field->bytes = data_.substr(pos_, static_cast<size_t>(len));
      pos_ += static_cast<size_t>(len);
      return true;
    }
    default:
      *error = "unsupported wire type " + std::to_string(static_cast<int>(tag & 7)) + " in field " +
               std::to_string(number);
      return false;
  }
}

void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void AppendTag(uint32_t number, WireType wire, std::string* out) {
  AppendVarint((static_cast<uint64_t>(number) << 3) | static_cast<uint64_t>(wire), out);
}

void AppendLen(uint32_t number, std::string_view payload, std::string* out) {
  AppendTag(number, WireType::kLen, out);
  AppendVarint(payload.size(), out);
  out->append(payload);
}

void AppendVarintField(uint32_t number, uint64_t v, std::string* out) {
  AppendTag(number, WireType::kVarint, out);
  AppendVarint(v, out);
}

}  // namespace fairway::sandbox::internal::protobuf
