#include "cli/format.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <tuple>

namespace fairway::cli {

StatusOr<std::vector<FormatItem>> ParseFormat(std::string_view text) {
  std::vector<FormatItem> items;
  FormatItem cur;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '%') {
      cur.literal += c;
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '%') {
      cur.literal += '%';
      i += 2;
      continue;
    }
    ++i;
    if (i < text.size() && text[i] == '.') {
      cur.right = true;
      ++i;
    } else if (i < text.size() && text[i] == '-') {
      ++i;
    }
    int width = 0;
    if (i < text.size() && text[i] == '#') {  // as wide as the longest value
      width = -1;
      ++i;
    }
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      width = std::min(std::max(width, 0) * 10 + (text[i] - '0'), 1000);
      ++i;
    }
    if (i >= text.size()) {
      return InvalidArgumentError("invalid format \"" + std::string(text) + "\": dangling '%'");
    }
    cur.code = text[i++];
    cur.width = width;
    items.push_back(cur);
    cur = FormatItem{};
  }
  if (!cur.literal.empty()) items.push_back(cur);
  return items;
}

std::string FormatCell(const FormatItem& item, std::string_view value) {
  if (item.width <= 0) return std::string(value);
  size_t w = static_cast<size_t>(item.width);
  std::string v(value.substr(0, std::min(value.size(), w)));
  std::string pad(w - v.size(), ' ');
  return item.right ? pad + v : v + pad;
}

namespace {
std::string RenderLine(const std::vector<FormatItem>& format, const std::vector<std::string>& vals) {
  std::string line;
  size_t v = 0;
  for (const FormatItem& item : format) {
    line += item.literal;
    if (item.code == 0) continue;
    line += FormatCell(item, v < vals.size() ? vals[v] : "");
    ++v;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line + "\n";
}
}  // namespace

std::string RenderTable(const std::vector<FormatItem>& format,
                        const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows, bool with_header) {
  // Auto-width fields ("%#P") take the width of their longest value or header.
  std::vector<FormatItem> fmt = format;
  size_t v = 0;
  for (FormatItem& item : fmt) {
    if (item.code == 0) continue;
    if (item.width < 0) {
      size_t w = with_header && v < header.size() ? header[v].size() : 0;
      for (const auto& r : rows) {
        if (v < r.size()) w = std::max(w, r[v].size());
      }
      item.width = static_cast<int>(w);
    }
    ++v;
  }
  std::string out;
  if (with_header) out += RenderLine(fmt, header);
  for (const auto& r : rows) out += RenderLine(fmt, r);
  return out;
}

std::string FormatDuration(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  int64_t d = seconds / 86400, h = (seconds / 3600) % 24, m = (seconds / 60) % 60, s = seconds % 60;
  char buf[64];
  if (d > 0) {
    std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:%02lld", static_cast<long long>(d),
                  static_cast<long long>(h), static_cast<long long>(m), static_cast<long long>(s));
  } else if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(s));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(m),
                  static_cast<long long>(s));
  }
  return buf;
}

std::string FormatLimit(std::optional<core::Seconds> limit, std::string_view unlimited) {
  if (!limit.has_value()) return std::string(unlimited);
  return FormatDuration(limit->count());
}

std::string FormatTimestamp(std::optional<core::Timestamp> t) {
  if (!t.has_value()) return "N/A";
  time_t tt = static_cast<time_t>(t->time_since_epoch().count());
  struct tm tm {};
  localtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

std::vector<std::string> SplitList(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    std::string part(text.substr(start, end - start));
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

std::string FormatArrayIndices(const std::vector<uint32_t>& idx) {
  std::string out;
  const size_t n = idx.size();
  if (n == 0) return out;
  // Evenly strided as a whole: span > 10 and more than 5 tasks.
  if (n > 5) {
    uint32_t step = idx[1] - idx[0];
    bool even = step > 1;
    for (size_t i = 2; even && i < n; ++i) even = idx[i] - idx[i - 1] == step;
    if (even && idx.back() - idx.front() > 10) {
      return std::to_string(idx.front()) + "-" + std::to_string(idx.back()) + ":" +
             std::to_string(step);
    }
  }
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j + 1 < n && idx[j + 1] == idx[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(idx[i]);
    if (j > i) out += "-" + std::to_string(idx[j]);
    i = j + 1;
    if (out.size() > 64) break;
  }
  if (out.size() > 64) out = out.substr(0, 61) + "...";
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace fairway::cli
