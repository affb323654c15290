#include "core/types.h"

#include <cstdio>

namespace fairway::core {

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

}  // namespace fairway::core
