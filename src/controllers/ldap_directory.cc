#include "controllers/ldap_directory.h"

#include <ldap.h>
#include <sys/time.h>

#include <memory>
#include <vector>

#include "common/status_macros.h"

namespace fairway::controllers {
namespace {

struct LdapCloser {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
struct MessageFreer {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
using LdapPtr = std::unique_ptr<LDAP, LdapCloser>;
using MessagePtr = std::unique_ptr<LDAPMessage, MessageFreer>;

// libldap's own explanation of the last error (a TLS failure's reason, say), when it has one.
std::string Diagnostic(LDAP* ld) {
  char* text = nullptr;
  if (ld == nullptr || ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &text) != LDAP_SUCCESS ||
      text == nullptr) {
    return "";
  }
  std::string out = text[0] != '\0' ? std::string(": ") + text : "";
  ldap_memfree(text);
  return out;
}

Status LdapError(int rc, const std::string& what, LDAP* ld) {
  const std::string message =
      what + ": " + ldap_err2string(rc) + " (" + std::to_string(rc) + ")" + Diagnostic(ld);
  switch (rc) {
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_UNWILLING_TO_PERFORM:
    case LDAP_STRONG_AUTH_REQUIRED:
      return UnauthenticatedError(message);
    case LDAP_INSUFFICIENT_ACCESS:
      return PermissionDeniedError(message);
    case LDAP_NO_SUCH_OBJECT:
      return NotFoundError(message);
    case LDAP_FILTER_ERROR:
    case LDAP_INVALID_DN_SYNTAX:
    case LDAP_PARAM_ERROR:
      return InvalidArgumentError(message);
    case LDAP_SIZELIMIT_EXCEEDED:
      return FailedPreconditionError(message +
                                     " (raise the server's size limit or narrow groupFilter)");
    default:  // server down, connect error, timeouts, TLS failures, busy
      return UnavailableError(message);
  }
}

StatusOr<LdapPtr> Connect(const LdapQuery& q) {
  LDAP* raw = nullptr;
  if (int rc = ldap_initialize(&raw, q.url.c_str()); rc != LDAP_SUCCESS) {
    return InvalidArgumentError("LDAP url " + q.url + ": " + ldap_err2string(rc));
  }
  LdapPtr ld(raw);
  const int version = LDAP_VERSION3;
  const struct timeval timeout = {static_cast<time_t>(q.timeout.count()), 0};
  ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld.get(), LDAP_OPT_NETWORK_TIMEOUT, &timeout);
  ldap_set_option(ld.get(), LDAP_OPT_TIMEOUT, &timeout);
  ldap_set_option(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  if (!q.ca_file.empty()) {
    const int demand = LDAP_OPT_X_TLS_DEMAND;
    const int new_context = 0;
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_CACERTFILE, q.ca_file.c_str());
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    // The TLS options apply to a context made after they are set.
    ldap_set_option(ld.get(), LDAP_OPT_X_TLS_NEWCTX, &new_context);
  }
  return ld;
}

Status Bind(LDAP* ld, const LdapCredentials& c) {
  struct berval password = {static_cast<ber_len_t>(c.password.size()),
                            const_cast<char*>(c.password.data())};
  int rc = ldap_sasl_bind_s(ld, c.bind_dn.empty() ? nullptr : c.bind_dn.c_str(), LDAP_SASL_SIMPLE,
                            &password, nullptr, nullptr, nullptr);
  if (rc != LDAP_SUCCESS) {
    return LdapError(rc, "LDAP bind as " + (c.bind_dn.empty() ? "anonymous" : c.bind_dn), ld);
  }
  return OkStatus();
}

std::vector<std::string> Values(LDAP* ld, LDAPMessage* entry, const std::string& attribute) {
  std::vector<std::string> out;
  struct berval** values = ldap_get_values_len(ld, entry, attribute.c_str());
  if (values == nullptr) return out;
  for (int i = 0; values[i] != nullptr; ++i) out.emplace_back(values[i]->bv_val, values[i]->bv_len);
  ldap_value_free_len(values);
  return out;
}

StatusOr<GroupMembers> Collect(LDAP* ld, LDAPMessage* result, const LdapQuery& q) {
  GroupMembers groups;
  const bool is_dn = q.member_attribute != "memberUid";
  for (LDAPMessage* e = ldap_first_entry(ld, result); e != nullptr; e = ldap_next_entry(ld, e)) {
    for (const std::string& name : Values(ld, e, q.group_name_attribute)) {
      std::set<std::string>& members = groups[name];
      for (const std::string& value : Values(ld, e, q.member_attribute)) {
        FAIRWAY_ASSIGN_OR_RETURN(std::string user, UserFromMemberValue(value, is_dn));
        members.insert(std::move(user));
      }
    }
  }
  return groups;
}

}  // namespace

StatusOr<std::string> UserFromMemberValue(std::string_view value, bool is_dn) {
  if (!is_dn) return std::string(value);
  LDAPDN dn = nullptr;
  const std::string text(value);
  if (ldap_str2dn(text.c_str(), &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || dn == nullptr ||
      dn[0] == nullptr || dn[0][0] == nullptr) {
    if (dn != nullptr) ldap_dnfree(dn);
    return InvalidArgumentError("member \"" + text + "\" is not a DN");
  }
  std::string user(dn[0][0]->la_value.bv_val, dn[0][0]->la_value.bv_len);
  ldap_dnfree(dn);
  return user;
}

StatusOr<GroupMembers> LdapGroupDirectory::ReadGroups(const LdapCredentials& credentials) {
  FAIRWAY_ASSIGN_OR_RETURN(LdapPtr ld, Connect(query_));
  FAIRWAY_RETURN_IF_ERROR(Bind(ld.get(), credentials));
  std::string name_attribute = query_.group_name_attribute;
  std::string member_attribute = query_.member_attribute;
  char* attributes[] = {name_attribute.data(), member_attribute.data(), nullptr};
  struct timeval timeout = {static_cast<time_t>(query_.timeout.count()), 0};
  LDAPMessage* raw = nullptr;
  int rc = ldap_search_ext_s(ld.get(), query_.base_dn.c_str(), LDAP_SCOPE_SUBTREE,
                             query_.group_filter.c_str(), attributes, 0, nullptr, nullptr, &timeout,
                             LDAP_NO_LIMIT, &raw);
  MessagePtr result(raw);
  if (rc != LDAP_SUCCESS) {
    return LdapError(rc, "LDAP search under " + query_.base_dn + " for " + query_.group_filter,
                     ld.get());
  }
  return Collect(ld.get(), result.get(), query_);
}

}  // namespace fairway::controllers
