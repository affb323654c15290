#include "api/hostlist.h"

#include <algorithm>
#include <cstdint>
#include <tuple>

namespace fairway::api {
namespace {

struct HostName {
  std::string prefix;
  std::string digits;  // empty: no numeric suffix
  uint64_t number = 0;
};

HostName Split(const std::string& name) {
  size_t end = name.size();
  size_t begin = end;
  while (begin > 0 && name[begin - 1] >= '0' && name[begin - 1] <= '9') --begin;
  // Keep suffixes short enough to parse exactly; longer digit runs stay part of the prefix.
  if (end - begin > 18) begin = end;
  HostName h;
  h.prefix = name.substr(0, begin);
  h.digits = name.substr(begin);
  for (char c : h.digits) h.number = h.number * 10 + static_cast<uint64_t>(c - '0');
  return h;
}

bool Padded(const std::string& digits) { return digits.size() > 1 && digits[0] == '0'; }

// Whether `b` may follow `a` in one range: consecutive, and widths agree (equal, or neither
// zero-padded).
bool Extends(const HostName& a, const HostName& b) {
  if (b.number != a.number + 1) return false;
  if (a.digits.size() == b.digits.size()) return true;
  return !Padded(a.digits) && !Padded(b.digits);
}

}  // namespace

std::string CompressHostList(const std::vector<std::string>& names) {
  std::vector<HostName> hosts;
  hosts.reserve(names.size());
  for (const std::string& n : names) hosts.push_back(Split(n));
  std::sort(hosts.begin(), hosts.end(), [](const HostName& a, const HostName& b) {
    return std::tie(a.prefix, a.number, a.digits) < std::tie(b.prefix, b.number, b.digits);
  });
  hosts.erase(std::unique(hosts.begin(), hosts.end(),
                          [](const HostName& a, const HostName& b) {
                            return a.prefix == b.prefix && a.digits == b.digits;
                          }),
              hosts.end());
  std::string out;
  size_t i = 0;
  while (i < hosts.size()) {
    if (!out.empty()) out += ',';
    const HostName& first = hosts[i];
    if (first.digits.empty()) {
      out += first.prefix;
      ++i;
      continue;
    }
    // All names of this prefix with a numeric suffix.
    size_t j = i;
    while (j < hosts.size() && hosts[j].prefix == first.prefix && !hosts[j].digits.empty()) ++j;
    if (j - i == 1) {
      out += first.prefix + first.digits;
      i = j;
      continue;
    }
    out += first.prefix + '[';
    size_t k = i;
    bool first_range = true;
    while (k < j) {
      size_t end = k;
      while (end + 1 < j && Extends(hosts[end], hosts[end + 1])) ++end;
      if (!first_range) out += ',';
      first_range = false;
      out += hosts[k].digits;
      if (end > k) out += '-' + hosts[end].digits;
      k = end + 1;
    }
    out += ']';
    i = j;
  }
  return out;
}

}  // namespace fairway::api
