// The review APIs kubectl's `auth` commands use, answered from the requester's identity and
// RBAC and never stored (as kube-apiserver's authentication.k8s.io and authorization.k8s.io
// registries):
//   selfsubjectreviews (authentication.k8s.io v1, v1beta1, v1alpha1)   kubectl auth whoami
//   selfsubjectaccessreviews (authorization.k8s.io/v1)                  kubectl auth can-i
//   selfsubjectrulesreviews                                            kubectl auth can-i --list
//   subjectaccessreviews: the same question for spec.user/groups (creating one needs RBAC
//   permission on subjectaccessreviews, checked like any create).
//
// Thread-safety: pure apart from the Authorizer, which is thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "sandbox/api_error.h"
#include "sandbox/http_types.h"
#include "sandbox/rbac.h"
#include "sandbox/resource_registry.h"

namespace fairway::sandbox::internal {

// True for the resources above.
bool IsReviewResource(const ResourceInfo& info);

// The reply object (status filled in) to a POST of `body` on review resource `info` by
// `requester`; 422 Invalid for a spec that asks nothing.
Result<nlohmann::json> AnswerReview(const ResourceInfo& info, const nlohmann::json& body,
                                    const UserInfo& requester, const Authorizer& authorizer,
                                    WallTime now);

}  // namespace fairway::sandbox::internal
