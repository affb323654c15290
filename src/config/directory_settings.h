// The `directory` part of the settings file (YAML; the same file ParseSchedulerSettings reads):
// Account membership from LDAP groups (controllers/directory_sync.h). Off unless
// `enabled: true`; every other key is optional except those enabled needs (url, baseDN,
// bindSecret, at least one account mapping). An unknown key, a wrong type or an out-of-range
// value is an error naming the key path.
//
//   directory:
//     enabled: false
//     url: ldaps://ldap.example.com        # ldap:// or ldaps:// (space-separated list allowed)
//     caFile: /etc/fairway/ldap/ca.crt      # ldaps: CA bundle; default: the system's
//     bindSecret: fairway-ldap             # Secret in the operator's namespace with keys
//                                          # bindDN and password (absent: anonymous bind)
//     baseDN: ou=groups,dc=example,dc=com
//     groupFilter: (objectClass=posixGroup)
//     groupNameAttribute: cn
//     memberAttribute: memberUid           # memberUid (user names) or member/uniqueMember (DNs:
//                                          # the user is the DN's first value, uid=alice,... ->
//                                          # alice)
//     interval: 300                        # seconds between periodic syncs
//     timeout: 10                          # seconds for connecting and for each LDAP operation
//     accounts:                            # only these Accounts are touched
//       - {group: ml-researchers, account: ml}
//
// Thread-safety: plain value and pure functions.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fairway::config {

struct DirectoryGroupMapping {
  std::string group;    // the LDAP group's groupNameAttribute value
  std::string account;  // the Account whose spec.users it fills
  bool operator==(const DirectoryGroupMapping&) const = default;
};

struct DirectorySettings {
  bool enabled = false;
  std::string url;
  std::string ca_file;
  std::string bind_secret;
  std::string base_dn;
  std::string group_filter = "(objectClass=posixGroup)";
  std::string group_name_attribute = "cn";
  std::string member_attribute = "memberUid";
  std::chrono::seconds interval{300};
  std::chrono::seconds timeout{10};
  std::vector<DirectoryGroupMapping> accounts;
  bool operator==(const DirectorySettings&) const = default;
};

// Parses settings text. Without a `directory` key: the defaults (disabled).
[[nodiscard]] StatusOr<DirectorySettings> ParseDirectorySettings(std::string_view yaml_text);

}  // namespace fairway::config
