#include "sandbox/internal/access_reviews.h"

#include "sandbox/authn.h"
#include "sandbox/internal/util.h"

namespace fairway::sandbox::internal {
namespace {

using nlohmann::json;

// The request body with the served apiVersion/kind and upstream's empty metadata.
json Echo(const ResourceInfo& info, const json& body) {
  json out = body.is_object() ? body : json::object();
  out["apiVersion"] = info.GroupVersion();
  out["kind"] = info.kind;
  out["metadata"] = {{"creationTimestamp", nullptr}};
  return out;
}

// spec.resourceAttributes or spec.nonResourceAttributes as authorizer attributes.
Result<AuthorizationAttributes> SpecAttributes(const ResourceInfo& info, const json& spec,
                                               UserInfo user) {
  const json* resource = GetPath(spec, {"resourceAttributes"});
  const json* non_resource = GetPath(spec, {"nonResourceAttributes"});
  bool has_resource = resource != nullptr && resource->is_object();
  bool has_non_resource = non_resource != nullptr && non_resource->is_object();
  if (has_resource == has_non_resource) {
    return Invalid(
        info.kind, info.group, "",
        {InvalidCause(has_resource ? "spec.nonResourceAttributes" : "spec.resourceAttributes",
                      nullptr,
                      "exactly one of nonResourceAttributes or resourceAttributes "
                      "must be specified")});
  }
  AuthorizationAttributes a;
  a.user = std::move(user);
  if (has_resource) {
    a.verb = GetString(*resource, {"verb"});
    a.api_group = GetString(*resource, {"group"});
    a.api_version = GetString(*resource, {"version"});
    a.resource = GetString(*resource, {"resource"});
    a.subresource = GetString(*resource, {"subresource"});
    a.name = GetString(*resource, {"name"});
    a.ns = GetString(*resource, {"namespace"});
  } else {
    a.resource_request = false;
    a.verb = GetString(*non_resource, {"verb"});
    a.path = GetString(*non_resource, {"path"});
  }
  return a;
}

// spec.user, groups, uid and extra of a SubjectAccessReview.
Result<UserInfo> SpecUser(const ResourceInfo& info, const json& spec) {
  UserInfo u;
  u.username = GetString(spec, {"user"});
  u.uid = GetString(spec, {"uid"});
  u.groups = GetStrings(spec, "groups");
  if (const json* extra = GetPath(spec, {"extra"}); extra != nullptr && extra->is_object()) {
    for (auto it = extra->begin(); it != extra->end(); ++it) {
      u.extra[it.key()] = GetStrings(*extra, it.key());
    }
  }
  if (u.username.empty() && u.groups.empty()) {
    return Invalid(
        info.kind, info.group, "",
        {InvalidCause("spec.user", "", "at least one of user or group must be specified")});
  }
  return u;
}

Result<json> AccessReview(const ResourceInfo& info, const json& body, const UserInfo& requester,
                          const Authorizer& authorizer) {
  json spec = body.is_object() ? body.value("spec", json::object()) : json::object();
  UserInfo subject = requester;
  if (info.plural == "subjectaccessreviews") {
    SANDBOX_ASSIGN_OR_RETURN(subject, SpecUser(info, spec));
  }
  SANDBOX_ASSIGN_OR_RETURN(AuthorizationAttributes attrs, SpecAttributes(info, spec, subject));
  AuthorizationDecision d = authorizer.Authorize(attrs);
  json out = Echo(info, body);
  out["status"] = {{"allowed", d.allowed}};
  if (!d.reason.empty()) out["status"]["reason"] = d.reason;
  return out;
}

json RulesReview(const ResourceInfo& info, const json& body, const UserInfo& requester,
                 const Authorizer& authorizer) {
  std::string ns = GetString(body, {"spec", "namespace"});
  SubjectRules rules = authorizer.Rules(requester, ns);
  json out = Echo(info, body);
  out["status"] = {{"resourceRules", rules.resource_rules},
                   {"nonResourceRules", rules.non_resource_rules},
                   {"incomplete", !rules.evaluation_error.empty()}};
  if (!rules.evaluation_error.empty()) out["status"]["evaluationError"] = rules.evaluation_error;
  return out;
}

}  // namespace

bool IsReviewResource(const ResourceInfo& info) {
  if (info.group == "authentication.k8s.io") return info.plural == "selfsubjectreviews";
  return info.group == "authorization.k8s.io" &&
         (info.plural == "selfsubjectaccessreviews" || info.plural == "subjectaccessreviews" ||
          info.plural == "selfsubjectrulesreviews");
}

Result<json> AnswerReview(const ResourceInfo& info, const json& body, const UserInfo& requester,
                          const Authorizer& authorizer, WallTime now) {
  if (info.plural == "selfsubjectreviews") {
    json out = Echo(info, body);
    out.erase("spec");
    out["metadata"] = {{"creationTimestamp", FormatTime(now)}};
    out["status"] = {{"userInfo", UserInfoJson(requester)}};
    return out;
  }
  if (info.plural == "selfsubjectrulesreviews")
    return RulesReview(info, body, requester, authorizer);
  return AccessReview(info, body, requester, authorizer);
}

}  // namespace fairway::sandbox::internal
