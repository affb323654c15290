// The directory sync: Account membership from LDAP groups (settings `directory:`,
// config/directory_settings.h), so directory users (ParallelCluster's DirectoryService users)
// map to accounts. Optional and off by default; the operator starts it when enabled.
//
// What it writes, and only on the Accounts named in `directory.accounts`:
//   spec.users          the mapped groups' members are added (sorted, after the users already
//                       listed); users the sync added earlier and who left every mapped group
//                       are removed, with their userShares/userLimits entries (which must name
//                       listed users). Users listed by someone else are never removed.
//   metadata.annotations["fairway.dev/directory-users"]
//                       the users the sync added (comma list): how it tells its own from
//                       the administrator's
//   status.conditions   DirectorySynced=True (reason Synced) after a sync, False when the
//                       directory could not be read (reasons DirectoryUnavailable,
//                       BindFailed, SecretUnavailable, SyncFailed) with the error in the
//                       message. Members stay as they were while it is False.
//
// spec.groups is left alone: it names groups as the API server authenticates them
// (userInfo.groups), which need not be the directory's.
//
// When: at start, every `interval`, and on demand when an Account's annotation
// "fairway.dev/directory-sync" changes (`kubectl annotate account ml
// fairway.dev/directory-sync=$(date +%s) --overwrite`); the annotations are polled every
// `poll`. The bind DN and password come from the Secret `bindSecret` (keys bindDN, password)
// in the operator's namespace, read at every sync so a rotated password is picked up.
//
// Thread-safety: SyncNow may run on any one thread at a time; Start/Stop from the owner thread.
// The loop thread calls SyncNow itself, so callers use either SyncNow or Start, not both.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "common/mutex.h"
#include "common/status.h"
#include "common/thread_annotations.h"
#include "config/directory_settings.h"
#include "controllers/ldap_directory.h"
#include "kube/api_client.h"

namespace fairway::controllers {

inline constexpr char kDirectoryUsersAnnotation[] = "fairway.dev/directory-users";
inline constexpr char kDirectorySyncAnnotation[] = "fairway.dev/directory-sync";
inline constexpr char kDirectorySyncedCondition[] = "DirectorySynced";

struct DirectorySyncOptions {
  config::DirectorySettings settings;
  std::string secret_namespace;  // the operator's namespace
  std::chrono::milliseconds poll{2000};
  // When set and false, the loop skips its turn (a standby replica writes nothing).
  std::function<bool()> may_write;
};

class DirectorySync {
 public:
  // `directory` null: an LdapGroupDirectory from the settings. REQUIRES: client, clock (and
  // directory) outlive the sync.
  DirectorySync(kube::ApiClient* client, Clock* clock, DirectorySyncOptions options,
                std::unique_ptr<GroupDirectory> directory = nullptr);
  ~DirectorySync();
  DirectorySync(const DirectorySync&) = delete;
  DirectorySync& operator=(const DirectorySync&) = delete;

  // One sync of every mapped Account. Errors: the directory's or the Secret's (the Accounts
  // then carry DirectorySynced=False), or the first failed Account write.
  Status SyncNow();

  void Start();
  void Stop();

 private:
  StatusOr<LdapCredentials> ReadCredentials();
  // Users of `account` from `members`; returns what changed, as a condition message.
  StatusOr<std::string> ApplyMembers(const std::string& account,
                                     const std::set<std::string>& members);
  Status SetCondition(const std::string& account, bool ok, const std::string& reason,
                      const std::string& message);
  void MarkAll(const std::string& reason, const Status& error);
  bool SyncRequested();
  void Loop();

  kube::ApiClient* const client_;
  Clock* const clock_;
  const DirectorySyncOptions options_;
  std::unique_ptr<GroupDirectory> directory_;
  Logger log_{"directory-sync"};
  // Account -> the mapped groups that fill it.
  std::map<std::string, std::set<std::string>> groups_of_;
  // Account -> the last fairway.dev/directory-sync value seen (loop thread only).
  std::map<std::string, std::string> requests_seen_;

  Mutex mu_;
  CondVar cv_;
  bool stopping_ FAIRWAY_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace fairway::controllers
