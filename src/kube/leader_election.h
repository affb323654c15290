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
// Thread-safety: Run() on one thread (or Start()); Stop(), IsLeader(), GetLeader() from any
// thread. Callbacks run on the election thread (OnStartedLeading must not block; start work on
// another thread).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/log.h"
#include "common/status.h"
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
  // on_stopped_leading (if it had started leading) and returns. Blocks.
  void Run();
  // Run() on a background thread. No-op if already started.
  void Start();
  // Ends Run(): releases the lease if leading and configured; idempotent. Joins the thread
  // started by Start() (do not call from a callback).
  void Stop();

  bool IsLeader() const;
  // The last observed holder ("" if none).
  std::string GetLeader() const;

  // One acquire-or-renew attempt (the body of each tick); true if we hold the lease after it.
  // Exposed for tests driving time with FakeClock.
  bool TryAcquireOrRenew();
  // Writes an empty holder if we hold the lease. Exposed for tests.
  Status Release();

 private:
  LeaderElector(ApiClient* client, Clock* clock, LeaderElectionConfig config, uint64_t seed);
  bool SleepFor(Duration d);
  Duration JitteredRetry();
  json BuildLease(const json* existing, bool takeover, WallTime now) const;

  ApiClient* const client_;
  Clock* const clock_;
  const LeaderElectionConfig config_;
  Logger log_{"kube.leader"};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::mt19937_64 rng_;                      // GUARDED_BY(mu_)
  json observed_;                            // GUARDED_BY(mu_); last seen lease spec
  std::string observed_rv_;                  // GUARDED_BY(mu_)
  std::optional<MonotonicTime> observed_at_; // GUARDED_BY(mu_)
  std::string leader_;                       // GUARDED_BY(mu_)
  std::atomic<bool> leading_{false};
  std::atomic<bool> stop_{false};
  uint64_t wake_seq_ = 0;                    // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace fairway::kube
