#include "webhook/identity.h"

#include <algorithm>

#include "api/common_types.h"

namespace fairway::webhook {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool AnyIn(const std::vector<std::string>& values, const std::vector<std::string>& list) {
  return std::any_of(values.begin(), values.end(),
                     [&](const std::string& v) { return Contains(list, v); });
}

}  // namespace

bool IsAdmin(const UserInfo& user, const config::AdmissionSettings& settings) {
  return (!user.username.empty() && Contains(settings.admin_users, user.username)) ||
         AnyIn(user.groups, settings.admin_groups);
}

bool IsClusterCleanup(const UserInfo& user) {
  static const std::vector<std::string> kCleanup = {
      "system:serviceaccount:kube-system:namespace-controller",
      "system:serviceaccount:kube-system:generic-garbage-collector",
      "system:kube-controller-manager",
  };
  return Contains(kCleanup, user.username);
}

std::vector<std::string> StampedGroups(const UserInfo& user) {
  std::vector<std::string> out;
  for (const std::string& g : user.groups) {
    if (api::json_fields::IsValidSubjectName(g)) out.push_back(g);
  }
  return out;
}

bool AccountListsUser(const api::AccountSpec& account, const std::string& user,
                      const std::vector<std::string>& groups) {
  return (!user.empty() && Contains(account.users, user)) || AnyIn(groups, account.groups);
}

bool IsAccountMember(const api::AccountSpec& account, const std::string& user,
                     const std::vector<std::string>& groups) {
  if (account.users.empty() && account.groups.empty()) return true;
  return AccountListsUser(account, user, groups);
}

}  // namespace fairway::webhook
