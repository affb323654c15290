#include "controllers/directory_sync.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "api/common_types.h"
#include "common/base64.h"
#include "common/status_macros.h"
#include "core/types.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

const kube::ResourceRef kSecrets{"", "v1", "secrets", true};

LdapQuery QueryFrom(const config::DirectorySettings& s) {
  LdapQuery q;
  q.url = s.url;
  q.ca_file = s.ca_file;
  q.base_dn = s.base_dn;
  q.group_filter = s.group_filter;
  q.group_name_attribute = s.group_name_attribute;
  q.member_attribute = s.member_attribute;
  q.timeout = s.timeout;
  return q;
}

std::set<std::string> SplitNames(const std::string& text) {
  std::set<std::string> out;
  std::stringstream in(text);
  for (std::string name; std::getline(in, name, ',');) {
    if (!name.empty()) out.insert(name);
  }
  return out;
}

std::string JoinNames(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::string Annotation(const json& object, const std::string& key) {
  const json a = object.value("/metadata/annotations"_json_pointer, json::object());
  return a.is_object() && a.contains(key) && a[key].is_string() ? a[key].get<std::string>() : "";
}

// The reason a failed read puts on the Accounts' DirectorySynced condition.
std::string ReasonFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
      return "BindFailed";
    case StatusCode::kUnavailable:
      return "DirectoryUnavailable";
    default:
      return "SyncFailed";
  }
}

// spec.users after a sync: listed users kept in order except managed ones no longer in any
// mapped group, then new members, sorted. `managed` becomes the users the sync now owns.
std::vector<std::string> MergeUsers(const std::vector<std::string>& listed,
                                    const std::set<std::string>& members,
                                    std::set<std::string>* managed, std::set<std::string>* added,
                                    std::set<std::string>* removed) {
  std::vector<std::string> users;
  for (const std::string& u : listed) {
    if (managed->count(u) > 0 && members.count(u) == 0) {
      removed->insert(u);
    } else {
      users.push_back(u);
    }
  }
  for (const std::string& m : members) {
    if (std::find(listed.begin(), listed.end(), m) == listed.end()) {
      users.push_back(m);
      added->insert(m);
    }
  }
  std::set<std::string> owned;
  for (const std::string& u : *managed) {
    if (members.count(u) > 0) owned.insert(u);
  }
  owned.insert(added->begin(), added->end());
  *managed = std::move(owned);
  return users;
}

std::string ChangeMessage(const std::set<std::string>& members, const std::set<std::string>& added,
                          const std::set<std::string>& removed) {
  std::string out = std::to_string(members.size()) + " directory member(s)";
  if (!added.empty()) out += "; added " + JoinNames(added);
  if (!removed.empty()) out += "; removed " + JoinNames(removed);
  return out;
}

}  // namespace

DirectorySync::DirectorySync(kube::ApiClient* client, Clock* clock, DirectorySyncOptions options,
                             std::unique_ptr<GroupDirectory> directory)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      directory_(directory ? std::move(directory)
                           : std::make_unique<LdapGroupDirectory>(QueryFrom(options_.settings))) {
  for (const config::DirectoryGroupMapping& m : options_.settings.accounts) {
    groups_of_[m.account].insert(m.group);
  }
}

DirectorySync::~DirectorySync() { Stop(); }

StatusOr<LdapCredentials> DirectorySync::ReadCredentials() {
  LdapCredentials c;
  const std::string& name = options_.settings.bind_secret;
  if (name.empty()) return c;  // anonymous bind
  const std::string where = "Secret " + options_.secret_namespace + "/" + name;
  StatusOr<json> secret = client_->Get(kSecrets, options_.secret_namespace, name);
  if (!secret.ok()) return secret.status().WithContext(where);
  const json& data = (*secret)["data"];
  for (auto [key, out] : {std::pair{"bindDN", &c.bind_dn}, std::pair{"password", &c.password}}) {
    if (!data.is_object() || !data.contains(key) || !data[key].is_string()) {
      return FailedPreconditionError(where + " has no key " + key);
    }
    StatusOr<std::string> value = Base64Decode(data[key].get<std::string>());
    if (!value.ok()) return value.status().WithContext(where + " key " + key);
    *out = std::move(*value);
  }
  return c;
}

StatusOr<std::string> DirectorySync::ApplyMembers(const std::string& account,
                                                  const std::set<std::string>& members) {
  for (int attempt = 0;; ++attempt) {
    FAIRWAY_ASSIGN_OR_RETURN(json obj,
                             client_->Get(kube::ResourceRef::FairwayAccounts(), "", account));
    std::vector<std::string> listed;
    if (obj["spec"]["users"].is_array())
      listed = obj["spec"]["users"].get<std::vector<std::string>>();
    std::set<std::string> managed = SplitNames(Annotation(obj, kDirectoryUsersAnnotation));
    const std::string managed_before = JoinNames(managed);
    std::set<std::string> added, removed;
    std::vector<std::string> users = MergeUsers(listed, members, &managed, &added, &removed);
    if (users == listed && JoinNames(managed) == managed_before) {
      return ChangeMessage(members, added, removed);
    }
    obj["spec"]["users"] = users;
    for (const char* per_user : {"userShares", "userLimits"}) {
      json& entries = obj["spec"][per_user];
      for (const std::string& u : removed) {
        if (entries.is_object()) entries.erase(u);
      }
      if (entries.is_null() || entries.empty()) obj["spec"].erase(per_user);
    }
    obj["metadata"]["annotations"][kDirectoryUsersAnnotation] = JoinNames(managed);
    StatusOr<json> written = client_->Update(kube::ResourceRef::FairwayAccounts(), "", obj);
    if (written.ok()) {
      FAIRWAY_LOG(
          log_, kInfo, "account members synced from directory",
          {{"account", account}, {"added", JoinNames(added)}, {"removed", JoinNames(removed)}});
      return ChangeMessage(members, added, removed);
    }
    if (written.status().code() != StatusCode::kAborted || attempt > 0) {
      return written.status().WithContext("updating Account " + account);
    }
  }
}

