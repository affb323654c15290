#include "api/quantity.h"

#include <array>
#include <charconv>
#include <optional>
#include <string>

#include "api/internal/parse_util.h"

namespace fairway::api {
namespace {

using internal::IsDigit;
using internal::Quote;

constexpr size_t kMaxQuantityLength = 128;
constexpr int kMaxExponent = 1000;

constexpr std::string_view kAcceptedForms =
    "accepted forms: a non-negative number such as 2, 1.5 or .5, optionally followed by one "
    "suffix: Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E, or an exponent e<N>/E<N>";

Status QuantityError(std::string_view what_kind, std::string_view text, std::string_view what) {
  return InvalidArgumentError("invalid " + std::string(what_kind) + " quantity " + Quote(text) +
                              ": " + std::string(what) + " (" + std::string(kAcceptedForms) + ")");
}

struct Suffix {
  std::string_view name;
  int exp10;
  int exp2;
};
constexpr std::array<Suffix, 15> kSuffixes = {{
    {"Ki", 0, 10},
    {"Mi", 0, 20},
    {"Gi", 0, 30},
    {"Ti", 0, 40},
    {"Pi", 0, 50},
    {"Ei", 0, 60},
    {"n", -9, 0},
    {"u", -6, 0},
    {"m", -3, 0},
    {"k", 3, 0},
    {"M", 6, 0},
    {"G", 9, 0},
    {"T", 12, 0},
    {"P", 15, 0},
    {"E", 18, 0},
}};

// Multiplies a decimal digit string (most significant first) by 2^exp2, exp2 <= 60.
std::string MultiplyByPowerOfTwo(const std::string& digits, int exp2) {
  const unsigned __int128 m = static_cast<unsigned __int128>(1) << exp2;
  std::string out(digits.size() + 20, '0');
  unsigned __int128 carry = 0;
  size_t o = out.size();
  for (size_t i = digits.size(); i-- > 0;) {
    carry += static_cast<unsigned __int128>(digits[i] - '0') * m;
    out[--o] = static_cast<char>('0' + static_cast<int>(carry % 10));
    carry /= 10;
  }
  while (carry > 0) {
    out[--o] = static_cast<char>('0' + static_cast<int>(carry % 10));
    carry /= 10;
  }
  size_t first = out.find_first_not_of('0');
  return first == std::string::npos ? std::string() : out.substr(first);
}

// ceil(value * 10^scale10) as int64, for value written in Kubernetes quantity syntax.
StatusOr<int64_t> ParseScaled(std::string_view what_kind, std::string_view raw, int scale10) {
  std::string_view text = internal::TrimSpace(raw);
  if (text.empty()) {
    return QuantityError(what_kind, raw, "empty");
  }
  if (text.size() > kMaxQuantityLength) {
    return QuantityError(what_kind, raw, "longer than 128 characters");
  }
  size_t pos = 0;
  if (text[0] == '-') {
    return QuantityError(what_kind, raw, "negative quantities are not allowed");
  }
  if (text[0] == '+') {
    ++pos;
  }
  // Mantissa: DIGITS[.DIGITS], DIGITS., or .DIGITS.
  std::string digits;
  int frac_digits = 0;
  bool seen_dot = false;
  size_t mantissa_start = pos;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (IsDigit(c)) {
      digits += c;
      if (seen_dot) {
        ++frac_digits;
      }
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      break;
    }
  }
  if (digits.empty()) {
    return QuantityError(what_kind, raw,
                         pos == mantissa_start ? "missing number" : "no digits in the number");
  }

