// The `Account` custom resource (fairway.dev/v1alpha1, cluster-scoped;
// crds/fairway.dev_accounts.yaml): one node of the fair-share tree with its members and limits
// (slurm-semantics.md §2, §8). C++ types, JSON codec with validation, conversion into
// core::Account.
//
// Members: `users: [alice, bob]` lists the user associations (1 share each); `userShares:
// {alice: 2, bob: parent}` overrides a listed user's raw shares, "parent" being Slurm's
// FairShare=parent. `groups` adds every user of those groups with the default share.
// `userLimits: {alice: {maxJobs: 1, maxSubmitJobs: 4, grpGPUs: 2}}` gives a listed user limits
// of its own (Slurm's user association MaxJobs, MaxSubmitJobs, GrpTRES=gres/gpu), which replace
// the account's maxJobsPerUser, maxSubmitJobsPerUser and maxGPUsPerUser for that user only.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/common_types.h"
#include "api/object_meta.h"
#include "common/status.h"
#include "core/model.h"

namespace fairway::api {

inline constexpr std::string_view kAccountKind = "Account";
// Largest raw share count (Slurm keeps shares in 32 bits).
inline constexpr int64_t kMaxShares = 0x7fffffff;

// A value of spec.userShares: a share count, or "parent".
struct UserShares {
  int64_t shares = 1;
  bool parent = false;  // FairShare=parent: use the account's shares and usage

  bool operator==(const UserShares&) const = default;
};

// A value of spec.userLimits: one user association's own limits (core::UserLimits); absent or
// -1 = the account's per-user limit applies.
struct UserLimitsSpec {
  std::optional<int64_t> max_jobs;
  std::optional<int64_t> max_submit_jobs;
  std::optional<int64_t> grp_gpus;

  bool operator==(const UserLimitsSpec&) const = default;
};

struct AccountSpec {
  std::string parent;  // empty = directly below the implicit root
  int64_t shares = 1;  // raw shares among siblings
  std::vector<std::string> users;
  std::map<std::string, UserShares> user_shares;      // keys must be in `users`
  std::map<std::string, UserLimitsSpec> user_limits;  // keys must be in `users`
  std::vector<std::string> groups;
  // Users whose default account this is (Slurm's per-user DefaultAccount): admission fills an
  // empty spec.account with it. A user may be named by at most one Account (checked at
  // admission).
  std::vector<std::string> default_for;
  LimitsSpec limits;
  std::string default_qos;
  std::vector<std::string> allowed_qos;  // empty = any

  bool operator==(const AccountSpec&) const = default;
};

// Fair-share state the operator persists (sshare). Usage is decayed GPU-billing seconds.
//
// The usage checkpoint (controllers/accounting.h has the invariant): userUsage as of
// lastDecayTime, with `charged` (run "<jobID>.<restarts>" -> the time its pods are charged
// through) and `chargedHorizon` (runs without an entry are charged from then on). userUsage is
// the account's own usage, per user; rawUsage (its subtree) is derived from every account's.
struct AccountStatus {
  double raw_usage = 0;                           // the account's subtree
  std::map<std::string, double> user_usage;       // per user association of this account
  double effective_usage = 0;                     // EffectvUsage
  double normalized_shares = 0;                   // NormShares
  double fair_share_factor = 0;                   // FairShare (of the account node)
  std::map<std::string, double> user_fair_share;  // per member user: the factor jobs get
  std::optional<core::Timestamp> last_decay_time;
  std::map<std::string, core::Timestamp> charged;  // run key -> charged through
  std::optional<core::Timestamp> charged_horizon;
  int64_t running_jobs = 0;
  int64_t running_gpus = 0;
  int64_t pending_jobs = 0;
  std::vector<Condition> conditions;
  int64_t observed_generation = 0;

  bool operator==(const AccountStatus&) const = default;
};

struct AccountObject {
  ObjectMeta meta;
  AccountSpec spec;
  AccountStatus status;

  bool operator==(const AccountObject&) const = default;
};

[[nodiscard]] StatusOr<AccountObject> AccountFromJson(const nlohmann::json& j);
[[nodiscard]] StatusOr<AccountSpec> AccountSpecFromJson(const nlohmann::json& j,
                                                        const std::string& path = "spec");
[[nodiscard]] StatusOr<AccountStatus> AccountStatusFromJson(const nlohmann::json& j,
                                                            const std::string& path = "status");

nlohmann::json ToJson(const AccountSpec& spec);
nlohmann::json ToJson(const AccountStatus& status);
nlohmann::json ToJson(const AccountObject& account);

// name = metadata.name (required; must differ from spec.parent); users in list order with
// their userShares.
[[nodiscard]] StatusOr<core::Account> ToCoreAccount(const AccountObject& account);

}  // namespace fairway::api
