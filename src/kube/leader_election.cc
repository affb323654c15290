#include "kube/leader_election.h"

#include "kube/internal/util.h"

namespace fairway::kube {

Status ValidateLeaderElectionConfig(const LeaderElectionConfig& c) {
  if (c.lease_namespace.empty()) return InvalidArgumentError("lease namespace is required", "lease_namespace");
  if (c.lease_name.empty()) return InvalidArgumentError("lease name is required", "lease_name");
  if (c.identity.empty()) return InvalidArgumentError("identity is required", "identity");
  if (c.lease_duration <= Duration::zero() || c.renew_deadline <= Duration::zero() ||
      c.retry_period <= Duration::zero()) {
    return InvalidArgumentError("lease duration, renew deadline and retry period must be positive");
  }
  if (c.lease_duration <= c.renew_deadline) {
    return InvalidArgumentError("leaseDuration must be greater than renewDeadline", "lease_duration");
  }
  if (std::chrono::duration<double>(c.renew_deadline).count() <=
      1.2 * std::chrono::duration<double>(c.retry_period).count()) {
    return InvalidArgumentError("renewDeadline must be greater than 1.2 x retryPeriod", "renew_deadline");
  }
  if (c.lease_duration < std::chrono::seconds(1)) {
    return InvalidArgumentError("leaseDuration must be at least 1s (leaseDurationSeconds)", "lease_duration");
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
  if (client == nullptr || clock == nullptr) return InvalidArgumentError("client and clock are required");
  return std::unique_ptr<LeaderElector>(new LeaderElector(client, clock, std::move(config), seed));
}

LeaderElector::LeaderElector(ApiClient* client, Clock* clock, LeaderElectionConfig config,
                             uint64_t seed)
    : client_(client), clock_(clock), config_(std::move(config)), rng_(seed) {}

LeaderElector::~LeaderElector() { Stop(); }

bool LeaderElector::IsLeader() const { return leading_.load(); }

std::string LeaderElector::GetLeader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_;
}

Duration LeaderElector::JitteredRetry() {
  std::lock_guard<std::mutex> lock(mu_);
  std::uniform_real_distribution<double> dist(1.0, 1.2);
  return std::chrono::duration_cast<Duration>(config_.retry_period * dist(rng_));
}

bool LeaderElector::SleepFor(Duration d) {
  if (stop_.load()) return false;
  auto fired = std::make_shared<bool>(false);
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq = wake_seq_;
  }
  auto timer = clock_->Schedule(d, [this, fired] {
    std::lock_guard<std::mutex> lock(mu_);
    *fired = true;
    cv_.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return *fired || wake_seq_ != seq || stop_.load(); });
  }
  timer->Cancel();
  return !stop_.load();
}

json LeaderElector::BuildLease(const json* existing, bool takeover, WallTime now) const {
  std::string now_s = FormatMicroTime(now);
  json spec = {{"holderIdentity", config_.identity},
               {"leaseDurationSeconds",
                std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count()},
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
  const ResourceRef leases = ResourceRef::Leases();
  WallTime now = clock_->Now();
  StatusOr<json> got = client_->Get(leases, config_.lease_namespace, config_.lease_name);
  if (!got.ok()) {
    if (got.status().code() != StatusCode::kNotFound) {
      FAIRWAY_LOG(log_, kWarn, "error retrieving lease", {{"error", got.status().ToString()}});
      return false;
    }
    json lease = BuildLease(nullptr, true, now);
    StatusOr<json> created = client_->Create(leases, config_.lease_namespace, lease);
    if (!created.ok()) {
      if (created.status().code() != StatusCode::kAlreadyExists) {
        FAIRWAY_LOG(log_, kWarn, "error creating lease", {{"error", created.status().ToString()}});
      }
      return false;
    }
    std::lock_guard<std::mutex> lock(mu_);
    observed_ = (*created)["spec"];
    observed_rv_ = (*created)["metadata"].value("resourceVersion", "");
    observed_at_ = clock_->Monotonic();
    leader_ = config_.identity;
    return true;
  }
  json& lease = *got;
  json spec = lease.contains("spec") && lease["spec"].is_object() ? lease["spec"] : json::object();
  std::string rv = lease["metadata"].value("resourceVersion", "");
  std::string holder = spec.value("holderIdentity", "");
  int64_t duration_s = spec.value("leaseDurationSeconds", int64_t{0});
  MonotonicTime mono = clock_->Monotonic();
  bool changed_leader = false;
  bool held_by_other = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Remember when we saw this content change; expiry counts from that local observation.
    if (!observed_at_ || spec != observed_) {
      observed_ = spec;
      observed_at_ = mono;
    }
    observed_rv_ = rv;
    if (holder != leader_) {
      changed_leader = true;
      leader_ = holder;
    }
    held_by_other = !holder.empty() && holder != config_.identity &&
                    *observed_at_ + std::chrono::seconds(duration_s) > mono;
  }
  if (held_by_other) {
    if (changed_leader && config_.on_new_leader) config_.on_new_leader(holder);
    return false;
  }
  bool takeover = holder != config_.identity;
  json updated = BuildLease(&lease, takeover, now);
  updated["metadata"]["resourceVersion"] = rv;
  StatusOr<json> put = client_->Update(leases, config_.lease_namespace, updated);
  if (!put.ok()) {
    if (put.status().code() == StatusCode::kAborted) {
      FAIRWAY_LOG(log_, kDebug, "lost the lease update race", {{"lease", config_.lease_name}});
    } else {
      FAIRWAY_LOG(log_, kWarn, "error updating lease", {{"error", put.status().ToString()}});
    }
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    observed_ = (*put)["spec"];
    observed_rv_ = (*put)["metadata"].value("resourceVersion", "");
    observed_at_ = clock_->Monotonic();
    changed_leader = leader_ != config_.identity;
    leader_ = config_.identity;
  }
  if (takeover) {
    FAIRWAY_LOG(log_, kInfo, "acquired lease",
                {{"lease", config_.lease_namespace + "/" + config_.lease_name},
                 {"identity", config_.identity}, {"previous", holder}});
  }
  if (changed_leader && config_.on_new_leader) config_.on_new_leader(config_.identity);
  return true;
}