  // Suffix.
  std::string_view suffix = text.substr(pos);
  int exp10 = 0;
  int exp2 = 0;
  bool known = suffix.empty();
  for (const Suffix& s : kSuffixes) {
    if (suffix == s.name) {
      exp10 = s.exp10;
      exp2 = s.exp2;
      known = true;
      break;
    }
  }
  if (!known && suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    std::string_view exp_text = suffix.substr(1);
    bool negative = false;
    if (exp_text.front() == '+' || exp_text.front() == '-') {
      negative = exp_text.front() == '-';
      exp_text.remove_prefix(1);
    }
    if (!internal::AllDigits(exp_text)) {
      return QuantityError(what_kind, raw, "exponent " + Quote(suffix) + " is not an integer");
    }
    std::optional<uint64_t> e = internal::ParseDigits(exp_text);
    if (!e || *e > static_cast<uint64_t>(kMaxExponent)) {
      return QuantityError(what_kind, raw, "exponent out of range (-1000 to 1000)");
    }
    exp10 = negative ? -static_cast<int>(*e) : static_cast<int>(*e);
    known = true;
  }
  if (!known) {
    if (suffix == "K") {
      return QuantityError(what_kind, raw, "unknown suffix \"K\" (use k for 1000 or Ki for 1024)");
    }
    return QuantityError(what_kind, raw, "unknown suffix " + Quote(suffix));
  }

  // value = digits * 2^exp2 * 10^(exp10 + scale10 - frac_digits), rounded up.
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    return int64_t{0};
  }
  digits.erase(0, first);
  if (exp2 > 0) {
    digits = MultiplyByPowerOfTwo(digits, exp2);
  }
  const int64_t shift = static_cast<int64_t>(exp10) + scale10 - frac_digits;
  const Status too_large = QuantityError(what_kind, raw, "value is too large");
  std::string int_part;
  bool round_up = false;
  if (shift >= 0) {
    if (static_cast<int64_t>(digits.size()) + shift > 19) {
      return too_large;
    }
    int_part = digits + std::string(static_cast<size_t>(shift), '0');
  } else {
    const size_t k = static_cast<size_t>(-shift);
    if (digits.size() <= k) {
      return int64_t{1};  // 0 < value < 1: round up
    }
    int_part = digits.substr(0, digits.size() - k);
    round_up = digits.find_first_not_of('0', digits.size() - k) != std::string::npos;
    if (int_part.size() > 19) {
      return too_large;
    }
  }
  std::optional<uint64_t> v = internal::ParseDigits(int_part);
  if (!v || *v > static_cast<uint64_t>(INT64_MAX) ||
      (round_up && *v == static_cast<uint64_t>(INT64_MAX))) {
    return too_large;
  }
  return static_cast<int64_t>(*v) + (round_up ? 1 : 0);
}

}  // namespace

StatusOr<int64_t> ParseCpuMillis(std::string_view text) { return ParseScaled("cpu", text, 3); }

StatusOr<int64_t> ParseMemoryBytes(std::string_view text) { return ParseScaled("memory", text, 0); }

std::string FormatCpuMillis(int64_t millis) {
  if (millis % 1000 == 0) {
    return std::to_string(millis / 1000);
  }
  return std::to_string(millis) + "m";
}

std::string FormatMemoryBytes(int64_t bytes) {
  if (bytes == 0) {
    return "0";
  }
  static constexpr std::array<std::string_view, 6> kBinary = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  static constexpr std::array<std::string_view, 6> kDecimal = {"k", "M", "G", "T", "P", "E"};
  for (int i = static_cast<int>(kBinary.size()); i-- > 0;) {
    int64_t unit = int64_t{1} << (10 * (i + 1));
    if (bytes % unit == 0) {
      return std::to_string(bytes / unit) + std::string(kBinary[static_cast<size_t>(i)]);
    }
  }
  int64_t unit = 1'000'000'000'000'000'000;
  for (int i = static_cast<int>(kDecimal.size()); i-- > 0; unit /= 1000) {
    if (bytes % unit == 0) {
      return std::to_string(bytes / unit) + std::string(kDecimal[static_cast<size_t>(i)]);
    }
  }
  return std::to_string(bytes);
}

}  // namespace fairway::api
