#include "sandbox/internal/quantity.h"

#include <cctype>
#include <cmath>
#include <map>
#include <string>

namespace fairway::sandbox::internal {

std::optional<long double> ParseQuantity(const nlohmann::json& value) {
  if (value.is_number()) return value.get<long double>();
  if (!value.is_string()) return std::nullopt;
  const std::string s = value.get<std::string>();
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits_start = i;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == digits_start) return std::nullopt;
  long double number = 0;
  try {
    number = std::stold(s.substr(0, i));
  } catch (...) {
    return std::nullopt;
  }
  std::string suffix = s.substr(i);
  static const std::map<std::string, long double> kSuffix = {
      {"", 1.0L},          {"m", 1e-3L},  {"u", 1e-6L},  {"n", 1e-9L},
      {"k", 1e3L},         {"M", 1e6L},   {"G", 1e9L},   {"T", 1e12L},
      {"P", 1e15L},        {"E", 1e18L},  {"Ki", 1024.0L}, {"Mi", 1048576.0L},
      {"Gi", 1073741824.0L}, {"Ti", 1099511627776.0L}, {"Pi", 1125899906842624.0L},
      {"Ei", 1152921504606846976.0L}};
  auto it = kSuffix.find(suffix);
  if (it != kSuffix.end()) return number * it->second;
  if (!suffix.empty() && (suffix[0] == 'e' || suffix[0] == 'E')) {
    try {
      size_t used = 0;
      int exp = std::stoi(suffix.substr(1), &used);
      if (used + 1 != suffix.size()) return std::nullopt;
      return number * std::pow(10.0L, exp);
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace fairway::sandbox::internal
