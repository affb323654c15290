#include "sim/internal/text.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace fairway::sim::internal {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

}  // namespace

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool ParseDouble(std::string_view token, double* value) {
  if (!token.empty() && token.front() == '+') {
    token.remove_prefix(1);
  }
  if (token.empty()) {
    return false;
  }
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data(), end, *value);
  return ec == std::errc() && ptr == end && std::isfinite(*value);
}

bool ParseInt64(std::string_view token, int64_t* value) {
  double d = 0;
  if (!ParseDouble(token, &d)) {
    return false;
  }
  // Integers up to 2^53 are exact in a double; beyond that the trace value is not trustworthy.
  if (d != std::floor(d) || std::fabs(d) > 9007199254740992.0) {
    return false;
  }
  *value = static_cast<int64_t>(d);
  return true;
}

std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (true) {
    const size_t comma = line.find(',', pos);
    if (comma == std::string_view::npos) {
      fields.push_back(Trim(line.substr(pos)));
      break;
    }
    fields.push_back(Trim(line.substr(pos, comma - pos)));
    pos = comma + 1;
  }
  return fields;
}

}  // namespace fairway::sim::internal
