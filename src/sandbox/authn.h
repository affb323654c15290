// Authentication of the sandbox API server, after kube-apiserver's authenticator chain:
//
//   1. a TLS client certificate that chained to the client CA (the transport verified it and
//      filled HttpRequest::peer_certificate): user = CN, groups = O entries;
//   2. `Authorization: Bearer TOKEN` looked up in the static token file (--token-auth-file); an
//      unknown token is 401, never anonymous;
//   3. otherwise system:anonymous in group system:unauthenticated.
// Every authenticated user also gets the group system:authenticated (unless it already has it or
// system:unauthenticated), as upstream's AuthenticatedGroupAdder.
//
// Without a token file the sandbox keeps its original single-user behaviour: every request that
// carries no client certificate is the sandbox admin (fairway-sandbox-admin in system:masters),
// whatever Authorization header it sends.
//
// Impersonation (Impersonate-User, Impersonate-Group, Impersonate-Uid, Impersonate-Extra-KEY)
// then replaces the identity when the authenticated user may `impersonate` each part; see
// Impersonate().
//
// Thread-safety: TokenTable and Authenticator are immutable after construction; Impersonate is
// pure apart from the authorize callback.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sandbox/api_error.h"
#include "sandbox/http_types.h"
#include "sandbox/rbac.h"

namespace fairway::sandbox {

inline constexpr char kSandboxAdminUser[] = "fairway-sandbox-admin";

// The identity of every request when no token file is configured.
UserInfo SandboxAdminUser();
// The identity of in-process calls (ApiServer::Call): kube-apiserver's loopback client.
UserInfo LoopbackUser();

// kube-apiserver's --token-auth-file: one `token,user,uid[,"group1,group2"]` CSV record per line.
// Blank lines and lines starting with '#' are skipped; fields may be double-quoted (`""` is a
// quote inside quotes); unquoted fields are trimmed of surrounding blanks.
class TokenTable {
 public:
  struct Entry {
    std::string token;
    UserInfo user;  // groups as listed, without system:authenticated
  };

  // InvalidArgument naming `source` and the line for fewer than 3 columns, an empty token or user
  // name, a duplicate token or an unterminated quote.
  static StatusOr<TokenTable> Parse(std::string_view csv,
                                    const std::string& source = "token auth file");
  // Reads and parses `path`; NotFound when it cannot be read.
  static StatusOr<TokenTable> Load(const std::string& path);

  // The user a token belongs to, or nullptr.
  const UserInfo* Find(const std::string& token) const;
  // Entries in file order.
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
  std::map<std::string, size_t> by_token_;
};

class Authenticator {
 public:
  // `tokens` unset: no authentication configured (see the file comment).
  explicit Authenticator(std::optional<TokenTable> tokens);

  // Who sent `request`; 401 Unauthorized for a bearer token the table does not know.
  Result<UserInfo> Authenticate(const HttpRequest& request) const;
  bool enabled() const { return tokens_.has_value(); }

 private:
  std::optional<TokenTable> tokens_;
};

using AuthorizeFn = std::function<AuthorizationDecision(const AuthorizationAttributes&)>;

// Applies the Impersonate-* headers of `request` to `actor`, as kube-apiserver's impersonation
// filter: each requested part needs verb `impersonate` on users (or serviceaccounts in their
// namespace for system:serviceaccount:NS:NAME), groups, uids.authentication.k8s.io or
// userextras.authentication.k8s.io/KEY, checked with `authorize` for `actor`. A repeated header
// may arrive comma-joined; both forms are split. Returns `actor` when there are no headers,
// 403 (upstream's message shape) when a part is not allowed, 400 for groups/uid/extra without
// Impersonate-User. The impersonated user gets system:authenticated (system:unauthenticated for
// system:anonymous) unless it names one of them, and a service account without explicit groups
// gets system:serviceaccounts and system:serviceaccounts:NS.
Result<UserInfo> Impersonate(const HttpRequest& request, const UserInfo& actor,
                             const AuthorizeFn& authorize);

// {"username":..., "uid":..., "groups":[...], "extra":{...}} as in SelfSubjectReview and
// AdmissionReview userInfo (empty uid and extra omitted).
nlohmann::json UserInfoJson(const UserInfo& user);

}  // namespace fairway::sandbox
