// Small lexical helpers shared by the Slurm-style parsers in src/api (private to the module).
//
// All functions are pure, never throw, and never read past the string_view they are given.
//
// Thread-safety: stateless free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fairway::api::internal {

// True for ' ', '\t', '\n', '\r', '\f', '\v'. Locale-independent.
inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsLowerAlpha(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsAlpha(char c) { return IsLowerAlpha(c) || (c >= 'A' && c <= 'Z'); }
inline char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// `text` without leading and trailing ASCII whitespace.
std::string_view TrimSpace(std::string_view text);

// True if every character of `text` is a decimal digit and `text` is not empty.
bool AllDigits(std::string_view text);

// ASCII case-insensitive equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Parses a non-empty string of decimal digits (no sign, no spaces, no "0x") into a uint64.
// Returns nullopt if `text` is empty, holds a non-digit, or the value does not fit.
std::optional<uint64_t> ParseDigits(std::string_view text);

// Overflow-checked arithmetic on signed 64-bit values; nullopt on overflow.
std::optional<int64_t> CheckedAdd(int64_t a, int64_t b);
std::optional<int64_t> CheckedMul(int64_t a, int64_t b);

// Renders `text` for an error message: quoted, at most 64 characters, with control and non-ASCII
// bytes escaped as \xNN so a hostile input cannot corrupt logs or events.
std::string Quote(std::string_view text);

}  // namespace fairway::api::internal
