#include "controllers/operator.h"

#include <unistd.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>

namespace fairway::controllers {

namespace {

OperatorOptions WithIdentity(OperatorOptions options) {
  if (options.identity.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    std::random_device rd;
    options.identity = std::string(host) + "_" + std::to_string(rd());
  }
  return options;
}

}  // namespace

Operator::Operator(kube::ApiClient* client, Clock* clock, OperatorMetrics* metrics,
                   OperatorOptions options, kube::ApiClient* election_client)
    : client_(client, clock, metrics),
      election_client_(election_client != nullptr ? election_client : client, clock, metrics),
      clock_(clock),
      metrics_(metrics),
      options_(WithIdentity(std::move(options))),
      config_(options_.controller.config) {}

Operator::~Operator() { Stop(); }

Controller* Operator::controller() {
  MutexLock lock(&mu_);
  return controller_.get();
}

void Operator::StartLeading() {
  // Runs on its own thread: the elector's callback must not block.
  kube::EventRecorderOptions eo;
  eo.component = "fairway-operator";
  eo.host = options_.identity;
  eo.qps = 10;
  eo.burst = 100;
  Controller* controller = nullptr;
  {
    MutexLock lock(&mu_);
    if (done_) return;  // stopped or lost while the election callback was on its way
    events_ = std::make_unique<kube::ApiEventRecorder>(writer_, clock_, eo);
    ControllerOptions co = options_.controller;
    co.config = config_;
    controller_ = std::make_unique<Controller>(writer_, clock_, metrics_, events_.get(), co);
    controller = controller_.get();
  }
  leading_ = true;
  metrics_->SetLeader(true);
  FAIRWAY_LOG(log_, kInfo, "became leader", {{"identity", options_.identity}});
  Status s = controller->Start();
  if (s.ok()) {
    loop_started_.store(clock_->Monotonic());
    return;
  }
  FAIRWAY_LOG(log_, kError, "controllers failed to start", {{"error", s.ToString()}});
  MutexLock lock(&mu_);
  start_error_ = s;
  done_ = true;
  cv_.SignalAll();
}

void Operator::SetConfig(const core::SchedulerConfig& config) {
  MutexLock lock(&mu_);
  config_ = config;
  if (controller_ != nullptr) controller_->SetConfig(config);
}

void Operator::OnLost(const std::string& why) {
  leading_ = false;
  metrics_->SetLeader(false);
  MutexLock lock(&mu_);
  if (done_) return;
  FAIRWAY_LOG(log_, kError, "leadership lost, stopping the controllers",
              {{"identity", options_.identity}, {"reason", why}});
  lost_ = true;
  done_ = true;
  cv_.SignalAll();
}

void Operator::StopOnLoss() {
  {
    MutexLock lock(&mu_);
    while (!done_) cv_.Wait(&mu_);
    if (!lost_) return;  // Stop() or a failed start: the owner stops everything
  }
  StopControllers();
}

void Operator::StopControllers() {
  std::thread starter;
  {
    MutexLock lock(&mu_);
    starter = std::move(starter_);
  }
  // The controller's Start() must have returned before it can be stopped.
  if (starter.joinable()) starter.join();
  Controller* controller = this->controller();
  if (controller != nullptr) controller->Stop();
}

Status Operator::Start() {
  if (!options_.leader_elect) {
    MutexLock lock(&mu_);
    starter_ = std::thread([this] { StartLeading(); });
    return OkStatus();
  }
  return StartElector();
}

Status Operator::StartElector() {
  kube::LeaderElectionConfig lc;
  lc.lease_namespace = options_.lease_namespace;
  lc.lease_name = options_.lease_name;
  lc.identity = options_.identity;
  lc.lease_duration = options_.lease_duration;
  lc.renew_deadline = options_.renew_deadline;
  lc.retry_period = options_.retry_period;
  lc.on_started_leading = [this] {
    MutexLock lock(&mu_);
    starter_ = std::thread([this] { StartLeading(); });
  };
  lc.on_stopped_leading = [this] { OnLost("lease not renewed within the renew deadline"); };
  lc.on_new_leader = [this](const std::string& id) {
    FAIRWAY_LOG(log_, kInfo, "leader", {{"identity", id}});
  };
  StatusOr<std::unique_ptr<kube::LeaderElector>> e =
      kube::LeaderElector::Create(&election_client_, clock_, lc);
  if (!e.ok()) return e.status();
  elector_ = std::move(*e);
  kube::LeaderElector* elector = elector_.get();
  fence_ = std::make_unique<LeaseFence>([elector] { return elector->LeaseDeadline(); },
                                        lc.lease_namespace + "/" + lc.lease_name, lc.renew_deadline,
                                        clock_);
  fenced_ = std::make_unique<FencedApiClient>(&client_, fence_.get(), metrics_,
                                              [this](const Status& s) { OnLost(s.message()); });
  writer_ = fenced_.get();
  metrics_->SetLeader(false);
  watcher_ = std::thread([this] { StopOnLoss(); });
  elector_->Start();
  return OkStatus();
}

void Operator::Stop() {
  {
    MutexLock lock(&mu_);
    done_ = true;
    cv_.SignalAll();
  }
  // The watcher may be stopping the controllers after a loss; it goes first.
  if (watcher_.joinable()) watcher_.join();
  StopControllers();
  if (events_) events_->Shutdown();
  // The elector releases the lease (when still valid) only after the controllers stopped; a
  // leadership that started meanwhile sees done_ and starts nothing.
  if (elector_) elector_->Stop();
  StopControllers();
  leading_ = false;
}

namespace {

int64_t WholeSeconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

Status Operator::Live() {
  const MonotonicTime started = loop_started_.load();
  Controller* c = controller();
  if (!leading_.load() || c == nullptr || started == MonotonicTime::min()) return OkStatus();
  const Duration idle = clock_->Monotonic() - std::max(started, c->last_cycle_end());
  if (idle < options_.stalled_after) return OkStatus();
  return UnavailableError("scheduler loop wedged: no cycle finished for " +
                          std::to_string(WholeSeconds(idle)) + "s");
}

Status Operator::Ready() {
  if (!leading_.load()) {
    // Without leader election this replica is the leader from the start.
    if (!options_.leader_elect) return UnavailableError("controllers starting");
    return OkStatus();
  }
  Controller* c = controller();
  if (c == nullptr || loop_started_.load() == MonotonicTime::min()) {
    return UnavailableError("controllers starting: informers not synced yet");
  }
  const MonotonicTime last = c->last_cycle_end();
  if (last == MonotonicTime::min()) return UnavailableError("no scheduling cycle finished yet");
  const Duration idle = clock_->Monotonic() - last;
  if (idle < options_.ready_within) return OkStatus();
  return UnavailableError("last scheduling cycle finished " + std::to_string(WholeSeconds(idle)) +
                          "s ago");
}

Status Operator::Wait() {
  MutexLock lock(&mu_);
  while (!done_) cv_.Wait(&mu_);
  if (!start_error_.ok()) return start_error_;
  if (lost_) return AbortedError("leadership lost");
  return OkStatus();
}

}  // namespace fairway::controllers
