// Who may do what (DESIGN.md "Identity is what the API server authenticated"): admins, job
// owners and account members, decided from the authenticated UserInfo of the request and never
// from anything a client wrote into an object.
//
//   admin          userInfo.username is in admission.adminUsers, or one of userInfo.groups is in
//                  admission.adminGroups (Slurm's root / SlurmUser / operators). Admins may act
//                  on any job, submit on behalf of a user and write Accounts, Partitions, QoS.
//   owner          userInfo.username == the job's spec.user.
//   account member the user is listed in the Account's spec.users, or one of the user's groups is
//                  in its spec.groups; an Account listing neither admits anyone (README: "An
//                  account that lists neither users nor groups admits any user").
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "api/account_types.h"
#include "config/admission_settings.h"
#include "webhook/admission_review.h"

namespace fairway::webhook {

bool IsAdmin(const UserInfo& user, const config::AdmissionSettings& settings);

// True for the kube-controller-manager identities that delete objects on the cluster's behalf:
// the namespace controller (deleting a namespace deletes its Jobs) and the garbage collector
// (owner references), with per-controller service accounts or the shared
// system:kube-controller-manager user. Refusing them would leave namespaces stuck in
// Terminating, so they may delete any Job. Only kube-system service accounts and the
// controller-manager's own credential carry these names.
bool IsClusterCleanup(const UserInfo& user);

// The groups stamped into a Job's spec.groups: userInfo.groups that are valid subject names
// (api::json_fields::IsValidSubjectName), in order. The others (with whitespace or ',') could
// never match an Account's or Partition's groups, which accept only such names, and would make
// the Job fail to decode.
std::vector<std::string> StampedGroups(const UserInfo& user);

// True if `user` (with `groups`) may submit jobs under `account`.
bool IsAccountMember(const api::AccountSpec& account, const std::string& user,
                     const std::vector<std::string>& groups);

// True if the Account names the user explicitly: in spec.users, or through one of `groups` in
// spec.groups. Unlike IsAccountMember, an Account that lists nobody names nobody.
bool AccountListsUser(const api::AccountSpec& account, const std::string& user,
                      const std::vector<std::string>& groups);

}  // namespace fairway::webhook