Status LeaderElector::Release() {
  if (!leading_.load()) return OkStatus();
  const ResourceRef leases = ResourceRef::Leases();
  StatusOr<json> got = client_->Get(leases, config_.lease_namespace, config_.lease_name);
  if (!got.ok()) return got.status();
  json spec = (*got)["spec"];
  if (!spec.is_object() || spec.value("holderIdentity", "") != config_.identity) return OkStatus();
  std::string now_s = FormatMicroTime(clock_->Now());
  json lease = *got;
  lease["spec"] = {{"holderIdentity", ""},
                   {"leaseDurationSeconds", 1},
                   {"acquireTime", now_s},
                   {"renewTime", now_s},
                   {"leaseTransitions", spec.value("leaseTransitions", int64_t{0})}};
  StatusOr<json> put = client_->Update(leases, config_.lease_namespace, lease);
  if (!put.ok()) return put.status().WithContext("release lease");
  FAIRWAY_LOG(log_, kInfo, "released lease", {{"lease", config_.lease_namespace + "/" + config_.lease_name}});
  return OkStatus();
}

void LeaderElector::Run() {
  FAIRWAY_LOG(log_, kInfo, "campaigning",
              {{"lease", config_.lease_namespace + "/" + config_.lease_name},
               {"identity", config_.identity}});
  while (!stop_.load()) {
    if (TryAcquireOrRenew()) break;
    if (!SleepFor(JitteredRetry())) return;
  }
  if (stop_.load()) return;
  leading_.store(true);
  FAIRWAY_LOG(log_, kInfo, "started leading", {{"identity", config_.identity}});
  if (config_.on_started_leading) config_.on_started_leading();
  MonotonicTime last_renew = clock_->Monotonic();
  bool lost = false;
  while (!stop_.load()) {
    if (!SleepFor(config_.retry_period)) break;
    bool ok = TryAcquireOrRenew();
    MonotonicTime now = clock_->Monotonic();
    if (ok) {
      last_renew = now;
      continue;
    }
    if (now - last_renew >= config_.renew_deadline) {
      lost = true;
      break;
    }
    // Someone else took the lease (e.g. after a long pause): stop at once.
    std::string leader = GetLeader();
    if (!leader.empty() && leader != config_.identity) {
      lost = true;
      break;
    }
  }
  if (lost) {
    FAIRWAY_LOG(log_, kError, "leadership lost", {{"identity", config_.identity}});
  } else if (config_.release_on_cancel) {
    Status s = Release();
    if (!s.ok()) FAIRWAY_LOG(log_, kWarn, "lease release failed", {{"error", s.ToString()}});
  }
  leading_.store(false);
  if (config_.on_stopped_leading) config_.on_stopped_leading();
}

void LeaderElector::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Stop() {
  stop_.store(true);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wake_seq_;
    cv_.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

}  // namespace fairway::kube
