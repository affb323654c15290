#include "core/types.h"

#include <cstdio>

namespace fairway::core {
namespace {

// A run of 1 to 9 decimal digits (enough for any field of a duration), else nullopt.
std::optional<int64_t> ParseDigits(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string FormatSlurmDuration(Seconds d) {
  int64_t total = d.count();
  bool negative = total < 0;
  if (negative) total = -total;
  int64_t days = total / 86400;
  int64_t hours = (total / 3600) % 24;
  int64_t minutes = (total / 60) % 60;
  int64_t seconds = total % 60;
  char buf[64];
  if (days > 0) {
    std::snprintf(buf, sizeof(buf), "%lld-%02lld:%02lld:%02lld", static_cast<long long>(days),
                  static_cast<long long>(hours), static_cast<long long>(minutes),
                  static_cast<long long>(seconds));
  } else if (hours > 0) {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", static_cast<long long>(hours),
                  static_cast<long long>(minutes), static_cast<long long>(seconds));
  } else {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld", static_cast<long long>(minutes),
                  static_cast<long long>(seconds));
  }
  return negative ? std::string("-") + buf : std::string(buf);
}

std::optional<Seconds> ParseSlurmDuration(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  int64_t days = 0;
  if (size_t dash = text.find('-'); dash != std::string_view::npos) {
    std::optional<int64_t> d = ParseDigits(text.substr(0, dash));
    if (!d.has_value()) return std::nullopt;
    days = *d;
    text.remove_prefix(dash + 1);
  }
  // [H:]M:S fields, each run of digits; with days, all three.
  int64_t fields[3] = {0, 0, 0};
  int count = 0;
  while (true) {
    size_t colon = text.find(':');
    if (count == 3) return std::nullopt;
    std::optional<int64_t> v = ParseDigits(text.substr(0, colon));
    if (!v.has_value()) return std::nullopt;
    fields[count++] = *v;
    if (colon == std::string_view::npos) break;
    text.remove_prefix(colon + 1);
  }
  if (count < 2 || (days > 0 && count != 3)) return std::nullopt;
  const int64_t hours = count == 3 ? fields[0] : 0;
  const int64_t minutes = fields[count - 2];
  const int64_t seconds = fields[count - 1];
  const Seconds total(((days * 24 + hours) * 60 + minutes) * 60 + seconds);
  return negative ? -total : total;
}

}  // namespace fairway::core
