#include "sandbox/internal/request.h"

#include <cctype>

namespace fairway::sandbox::internal {

std::string UrlDecode(const std::string& s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void SplitTarget(const std::string& target, std::string* path, Query* query) {
  size_t q = target.find('?');
  *path = UrlDecode(target.substr(0, q), false);
  query->clear();
  if (q == std::string::npos) return;
  std::string qs = target.substr(q + 1);
  size_t start = 0;
  while (start <= qs.size()) {
    size_t amp = qs.find('&', start);
    std::string part = qs.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string k = UrlDecode(part.substr(0, eq), true);
      std::string v = eq == std::string::npos ? "" : UrlDecode(part.substr(eq + 1), true);
      query->emplace(k, v);  // a repeated parameter keeps its first value, as Go's url.Values.Get
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> segs;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) segs.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segs;
}

bool ParseResourcePath(const std::vector<std::string>& segs, ResourcePath* out) {
  size_t i = 0;
  if (segs.size() >= 3 && segs[0] == "api") {
    out->group = "";
    out->version = segs[1];
    i = 2;
  } else if (segs.size() >= 4 && segs[0] == "apis") {
    out->group = segs[1];
    out->version = segs[2];
    i = 3;
  } else {
    return false;
  }
  std::vector<std::string> rest(segs.begin() + static_cast<long>(i), segs.end());
  if (!rest.empty() && rest[0] == "watch") {
    out->watch_prefix = true;
    rest.erase(rest.begin());
  }
  if (rest.empty()) return false;
  if (rest[0] == "namespaces" && rest.size() > 1) {
    out->ns = rest[1];
    if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") {
      rest.erase(rest.begin(), rest.begin() + 2);
    } else {
      // The namespace object itself: /namespaces/NS[/status].
      out->resource = "namespaces";
      out->name = rest[1];
      out->ns.clear();
      if (rest.size() > 2) out->subresource = rest[2];
      return rest.size() <= 3;
    }
  }
  out->resource = rest[0];
  if (rest.size() > 1) out->name = rest[1];
  if (rest.size() > 2) out->subresource = rest[2];
  return rest.size() <= 3;
}

}  // namespace fairway::sandbox::internal
