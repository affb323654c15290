#include "controllers/operator.h"

#include <unistd.h>

#include <random>

namespace fairway::controllers {

Operator::Operator(kube::ApiClient* client, Clock* clock, OperatorMetrics* metrics,
                   OperatorOptions options)
    : client_(client, clock, metrics), clock_(clock), metrics_(metrics),
      options_(std::move(options)) {
  if (options_.identity.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    std::random_device rd;
    options_.identity = std::string(host) + "_" + std::to_string(rd());
  }
}

Operator::~Operator() { Stop(); }

void Operator::StartLeading() {
  // Runs on its own thread: the elector's callback must not block.
  leading_ = true;
  metrics_->SetLeader(true);
  FAIRWAY_LOG(log_, kInfo, "became leader", {{"identity", options_.identity}});
  kube::EventRecorderOptions eo;
  eo.component = "fairway-operator";
  eo.host = options_.identity;
  eo.qps = 10;
  eo.burst = 100;
  events_ = std::make_unique<kube::ApiEventRecorder>(&client_, clock_, eo);
  Controller* controller = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    controller_ = std::make_unique<Controller>(&client_, clock_, metrics_, events_.get(),
                                               options_.controller);
    controller = controller_.get();
  }
  Status s = controller->Start();
  if (!s.ok()) {
    FAIRWAY_LOG(log_, kError, "controllers failed to start", {{"error", s.ToString()}});
    std::lock_guard<std::mutex> lock(mu_);
    start_error_ = s;
    done_ = true;
    cv_.notify_all();
  }
}

void Operator::SetConfig(const core::SchedulerConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  options_.controller.config = config;
  if (controller_ != nullptr) controller_->SetConfig(config);
}

Status Operator::Start() {
  if (!options_.leader_elect) {
    starter_ = std::thread([this] { StartLeading(); });
    return OkStatus();
  }
  kube::LeaderElectionConfig lc;
  lc.lease_namespace = options_.lease_namespace;
  lc.lease_name = options_.lease_name;
  lc.identity = options_.identity;
  lc.lease_duration = options_.lease_duration;
  lc.renew_deadline = options_.renew_deadline;
  lc.retry_period = options_.retry_period;
  lc.on_started_leading = [this] { starter_ = std::thread([this] { StartLeading(); }); };
  lc.on_stopped_leading = [this] {
    leading_ = false;
    metrics_->SetLeader(false);
    std::lock_guard<std::mutex> lock(mu_);
    if (!done_) lost_ = true;
    done_ = true;
    cv_.notify_all();
  };
  lc.on_new_leader = [this](const std::string& id) {
    FAIRWAY_LOG(log_, kInfo, "leader", {{"identity", id}});
  };
  StatusOr<std::unique_ptr<kube::LeaderElector>> e =
      kube::LeaderElector::Create(&client_, clock_, lc);
  if (!e.ok()) return e.status();
  elector_ = std::move(*e);
  metrics_->SetLeader(false);
  elector_->Start();
  return OkStatus();
}

void Operator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  if (starter_.joinable()) starter_.join();
  if (controller_) controller_->Stop();
  if (events_) events_->Shutdown();
  if (elector_) elector_->Stop();  // releases the lease
  leading_ = false;
}

Status Operator::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return done_; });
  if (!start_error_.ok()) return start_error_;
  if (lost_) return AbortedError("leadership lost");
  return OkStatus();
}

}  // namespace fairway::controllers
