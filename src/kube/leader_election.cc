#include "kube/leader_election.h"

#include "kube/internal/util.h"

namespace fairway::kube {

Status ValidateLeaderElectionConfig(const LeaderElectionConfig& c) {
  if (c.lease_namespace.empty()) {
    return InvalidArgumentError("lease namespace is required", "lease_namespace");
  }
  if (c.lease_name.empty()) return InvalidArgumentError("lease name is required", "lease_name");
  if (c.identity.empty()) return InvalidArgumentError("identity is required", "identity");
  if (c.lease_duration <= Duration::zero() || c.renew_deadline <= Duration::zero() ||
      c.retry_period <= Duration::zero()) {
    return InvalidArgumentError("lease duration, renew deadline and retry period must be positive");
  }
  // Fencing needs it (header: takeover >= sent + lease_duration > sent + renew_deadline).
  if (c.lease_duration <= c.renew_deadline) {
    return InvalidArgumentError("leaseDuration must be greater than renewDeadline",
                                "lease_duration");
  }
  if (std::chrono::duration<double>(c.renew_deadline).count() <=
      1.2 * std::chrono::duration<double>(c.retry_period).count()) {
    return InvalidArgumentError("renewDeadline must be greater than 1.2 x retryPeriod",
                                "renew_deadline");
  }
  if (c.lease_duration < std::chrono::seconds(1)) {
    return InvalidArgumentError("leaseDuration must be at least 1s (leaseDurationSeconds)",
                                "lease_duration");
  }
  return OkStatus();
}

std::string FormatMicroTime(WallTime t) { return internal::FormatTime(t, 6); }
StatusOr<WallTime> ParseMicroTime(const std::string& text) { return internal::ParseTime(text); }

StatusOr<std::unique_ptr<LeaderElector>> LeaderElector::Create(ApiClient* client, Clock* clock,
                                                               LeaderElectionConfig config,
                                                               uint64_t seed) {
  Status s = ValidateLeaderElectionConfig(config);
  if (!s.ok()) return s.WithContext("leader election config");
  if (client == nullptr || clock == nullptr) {
    return InvalidArgumentError("client and clock are required");
  }
  return std::unique_ptr<LeaderElector>(new LeaderElector(client, clock, std::move(config), seed));
}

LeaderElector::LeaderElector(ApiClient* client, Clock* clock, LeaderElectionConfig config,
                             uint64_t seed)
    : client_(client), clock_(clock), config_(std::move(config)), rng_(seed) {}

LeaderElector::~LeaderElector() { Stop(); }

bool LeaderElector::IsLeader() const { return leading_.load(); }

std::string LeaderElector::GetLeader() const {
  MutexLock lock(&mu_);
  return leader_;
}

MonotonicTime LeaderElector::LeaseDeadline() const {
  MutexLock lock(&mu_);
  if (!renew_sent_) return MonotonicTime::min();
  return *renew_sent_ + config_.renew_deadline;
}

bool LeaderElector::LeaseValid() const {
  // The deadline first, then the clock: a renew landing in between only makes us stricter.
  MonotonicTime deadline = LeaseDeadline();
  return clock_->Monotonic() < deadline;
}

void LeaderElector::CloseLease() {
  MutexLock lock(&mu_);
  renew_sent_.reset();
}

Duration LeaderElector::JitteredRetry() {
  MutexLock lock(&mu_);
  std::uniform_real_distribution<double> dist(1.0, 1.2);
  return std::chrono::duration_cast<Duration>(config_.retry_period * dist(rng_));
}

bool LeaderElector::SleepFor(Duration d) {
  if (stop_.load()) return false;
  // Set by the timer under mu_; shared because the timer may outlive this call.
  auto fired = std::make_shared<bool>(false);
  uint64_t seq;
  {
    MutexLock lock(&mu_);
    seq = wake_seq_;
  }
  auto timer = clock_->Schedule(d, [this, fired] {
    MutexLock lock(&mu_);
    *fired = true;
    cv_.SignalAll();
  });
  {
    MutexLock lock(&mu_);
    while (!*fired && wake_seq_ == seq && !stop_.load()) cv_.Wait(&mu_);
  }
  timer->Cancel();
  return !stop_.load();
}

json LeaderElector::BuildLease(const json* existing, bool takeover, WallTime now) const {
  std::string now_s = FormatMicroTime(now);
  // Whole seconds on the wire, rounded up: others must wait at least lease_duration, or the
  // fencing margin over renew_deadline could vanish (1.5 s would otherwise read as 1 s).
  json spec = {{"holderIdentity", config_.identity},
               {"leaseDurationSeconds",
                std::chrono::ceil<std::chrono::seconds>(config_.lease_duration).count()},
               {"renewTime", now_s}};
  if (existing == nullptr) {
    spec["acquireTime"] = now_s;
    spec["leaseTransitions"] = 0;
  } else {
    const json& old = (*existing)["spec"];
    int64_t transitions = old.is_object() ? old.value("leaseTransitions", int64_t{0}) : 0;
    if (takeover) {
      spec["acquireTime"] = now_s;
      spec["leaseTransitions"] = transitions + 1;
    } else {
      spec["acquireTime"] = old.is_object() ? old.value("acquireTime", now_s) : now_s;
      spec["leaseTransitions"] = transitions;
    }
  }
  json lease = existing != nullptr ? *existing : json::object();
  lease["apiVersion"] = "coordination.k8s.io/v1";
  lease["kind"] = "Lease";
  lease["metadata"]["name"] = config_.lease_name;
  lease["metadata"]["namespace"] = config_.lease_namespace;
  lease["spec"] = spec;
  return lease;
}

bool LeaderElector::TryAcquireOrRenew() {
  WallTime now = clock_->Now();
  StatusOr<json> got =
      client_->Get(ResourceRef::Leases(), config_.lease_namespace, config_.lease_name);
  if (!got.ok()) {
    if (got.status().code() == StatusCode::kNotFound) return TryCreate(now);
    FAIRWAY_LOG(log_, kWarn, "error retrieving lease", {{"error", got.status().ToString()}});
    return false;
  }
  const json& lease = *got;
  json spec = lease.contains("spec") && lease["spec"].is_object() ? lease["spec"] : json::object();
  std::string holder = spec.value("holderIdentity", "");
  bool changed_leader = false;
  if (ObserveLease(spec, &changed_leader)) {
    if (changed_leader && config_.on_new_leader) config_.on_new_leader(holder);
    return false;
  }
  return TryUpdate(lease, holder, now);
}

bool LeaderElector::ObserveLease(const json& spec, bool* changed_leader) {
  std::string holder = spec.value("holderIdentity", "");
  int64_t duration_s = spec.value("leaseDurationSeconds", int64_t{0});
  MonotonicTime mono = clock_->Monotonic();
  MutexLock lock(&mu_);
  // Remember when we saw this content change; expiry counts from that local observation.
  if (!observed_at_ || spec != observed_) {
    observed_ = spec;
    observed_at_ = mono;
  }
  if (holder != leader_) {
    *changed_leader = true;
    leader_ = holder;
  }
  bool other = !holder.empty() && holder != config_.identity;
  // Someone else's name on the lease: whatever we held is gone, even before our deadline.
  if (other) renew_sent_.reset();
  return other && *observed_at_ + std::chrono::seconds(duration_s) > mono;
}

bool LeaderElector::RecordWrite(const json& stored, MonotonicTime sent) {
  MonotonicTime mono = clock_->Monotonic();
  MutexLock lock(&mu_);
  observed_ = stored["spec"];
  observed_at_ = mono;
  renew_sent_ = sent;
  bool changed = leader_ != config_.identity;
  leader_ = config_.identity;
  return changed;
}

bool LeaderElector::TryCreate(WallTime now) {
  json lease = BuildLease(nullptr, true, now);
  MonotonicTime sent = clock_->Monotonic();
  StatusOr<json> created = client_->Create(ResourceRef::Leases(), config_.lease_namespace, lease);
  if (!created.ok()) {
    if (created.status().code() != StatusCode::kAlreadyExists) {
      FAIRWAY_LOG(log_, kWarn, "error creating lease", {{"error", created.status().ToString()}});
    }
    return false;
  }
  bool changed_leader = RecordWrite(*created, sent);
  FAIRWAY_LOG(log_, kInfo, "acquired lease",
              {{"lease", config_.lease_namespace + "/" + config_.lease_name},
               {"identity", config_.identity}});
  if (changed_leader && config_.on_new_leader) config_.on_new_leader(config_.identity);
  return true;
}

bool LeaderElector::TryUpdate(const json& lease, const std::string& holder, WallTime now) {
  bool takeover = holder != config_.identity;
  json updated = BuildLease(&lease, takeover, now);
  // The send time, taken before the request leaves: see the fencing note in the header.
  MonotonicTime sent = clock_->Monotonic();
  StatusOr<json> put = client_->Update(ResourceRef::Leases(), config_.lease_namespace, updated);
  if (!put.ok()) {
    if (put.status().code() == StatusCode::kAborted) {
      FAIRWAY_LOG(log_, kDebug, "lost the lease update race", {{"lease", config_.lease_name}});
    } else {
      FAIRWAY_LOG(log_, kWarn, "error updating lease", {{"error", put.status().ToString()}});
    }
    return false;
  }
  bool changed_leader = RecordWrite(*put, sent);
  if (takeover) {
    FAIRWAY_LOG(log_, kInfo, "acquired lease",
                {{"lease", config_.lease_namespace + "/" + config_.lease_name},
                 {"identity", config_.identity},
                 {"previous", holder}});
  }
  if (changed_leader && config_.on_new_leader) config_.on_new_leader(config_.identity);
  return true;
}

Status LeaderElector::Release() { return ReleaseBefore(LeaseDeadline()); }

Status LeaderElector::ReleaseBefore(MonotonicTime deadline) {
  if (!leading_.load()) return OkStatus();
  const ResourceRef leases = ResourceRef::Leases();
  StatusOr<json> got = client_->Get(leases, config_.lease_namespace, config_.lease_name);
  if (!got.ok()) return got.status();
  json spec = (*got)["spec"];
  if (!spec.is_object() || spec.value("holderIdentity", "") != config_.identity) return OkStatus();
  // The GET may have been retried for a long time: an expired lease may be someone else's now.
  if (clock_->Monotonic() >= deadline) return OkStatus();
  std::string now_s = FormatMicroTime(clock_->Now());
  json lease = *got;
  lease["spec"] = {{"holderIdentity", ""},
                   {"leaseDurationSeconds", 1},
                   {"acquireTime", now_s},
                   {"renewTime", now_s},
                   {"leaseTransitions", spec.value("leaseTransitions", int64_t{0})}};
  StatusOr<json> put = client_->Update(leases, config_.lease_namespace, lease);
  if (!put.ok()) return put.status().WithContext("release lease");
  FAIRWAY_LOG(log_, kInfo, "released lease",
              {{"lease", config_.lease_namespace + "/" + config_.lease_name}});
  return OkStatus();
}

bool LeaderElector::Campaign() {
  while (!stop_.load()) {
    if (TryAcquireOrRenew()) return !stop_.load();
    if (!SleepFor(JitteredRetry())) return false;
  }
  return false;
}

bool LeaderElector::RenewUntilLost() {
  while (!stop_.load()) {
    if (!SleepFor(config_.retry_period)) return false;
    // Checked before trying: after a pause the deadline may have passed while we slept, and a
    // lease others may already hold must not be renewed (client-go gives up at renewDeadline).
    if (!LeaseValid()) return true;
    if (TryAcquireOrRenew()) continue;
    if (!LeaseValid()) return true;  // failed renew and past the deadline, or taken over
  }
  return false;
}

void LeaderElector::Run() {
  FAIRWAY_LOG(log_, kInfo, "campaigning",
              {{"lease", config_.lease_namespace + "/" + config_.lease_name},
               {"identity", config_.identity}});
  if (!Campaign()) return;
  leading_.store(true);
  FAIRWAY_LOG(log_, kInfo, "started leading", {{"identity", config_.identity}});
  if (config_.on_started_leading) config_.on_started_leading();
  // A Stop() that comes after the deadline passed is a loss too: that lease is not ours to
  // release. Either way the fence closes before any release write is sent.
  bool lost = RenewUntilLost() || !LeaseValid();
  MonotonicTime deadline = LeaseDeadline();
  CloseLease();
  if (lost) {
    FAIRWAY_LOG(log_, kError, "leadership lost",
                {{"identity", config_.identity}, {"leader", GetLeader()}});
  } else if (config_.release_on_cancel) {
    Status s = ReleaseBefore(deadline);
    if (!s.ok()) FAIRWAY_LOG(log_, kWarn, "lease release failed", {{"error", s.ToString()}});
  }
  leading_.store(false);
  if (config_.on_stopped_leading) config_.on_stopped_leading();
}

void LeaderElector::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Stop() {
  stop_.store(true);
  {
    MutexLock lock(&mu_);
    ++wake_seq_;
    cv_.SignalAll();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

}  // namespace fairway::kube
