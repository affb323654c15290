// Group membership read from an LDAP server (OpenLDAP's libldap): the source the directory sync
// (directory_sync.h) turns into Account members. One ReadGroups call is one connection: connect
// (ldap:// or ldaps://, the settings' timeout), simple bind (anonymous without a bind DN), one
// subtree search for the group filter, unbind. Partial answers are errors, never a shorter
// member list: a sync must not remove members because a search was cut short.
//
// Errors (STYLE.md §4): bad credentials or a refused bind -> kUnauthenticated; server down,
// unreachable, TLS handshake failure, timeouts -> kUnavailable; no such base DN -> kNotFound;
// a bad filter or DN -> kInvalidArgument; a size limit hit -> kFailedPrecondition. Messages
// carry libldap's text and code ("Invalid credentials (49)").
//
// Thread-safety: ReadGroups may be called from any thread (each call has its own connection).
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "common/status.h"

namespace fairway::controllers {

struct LdapQuery {
  std::string url;      // ldap://host:port or ldaps://host:port
  std::string ca_file;  // ldaps: CA bundle; empty = the system's
  std::string base_dn;
  std::string group_filter = "(objectClass=posixGroup)";
  std::string group_name_attribute = "cn";
  // memberUid holds user names; any other attribute (member, uniqueMember) holds DNs.
  std::string member_attribute = "memberUid";
  std::chrono::seconds timeout{10};
};

struct LdapCredentials {
  std::string bind_dn;  // empty: anonymous
  std::string password;
};

// Group name -> its members' user names.
using GroupMembers = std::map<std::string, std::set<std::string>>;

// Where group membership comes from (an interface so the sync can be driven by a fake too).
class GroupDirectory {
 public:
  virtual ~GroupDirectory() = default;
  virtual StatusOr<GroupMembers> ReadGroups(const LdapCredentials& credentials) = 0;
};

class LdapGroupDirectory : public GroupDirectory {
 public:
  explicit LdapGroupDirectory(LdapQuery query) : query_(std::move(query)) {}
  StatusOr<GroupMembers> ReadGroups(const LdapCredentials& credentials) override;

 private:
  const LdapQuery query_;
};

// A member value as a user name: memberUid values as they are; a DN's first RDN value
// ("uid=alice,ou=people,dc=example,dc=org" -> "alice"). Errors: a DN that does not parse.
[[nodiscard]] StatusOr<std::string> UserFromMemberValue(std::string_view value, bool is_dn);

}  // namespace fairway::controllers
