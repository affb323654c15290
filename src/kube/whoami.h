// Who the API server says this client is: a SelfSubjectReview (authentication.k8s.io/v1, what
// `kubectl auth whoami` shows). A kubeconfig's user entry is only a local label; this is the
// identity RBAC and admission see.
//
// Thread-safety: as the ApiClient.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "kube/api_client.h"

namespace fairway::kube {

struct AuthenticatedUser {
  std::string username;
  std::string uid;
  std::vector<std::string> groups;
};

// Errors: the client's (kUnavailable, kPermissionDenied, ...), kNotFound when the server does
// not serve SelfSubjectReview (Kubernetes < 1.28 without the beta), kUnavailable for a reply
// without status.userInfo.username.
[[nodiscard]] StatusOr<AuthenticatedUser> WhoAmI(ApiClient& client);

}  // namespace fairway::kube