Status DirectorySync::SetCondition(const std::string& account, bool ok, const std::string& reason,
                                   const std::string& message) {
  for (int attempt = 0;; ++attempt) {
    FAIRWAY_ASSIGN_OR_RETURN(json obj,
                             client_->Get(kube::ResourceRef::FairwayAccounts(), "", account));
    std::vector<api::Condition> conditions;
    if (obj["status"].is_object()) {
      FAIRWAY_RETURN_IF_ERROR(api::ConditionsFromJson(obj["status"], "status", &conditions));
    }
    api::Condition c{
        .type = kDirectorySyncedCondition,
        .status = ok ? api::ConditionStatus::kTrue : api::ConditionStatus::kFalse,
        .observed_generation = obj["metadata"].value("generation", int64_t{0}),
        .last_transition_time = std::chrono::time_point_cast<core::Seconds>(clock_->Now()),
        .reason = reason,
        .message = message};
    auto it = std::find_if(conditions.begin(), conditions.end(), [](const api::Condition& x) {
      return x.type == kDirectorySyncedCondition;
    });
    if (it != conditions.end()) {
      if (it->status == c.status) c.last_transition_time = it->last_transition_time;
      if (*it == c) return OkStatus();
      *it = c;
    } else {
      conditions.push_back(c);
    }
    obj["status"]["conditions"] = api::ToJson(conditions);
    StatusOr<json> w = client_->UpdateStatus(kube::ResourceRef::FairwayAccounts(), "", obj);
    if (w.ok()) return OkStatus();
    if (w.status().code() != StatusCode::kAborted || attempt > 0) {
      return w.status().WithContext("status of Account " + account);
    }
  }
}

void DirectorySync::MarkAll(const std::string& reason, const Status& error) {
  FAIRWAY_LOG(log_, kError, "directory sync failed; account members kept",
              {{"reason", reason}, {"error", error.ToString()}});
  for (const auto& [account, groups] : groups_of_) {
    if (Status s = SetCondition(account, false, reason, error.ToString()); !s.ok()) {
      FAIRWAY_LOG(log_, kWarn, "account condition not written",
                  {{"account", account}, {"error", s.ToString()}});
    }
  }
}

Status DirectorySync::SyncNow() {
  StatusOr<LdapCredentials> credentials = ReadCredentials();
  if (!credentials.ok()) {
    MarkAll("SecretUnavailable", credentials.status());
    return credentials.status();
  }
  StatusOr<GroupMembers> groups = directory_->ReadGroups(*credentials);
  if (!groups.ok()) {
    MarkAll(ReasonFor(groups.status()), groups.status());
    return groups.status();
  }
  Status first = OkStatus();
  for (const auto& [account, mapped] : groups_of_) {
    std::set<std::string> members;
    for (const std::string& g : mapped) {
      if (auto it = groups->find(g); it != groups->end()) {
        members.insert(it->second.begin(), it->second.end());
      }
    }
    StatusOr<std::string> change = ApplyMembers(account, members);
    Status s = change.ok() ? SetCondition(account, true, "Synced", *change) : change.status();
    if (!s.ok()) {
      FAIRWAY_LOG(log_, kWarn, "account not synced",
                  {{"account", account}, {"error", s.ToString()}});
      if (first.ok()) first = s;
    }
  }
  return first;
}

// True when some mapped Account's fairway.dev/directory-sync annotation changed since the
// last look (the first look only records the values: the start-up sync covers them).
bool DirectorySync::SyncRequested() {
  bool requested = false;
  for (const auto& [account, groups] : groups_of_) {
    StatusOr<json> obj = client_->Get(kube::ResourceRef::FairwayAccounts(), "", account);
    if (!obj.ok()) continue;
    const std::string value = Annotation(*obj, kDirectorySyncAnnotation);
    auto [it, inserted] = requests_seen_.try_emplace(account, value);
    if (!inserted && it->second != value) {
      it->second = value;
      requested = true;
    }
  }
  return requested;
}

void DirectorySync::Loop() {
  MonotonicTime next_sync = clock_->Monotonic();
  for (;;) {
    {
      MutexLock lock(&mu_);
      if (stopping_) return;
    }
    const bool leading = !options_.may_write || options_.may_write();
    if (leading) {
      const bool requested = SyncRequested();
      if (requested || clock_->Monotonic() >= next_sync) {
        (void)SyncNow();  // failures are logged and on the Accounts' conditions
        next_sync = clock_->Monotonic() + options_.settings.interval;
      }
    }
    MutexLock lock(&mu_);
    if (!stopping_) cv_.WaitFor(&mu_, options_.poll);
  }
}

void DirectorySync::Start() {
  FAIRWAY_LOG(
      log_, kInfo, "directory sync started",
      {{"url", options_.settings.url}, {"accounts", static_cast<int64_t>(groups_of_.size())}});
  thread_ = std::thread([this] { Loop(); });
}

void DirectorySync::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

}  // namespace fairway::controllers
