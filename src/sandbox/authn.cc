#include "sandbox/authn.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "sandbox/internal/request.h"
#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

constexpr std::string_view kBlanks = " \t";

std::string_view Trim(std::string_view s) {
  size_t start = s.find_first_not_of(kBlanks);
  if (start == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kBlanks);
  return s.substr(start, end - start + 1);
}

// Splits one CSV record (RFC 4180 quoting, no line breaks inside quotes). Returns an error
// message, empty on success.
std::string SplitCsvRecord(std::string_view line, std::vector<std::string>* fields) {
  size_t i = 0;
  while (true) {
    while (i < line.size() && kBlanks.find(line[i]) != std::string_view::npos) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      size_t open = i++;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          field.push_back('"');
          i += 2;
        } else if (line[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          field.push_back(line[i++]);
        }
      }
      if (!closed) return "unterminated quote at column " + std::to_string(open + 1);
      while (i < line.size() && kBlanks.find(line[i]) != std::string_view::npos) ++i;
      if (i < line.size() && line[i] != ',') {
        return "unexpected text after a closing quote at column " + std::to_string(i + 1);
      }
    } else {
      size_t comma = line.find(',', i);
      std::string_view raw =
          line.substr(i, comma == std::string_view::npos ? line.npos : comma - i);
      if (raw.find('"') != std::string_view::npos) {
        return "a quote inside an unquoted field at column " + std::to_string(i + 1);
      }
      field = std::string(Trim(raw));
      i = comma == std::string_view::npos ? line.size() : comma;
    }
    fields->push_back(std::move(field));
    if (i >= line.size()) return {};
    ++i;  // the comma
  }
}

// Splits a comma-separated list, trimming blanks and dropping empty items.
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item =
        Trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

// upstream AuthenticatedGroupAdder.
void AddAuthenticatedGroup(UserInfo* user) {
  if (HasGroup(*user, kAllAuthenticated) || HasGroup(*user, kAllUnauthenticated)) return;
  user->groups.push_back(kAllAuthenticated);
}

UserInfo Anonymous() { return UserInfo{kAnonymousUser, "", {kAllUnauthenticated}, {}}; }

// The token of an `Authorization: Bearer TOKEN` header, or "" (not a bearer credential).
std::string BearerToken(const HttpRequest& request) {
  std::string auth(Trim(request.Header("authorization")));
  size_t space = auth.find(' ');
  if (space == std::string::npos || internal::ToLower(auth.substr(0, space)) != "bearer") return {};
  std::string rest = auth.substr(space + 1);
  return rest.substr(0, rest.find(' '));
}

// "system:serviceaccount:NS:NAME" -> {NS, NAME}.
std::optional<std::pair<std::string, std::string>> SplitServiceAccount(const std::string& user) {
  constexpr std::string_view kPrefix = "system:serviceaccount:";
  if (!internal::StartsWith(user, kPrefix)) return std::nullopt;
  std::string rest = user.substr(kPrefix.size());
  size_t colon = rest.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size() ||
      rest.find(':', colon + 1) != std::string::npos) {
    return std::nullopt;
  }
  return std::make_pair(rest.substr(0, colon), rest.substr(colon + 1));
}

AuthorizationAttributes ImpersonateAttributes(const UserInfo& actor, const std::string& group,
                                              const std::string& resource,
                                              const std::string& name) {
  AuthorizationAttributes a;
  a.user = actor;
  a.verb = "impersonate";
  a.api_group = group;
  a.api_version = "v1";
  a.resource = resource;
  a.name = name;
  return a;
}

// What the Impersonate-* headers ask for.
struct ImpersonationRequest {
  std::string user;
  std::vector<std::string> groups;
  std::string uid;
  std::map<std::string, std::vector<std::string>> extra;
};

ImpersonationRequest ParseImpersonation(const HttpRequest& request) {
  ImpersonationRequest r;
  r.user = std::string(Trim(request.Header("impersonate-user")));
  r.groups = SplitList(request.Header("impersonate-group"));
  r.uid = std::string(Trim(request.Header("impersonate-uid")));
  constexpr std::string_view kExtra = "impersonate-extra-";
  for (const auto& [name, value] : request.headers) {
    if (!internal::StartsWith(name, kExtra)) continue;
    // Keys are percent-encoded in header names (upstream unescapeExtraKey).
    std::string key = internal::UrlDecode(name.substr(kExtra.size()), false);
    r.extra[key] = SplitList(value);
  }
  return r;
}

