#include "kube/whoami.h"

namespace fairway::kube {

StatusOr<AuthenticatedUser> WhoAmI(ApiClient& client) {
  const ResourceRef reviews{"authentication.k8s.io", "v1", "selfsubjectreviews", false};
  const json review = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}};
  StatusOr<json> reply = client.Create(reviews, "", review);
  if (!reply.ok()) {
    return Status(reply.status().code(), "SelfSubjectReview: " + reply.status().message());
  }
  const json* info = &*reply;
  for (const char* key : {"status", "userInfo"}) {
    info = info->is_object() && info->contains(key) ? &(*info)[key] : nullptr;
    if (info == nullptr) return UnavailableError("SelfSubjectReview reply has no status.userInfo");
  }
  AuthenticatedUser user;
  if (!info->is_object() || !info->contains("username") || !(*info)["username"].is_string()) {
    return UnavailableError("SelfSubjectReview reply has no status.userInfo.username");
  }
  user.username = (*info)["username"].get<std::string>();
  if (auto uid = info->find("uid"); uid != info->end() && uid->is_string()) {
    user.uid = uid->get<std::string>();
  }
  if (auto groups = info->find("groups"); groups != info->end() && groups->is_array()) {
    for (const json& g : *groups) {
      if (g.is_string()) user.groups.push_back(g.get<std::string>());
    }
  }
  return user;
}

}  // namespace fairway::kube
