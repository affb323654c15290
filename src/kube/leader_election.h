// Leader election on a coordination.k8s.io/v1 Lease, after client-go's leaderelection
// (kubernetes-api.md §7, STYLE.md §7).
//
// Each try (every retry_period, jittered x1.0-1.2 for candidates):
//   GET the Lease; 404 -> CREATE (holder=me, acquire=renew=now, transitions 0); AlreadyExists ->
//   someone else won. When the lease content differs from the last seen copy, remember the local
//   monotonic time of that observation. If another holder's observed_local_time + leaseDuration
//   is still ahead, give up this try. Otherwise PUT with the read resourceVersion (renew keeps
//   acquireTime/transitions; takeover sets acquireTime=now, transitions+1; renewTime=now);
//   409 (kAborted) = lost the race.
//
//   candidate --acquired--> leader --(no successful renew within renew_deadline)--> stopped
//       ^                      |
//       +----- Stop() ---------+-- release (holder "", leaseDurationSeconds 1) if configured
//
// Expiry uses only locally observed times, never renewTime vs. the local clock. When leadership
// is lost, OnStoppedLeading runs and Run() returns; the operator exits (it never re-campaigns).
// MicroTime values are RFC 3339 with exactly six fractional digits, UTC.
//
// Fencing. The leader may write only while LeaseValid():
//
//   now < sent + renew_deadline
//
// where `sent` is the local monotonic time at which the last successful acquire/renew request
// was *sent* (not when its reply came back). Another candidate can take the lease over no
// earlier than its own observation of our last write plus lease_duration; that observation
// follows the server applying the write, which follows our sending it:
//
//   takeover >= observed >= applied >= sent,   so   takeover >= sent + lease_duration
//                                                     > sent + renew_deadline
//
// (ValidateLeaderElectionConfig requires lease_duration > renew_deadline, and the Lease carries
// leaseDurationSeconds rounded up, so others never wait less). Writes therefore stop
// lease_duration - renew_deadline (5 s with the defaults) before anyone else may start; that gap
// covers a write that passed the check and is still queued or in transit, and clock-rate drift
// between the replicas. Measuring from the reply instead would extend our validity by the
// request's latency, which after a SIGSTOP during the request is unbounded. LeaseValid() reads
// the clock on each call, so after a pause (SIGSTOP/SIGCONT, a stalled VM) the first check fails,
// and the renew loop then stops leading without renewing a lease others may already hold.
//
// Thread-safety: Run() on one thread (or Start()); Start() and Stop() from the owning thread;
// IsLeader(), GetLeader(), LeaseValid() and LeaseDeadline() from any thread. Callbacks run on the
// election thread (OnStartedLeading must not block; start work on another thread).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "common/mutex.h"
#include "common/status.h"
#include "common/thread_annotations.h"
#include "kube/api_client.h"

namespace fairway::kube {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  // Unique per process incarnation, e.g. "<hostname>_<uuid>". REQUIRED.
  std::string identity;
  Duration lease_duration = std::chrono::seconds(15);
  Duration renew_deadline = std::chrono::seconds(10);
  Duration retry_period = std::chrono::seconds(2);
  // On Stop() while leading, write holder "" and leaseDurationSeconds 1 so a successor can take
  // over at once.
  bool release_on_cancel = true;

  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  // A different holder was observed (also our own identity when we win).
  std::function<void(const std::string& identity)> on_new_leader;
};

// Checks lease_duration > renew_deadline > 1.2 * retry_period, all positive, and required names.
Status ValidateLeaderElectionConfig(const LeaderElectionConfig& config);

// RFC 3339 MicroTime "2025-03-01T08:04:58.120455Z" and back.
std::string FormatMicroTime(WallTime t);
StatusOr<WallTime> ParseMicroTime(const std::string& text);