// The authorization checks an impersonation request needs, in upstream's order.
std::vector<AuthorizationAttributes> ImpersonationChecks(const ImpersonationRequest& r,
                                                         const UserInfo& actor) {
  std::vector<AuthorizationAttributes> checks;
  if (auto sa = SplitServiceAccount(r.user)) {
    AuthorizationAttributes a = ImpersonateAttributes(actor, "", "serviceaccounts", sa->second);
    a.ns = sa->first;
    checks.push_back(std::move(a));
  } else {
    checks.push_back(ImpersonateAttributes(actor, "", "users", r.user));
  }
  for (const std::string& g : r.groups) {
    checks.push_back(ImpersonateAttributes(actor, "", "groups", g));
  }
  for (const auto& [key, values] : r.extra) {
    for (const std::string& v : values) {
      AuthorizationAttributes a =
          ImpersonateAttributes(actor, "authentication.k8s.io", "userextras", v);
      a.subresource = key;
      checks.push_back(std::move(a));
    }
  }
  if (!r.uid.empty()) {
    checks.push_back(ImpersonateAttributes(actor, "authentication.k8s.io", "uids", r.uid));
  }
  return checks;
}

}  // namespace

UserInfo SandboxAdminUser() {
  return UserInfo{kSandboxAdminUser, "", {kSystemMasters, kAllAuthenticated}, {}};
}

UserInfo LoopbackUser() {
  return UserInfo{"system:apiserver", "", {kSystemMasters, kAllAuthenticated}, {}};
}

StatusOr<TokenTable> TokenTable::Parse(std::string_view csv, const std::string& source) {
  TokenTable table;
  size_t line_no = 0;
  size_t start = 0;
  while (start < csv.size()) {
    size_t nl = csv.find('\n', start);
    std::string_view line = csv.substr(start, nl == std::string_view::npos ? csv.npos : nl - start);
    start = nl == std::string_view::npos ? csv.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    auto fail = [&](const std::string& why) {
      return InvalidArgumentError(source + " line " + std::to_string(line_no) + ": " + why);
    };
    std::vector<std::string> fields;
    if (std::string err = SplitCsvRecord(line, &fields); !err.empty()) return fail(err);
    if (fields.size() < 3) {
      return fail("expected at least 3 columns (token, user name, user uid), found " +
                  std::to_string(fields.size()));
    }
    if (fields[0].empty()) return fail("empty token");
    if (fields[1].empty()) return fail("empty user name");
    if (auto dup = table.by_token_.find(fields[0]); dup != table.by_token_.end()) {
      return fail("duplicate token (first used on the record for user \"" +
                  table.entries_[dup->second].user.username + "\")");
    }
    Entry e{fields[0], UserInfo{fields[1], fields[2], {}, {}}};
    if (fields.size() >= 4) e.user.groups = SplitList(fields[3]);
    table.by_token_[e.token] = table.entries_.size();
    table.entries_.push_back(std::move(e));
  }
  return table;
}

StatusOr<TokenTable> TokenTable::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read token auth file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), "token auth file " + path);
}

const UserInfo* TokenTable::Find(const std::string& token) const {
  auto it = by_token_.find(token);
  return it == by_token_.end() ? nullptr : &entries_[it->second].user;
}

Authenticator::Authenticator(std::optional<TokenTable> tokens) : tokens_(std::move(tokens)) {}

Result<UserInfo> Authenticator::Authenticate(const HttpRequest& request) const {
  if (request.peer_certificate && !request.peer_certificate->common_name.empty()) {
    UserInfo user{
        request.peer_certificate->common_name, "", request.peer_certificate->organizations, {}};
    AddAuthenticatedGroup(&user);
    return user;
  }
  if (!tokens_) return SandboxAdminUser();
  std::string token = BearerToken(request);
  if (token.empty()) return Anonymous();
  const UserInfo* found = tokens_->Find(token);
  if (found == nullptr) return Unauthorized();
  UserInfo user = *found;
  AddAuthenticatedGroup(&user);
  return user;
}

Result<UserInfo> Impersonate(const HttpRequest& request, const UserInfo& actor,
                             const AuthorizeFn& authorize) {
  ImpersonationRequest r = ParseImpersonation(request);
  if (r.user.empty()) {
    if (!r.groups.empty() || !r.uid.empty() || !r.extra.empty()) {
      return BadRequest(
          "requested impersonation of groups, uid or extra fields without "
          "impersonating a user (Impersonate-User)");
    }
    return actor;
  }
  for (const AuthorizationAttributes& check : ImpersonationChecks(r, actor)) {
    AuthorizationDecision d = authorize(check);
    if (!d.allowed) return ForbiddenError(check, d.reason);
  }
  UserInfo user{r.user, r.uid, r.groups, r.extra};
  if (auto sa = SplitServiceAccount(r.user); sa && r.groups.empty()) {
    user.groups = {"system:serviceaccounts", "system:serviceaccounts:" + sa->first};
  }
  if (user.username == kAnonymousUser) {
    if (!HasGroup(user, kAllUnauthenticated)) user.groups.push_back(kAllUnauthenticated);
  } else {
    AddAuthenticatedGroup(&user);
  }
  return user;
}

json UserInfoJson(const UserInfo& user) {
  json j = {{"username", user.username}, {"groups", user.groups}};
  if (!user.uid.empty()) j["uid"] = user.uid;
  if (!user.extra.empty()) j["extra"] = user.extra;
  return j;
}

}  // namespace fairway::sandbox