class LeaderElector {
 public:
  // Validates `config` (kInvalidArgument on bad timings or missing names).
  // REQUIRES: client and clock outlive the elector.
  static StatusOr<std::unique_ptr<LeaderElector>> Create(ApiClient* client, Clock* clock,
                                                         LeaderElectionConfig config,
                                                         uint64_t seed = 1);
  ~LeaderElector();  // Stop()s
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Campaigns until leading, renews until the renew deadline passes or Stop(); then calls
  // on_stopped_leading (if it had started leading) and returns. Blocks. A Stop() while the lease
  // is still valid releases it (release_on_cancel); a lost or expired lease is never written.
  void Run();
  // Run() on a background thread. No-op if already started.
  void Start();
  // Ends Run(): releases the lease if leading and configured; idempotent. Joins the thread
  // started by Start() (do not call from a callback).
  void Stop();

  bool IsLeader() const;
  // The last observed holder ("" if none).
  std::string GetLeader() const;

  // The local monotonic time from which this process must not write: the send time of the last
  // successful acquire/renew plus renew_deadline (see the file comment). MonotonicTime::min()
  // while we hold no lease: never acquired, another holder observed, or leadership ended.
  MonotonicTime LeaseDeadline() const;
  // clock.Monotonic() < LeaseDeadline(), with the clock read at the call.
  bool LeaseValid() const;

  // One acquire-or-renew attempt (the body of each tick); true if we hold the lease after it.
  // On success LeaseDeadline() moves to the write's send time + renew_deadline; on seeing
  // another holder it becomes min(). Exposed for tests driving time with FakeClock.
  bool TryAcquireOrRenew();
  // Writes an empty holder if we hold the lease and it is still valid. Exposed for tests.
  Status Release();

 private:
  LeaderElector(ApiClient* client, Clock* clock, LeaderElectionConfig config, uint64_t seed);
  // Campaigns until the lease is ours (true) or Stop() (false).
  bool Campaign();
  // Renews every retry_period until Stop() (false) or the lease is lost (true).
  bool RenewUntilLost();
  // Release() for a lease valid until `deadline` (the fence may already be closed).
  Status ReleaseBefore(MonotonicTime deadline);
  bool TryCreate(WallTime now);
  bool TryUpdate(const json& lease, const std::string& holder, WallTime now);
  // Records the lease read from the server; true when another holder's lease is unexpired by our
  // own observation. Sets *changed_leader when the holder differs from the last one seen.
  bool ObserveLease(const json& spec, bool* changed_leader) FAIRWAY_EXCLUDES(mu_);
  // Records our successful write of `stored`, sent at `sent`; true when the holder changed.
  bool RecordWrite(const json& stored, MonotonicTime sent) FAIRWAY_EXCLUDES(mu_);
  void CloseLease() FAIRWAY_EXCLUDES(mu_);
  bool SleepFor(Duration d) FAIRWAY_EXCLUDES(mu_);
  Duration JitteredRetry() FAIRWAY_EXCLUDES(mu_);
  json BuildLease(const json* existing, bool takeover, WallTime now) const;

  ApiClient* const client_;
  Clock* const clock_;
  const LeaderElectionConfig config_;
  Logger log_{"kube.leader"};

  mutable Mutex mu_;
  CondVar cv_;
  std::mt19937_64 rng_ FAIRWAY_GUARDED_BY(mu_);
  json observed_ FAIRWAY_GUARDED_BY(mu_);  // last seen lease spec
  std::optional<MonotonicTime> observed_at_ FAIRWAY_GUARDED_BY(mu_);
  std::string leader_ FAIRWAY_GUARDED_BY(mu_);
  // Send time of the last successful acquire/renew while we hold the lease.
  std::optional<MonotonicTime> renew_sent_ FAIRWAY_GUARDED_BY(mu_);
  uint64_t wake_seq_ FAIRWAY_GUARDED_BY(mu_) = 0;
  std::atomic<bool> leading_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;  // owned by the thread calling Start()/Stop()
};

}  // namespace fairway::kube
