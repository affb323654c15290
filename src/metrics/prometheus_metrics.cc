#include "metrics/prometheus_metrics.h"

#include <CivetServer.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <sstream>
#include <vector>

namespace fairway::metrics {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using Labels = std::map<std::string, std::string>;

// Writes a complete response. civetweb's keep-alive is off, so it closes the connection after
// it; "Connection: close" says so, or an HTTP/1.1 client would send its next request on it.
void Reply(mg_connection* conn, int code, const char* content_type, const std::string& body) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            code, code == 200 ? "OK" : "Service Unavailable", content_type, body.size());
  mg_write(conn, body.data(), body.size());
}

// GET on one path, answered by a function.
class GetHandler : public CivetHandler {
 public:
  explicit GetHandler(std::function<void(mg_connection*)> serve) : serve_(std::move(serve)) {}
  using CivetHandler::handleGet;
  bool handleGet(CivetServer*, mg_connection* conn) override {
    serve_(conn);
    return true;
  }

 private:
  std::function<void(mg_connection*)> serve_;
};

// A health check's answer: 200 "ok", else 503 with the reason.
void ReplyHealth(mg_connection* conn, const Status& s) {
  Reply(conn, s.ok() ? 200 : 503, "text/plain; charset=utf-8",
        s.ok() ? "ok\n" : s.message() + "\n");
}

}  // namespace

struct PrometheusMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  // The server's threads use the handlers and everything below until the server is stopped
  // (~PrometheusMetrics does that first).
  std::vector<std::unique_ptr<GetHandler>> handlers;
  std::unique_ptr<CivetServer> server;
  // Held shared while a request runs a check, exclusively to replace them.
  mutable std::shared_mutex health_mu;
  HealthChecks health;  // guarded by health_mu
  std::mutex mu;        // guards the families' label bookkeeping below

  prometheus::Family<prometheus::Gauge>& jobs =
      BuildGauge().Name("fairway_jobs").Help("Jobs by state and partition").Register(*registry);
  // A separate family rather than a label on fairway_jobs: existing queries and alerts over
  // fairway_jobs keep their meaning, and sessions are a subset to compare against.
  prometheus::Family<prometheus::Gauge>& interactive_jobs =
      BuildGauge()
          .Name("fairway_interactive_jobs")
          .Help("Interactive sessions (salloc, srun, jupyter, code) by state and partition")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& pending =
      BuildGauge()
          .Name("fairway_pending_jobs")
          .Help("Pending jobs by partition and Slurm reason")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& oldest_pending =
      BuildGauge()
          .Name("fairway_oldest_pending_job_seconds")
          .Help("Seconds since the oldest job pending in the partition was submitted (not held)")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& gpus =
      BuildGauge()
          .Name("fairway_gpus")
          .Help("GPUs by partition, type and status (total, allocated, idle)")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& fair_share =
      BuildGauge()
          .Name("fairway_account_fair_share")
          .Help("Best fair-share factor of the account's users (0..1)")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& usage =
      BuildGauge()
          .Name("fairway_account_usage_gpu_seconds")
          .Help("Decayed usage of the account in billing (GPU) seconds")
          .Register(*registry);
  prometheus::Histogram& cycle = BuildHistogram()
                                     .Name("fairway_scheduler_cycle_duration_seconds")
                                     .Help("Duration of a scheduling cycle")
                                     .Register(*registry)
                                     .Add({}, CycleBuckets());
  prometheus::Family<prometheus::Histogram>& cycle_phase =
      BuildHistogram()
          .Name("fairway_scheduler_cycle_phase_duration_seconds")
          .Help(
              "Duration of one phase of a scheduling cycle (load, snapshot, schedule, apply, "
              "report)")
          .Register(*registry);
  prometheus::Histogram& create_to_bound =
      BuildHistogram()
          .Name("fairway_job_create_to_bound_seconds")
          .Help("Time from a Job's creation to its pods bound (a start of an array counts once)")
          .Register(*registry)
          .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600,
                                                           1800, 3600, 14400, 86400});
  prometheus::Counter& cycles = BuildCounter()
                                    .Name("fairway_scheduler_cycles_total")
                                    .Help("Scheduling cycles run")
                                    .Register(*registry)
                                    .Add({});
  prometheus::Counter& started = BuildCounter()
                                     .Name("fairway_jobs_started_total")
                                     .Help("Jobs (and array tasks) started")
                                     .Register(*registry)
                                     .Add({});
  prometheus::Family<prometheus::Counter>& completed =
      BuildCounter()
          .Name("fairway_jobs_completed_total")
          .Help("Jobs (and array tasks) that ended, by final Slurm state")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& queue_wait =
      BuildHistogram()
          .Name("fairway_job_queue_wait_seconds")
          .Help("Time from submission (or a requeue's eligible time) to start, by partition")
          .Register(*registry);
  prometheus::Counter& backfill = BuildCounter()
                                      .Name("fairway_backfill_starts_total")
                                      .Help("Jobs started by the backfill planner")
                                      .Register(*registry)
                                      .Add({});
  prometheus::Counter& bound = BuildCounter()
                                   .Name("fairway_pods_bound_total")
                                   .Help("Pods bound to nodes")
                                   .Register(*registry)
                                   .Add({});
  prometheus::Family<prometheus::Counter>& bind_failures = BuildCounter()
                                                               .Name("fairway_bind_failures_total")
                                                               .Help("Gang bindings rolled back")
                                                               .Register(*registry);
  prometheus::Family<prometheus::Histogram>& api_latency =
      BuildHistogram()
          .Name("fairway_api_request_duration_seconds")
          .Help("Kubernetes API request latency")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& api_errors =
      BuildCounter()
          .Name("fairway_api_request_errors_total")
          .Help("Kubernetes API requests that failed")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& watch_restarts =
      BuildCounter()
          .Name("fairway_watch_restarts_total")
          .Help("Watches that failed and were restarted")
          .Register(*registry);
  prometheus::Gauge& leader = BuildGauge()
                                  .Name("fairway_leader")
                                  .Help("1 when this replica is the leader")
                                  .Register(*registry)
                                  .Add({});
  prometheus::Family<prometheus::Counter>& fenced_writes =
      BuildCounter()
          .Name("fairway_fenced_writes_total")
          .Help("Writes refused because the leader lease was not renewed in time")
          .Register(*registry);

  // Series set so far, per family.
  std::map<Labels, prometheus::Gauge*> jobs_seen, interactive_jobs_seen, pending_seen,
      oldest_pending_seen, gpus_seen, fair_share_seen, usage_seen;
  std::map<Labels, prometheus::Histogram*> queue_wait_seen;
  std::map<std::string, int64_t> watch_totals;
  // nullopt until the first SetLiveObjects: every object counts as live.
  std::optional<std::set<std::string>> live_partitions, live_accounts;

  static prometheus::Histogram::BucketBoundaries CycleBuckets() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  }

  // Every phase's series exists from the start, so dashboards see all of them at 0.
  Impl() {
    for (const char* phase : controllers::kCyclePhases) {
      cycle_phase.Add({{"phase", phase}}, CycleBuckets());
    }
  }

  // Queue waits from seconds to a week (a job held for days still lands in a bucket).
  static prometheus::Histogram::BucketBoundaries QueueWaitBuckets() {
    return {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400, 259200, 604800};
  }

  // The labelled families and their types. prometheus-cpp leaves a family without series out of
  // the exposition; Render announces these anyway, so a scraper (and the dashboard and alert
  // check) sees every metric the operator exports, one written only on errors included.
  std::vector<std::pair<const std::string*, const char*>> LabelledFamilies() const {
    return {{&jobs.GetName(), "gauge"},
            {&interactive_jobs.GetName(), "gauge"},
            {&pending.GetName(), "gauge"},
            {&oldest_pending.GetName(), "gauge"},
            {&gpus.GetName(), "gauge"},
            {&fair_share.GetName(), "gauge"},
            {&usage.GetName(), "gauge"},
            {&completed.GetName(), "counter"},
            {&queue_wait.GetName(), "histogram"},
            {&bind_failures.GetName(), "counter"},
            {&api_latency.GetName(), "histogram"},
            {&api_errors.GetName(), "counter"},
            {&watch_restarts.GetName(), "counter"},
            {&fenced_writes.GetName(), "counter"}};
  }

  // True if the series names a partition or account that no longer exists.
  bool Gone(const Labels& labels) const {
    auto gone = [&](const char* key, const std::optional<std::set<std::string>>& live) {
      auto it = labels.find(key);
      return it != labels.end() && live.has_value() && live->count(it->second) == 0;
    };
    return gone("partition", live_partitions) || gone("account", live_accounts);
  }

  // Removes the series of `seen` whose object is gone.
  template <typename T>
  void Prune(prometheus::Family<T>& family, std::map<Labels, T*>* seen) {
    for (auto it = seen->begin(); it != seen->end();) {
      if (!Gone(it->first)) {
        ++it;
        continue;
      }
      family.Remove(it->second);
      it = seen->erase(it);
    }
  }

  // Sets `values` on `family`; a label set set before but absent now reads 0, or is removed when
  // its object is gone. REQUIRES: mu held.
  void SetFamily(prometheus::Family<prometheus::Gauge>& family,
                 std::map<Labels, prometheus::Gauge*>* seen,
                 const std::vector<std::pair<Labels, double>>& values) {
    std::set<Labels> now;
    for (const auto& [labels, v] : values) {
      prometheus::Gauge& g = family.Add(labels);
      g.Set(v);
      (*seen)[labels] = &g;
      now.insert(labels);
    }
    for (auto& [labels, g] : *seen) {
      if (now.count(labels) == 0) g->Set(0);
    }
    Prune(family, seen);
  }
};

// civetweb gives each connection a worker thread for as long as it reads the request: a client
// that connects and sends nothing holds one until request_timeout_ms. With two threads and
// civetweb's 30 s default, two stalled clients kept Prometheus and the kubelet's probes out for
// 30 s. Enough threads that a few stalls leave room, and stalls cut short (a scrape's request
// arrives in milliseconds).
constexpr int kListenerThreads = 8;
constexpr int kRequestTimeoutMs = 5000;

PrometheusMetrics::PrometheusMetrics() : impl_(std::make_unique<Impl>()) {}
PrometheusMetrics::~PrometheusMetrics() {
  // Joins the request threads before the handlers and metrics they use go.
  impl_->server.reset();
}

Status PrometheusMetrics::Serve(const std::string& address) {
  Impl* impl = impl_.get();
  try {
    impl->server = std::make_unique<CivetServer>(std::vector<std::string>{
        "listening_ports", address, "num_threads", std::to_string(kListenerThreads),
        "request_timeout_ms", std::to_string(kRequestTimeoutMs)});
  } catch (const std::exception& e) {
    return UnavailableError("metrics listener on " + address + ": " + e.what());
  }
  auto add = [&](const std::string& path, std::function<void(mg_connection*)> serve) {
    impl->handlers.push_back(std::make_unique<GetHandler>(std::move(serve)));
    impl->server->addHandler(path, impl->handlers.back().get());
  };
  add("/metrics", [this](mg_connection* conn) {
    Reply(conn, 200, "text/plain; version=0.0.4; charset=utf-8", Render());
  });
  add("/healthz", [this](mg_connection* conn) { ReplyHealth(conn, Live()); });
  add("/readyz", [this](mg_connection* conn) { ReplyHealth(conn, Ready()); });
  return OkStatus();
}

uint16_t PrometheusMetrics::port() const {
  if (!impl_->server) return 0;
  std::vector<int> ports = impl_->server->getListeningPorts();
  return ports.empty() ? 0 : static_cast<uint16_t>(ports[0]);
}

std::string PrometheusMetrics::Render() const {
  std::ostringstream out;
  std::vector<prometheus::MetricFamily> families = impl_->registry->Collect();
  prometheus::TextSerializer().Serialize(out, families);
  std::set<std::string> present;
  for (const prometheus::MetricFamily& f : families) present.insert(f.name);
  for (const auto& [name, type] : impl_->LabelledFamilies()) {
    if (present.count(*name) == 0) out << "# TYPE " << *name << " " << type << "\n";
  }
  return out.str();
}

void PrometheusMetrics::SetHealthChecks(HealthChecks checks) {
  std::unique_lock<std::shared_mutex> lock(impl_->health_mu);
  impl_->health = std::move(checks);
}

Status PrometheusMetrics::Live() const {
  std::shared_lock<std::shared_mutex> lock(impl_->health_mu);
  return impl_->health.live ? impl_->health.live() : OkStatus();
}

Status PrometheusMetrics::Ready() const {
  std::shared_lock<std::shared_mutex> lock(impl_->health_mu);
  return impl_->health.ready ? impl_->health.ready() : UnavailableError("starting");
}

void PrometheusMetrics::SetLiveObjects(const std::set<std::string>& partitions,
                                       const std::set<std::string>& accounts) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->live_partitions = partitions;
  impl_->live_accounts = accounts;
  impl_->Prune(impl_->jobs, &impl_->jobs_seen);
  impl_->Prune(impl_->interactive_jobs, &impl_->interactive_jobs_seen);
  impl_->Prune(impl_->pending, &impl_->pending_seen);
  impl_->Prune(impl_->oldest_pending, &impl_->oldest_pending_seen);
  impl_->Prune(impl_->gpus, &impl_->gpus_seen);
  impl_->Prune(impl_->fair_share, &impl_->fair_share_seen);
  impl_->Prune(impl_->usage, &impl_->usage_seen);
  impl_->Prune(impl_->queue_wait, &impl_->queue_wait_seen);
}

void PrometheusMetrics::SetJobs(
    const std::map<std::pair<std::string, std::string>, int64_t>& jobs) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<std::pair<Labels, double>> v;
  for (const auto& [k, n] : jobs)
    v.push_back({{{"state", k.first}, {"partition", k.second}}, double(n)});
  impl_->SetFamily(impl_->jobs, &impl_->jobs_seen, v);
}

void PrometheusMetrics::SetInteractiveJobs(
    const std::map<std::pair<std::string, std::string>, int64_t>& jobs) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<std::pair<Labels, double>> v;
  for (const auto& [k, n] : jobs)
    v.push_back({{{"state", k.first}, {"partition", k.second}}, double(n)});
  impl_->SetFamily(impl_->interactive_jobs, &impl_->interactive_jobs_seen, v);
}

void PrometheusMetrics::SetPendingReasons(
    const std::map<std::pair<std::string, std::string>, int64_t>& reasons) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<std::pair<Labels, double>> v;
  for (const auto& [k, n] : reasons) {
    v.push_back({{{"partition", k.first}, {"reason", k.second}}, double(n)});
  }
  impl_->SetFamily(impl_->pending, &impl_->pending_seen, v);
}

void PrometheusMetrics::SetOldestPending(const std::map<std::string, double>& seconds) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<std::pair<Labels, double>> v;
  for (const auto& [partition, s] : seconds) v.push_back({{{"partition", partition}}, s});
  impl_->SetFamily(impl_->oldest_pending, &impl_->oldest_pending_seen, v);
}

void PrometheusMetrics::SetGpus(
    const std::map<std::pair<std::string, std::string>, controllers::GpuCounts>& gpus) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<std::pair<Labels, double>> v;
  for (const auto& [k, c] : gpus) {
    Labels l = {{"partition", k.first}, {"gpu_type", k.second}};
    auto with = [&](const char* s) {
      auto m = l;
      m["status"] = s;
      return m;
    };
    v.push_back({with("total"), double(c.total)});
    v.push_back({with("allocated"), double(c.allocated)});
    v.push_back({with("idle"), double(c.idle)});
  }
  impl_->SetFamily(impl_->gpus, &impl_->gpus_seen, v);
}

void PrometheusMetrics::SetAccounts(
    const std::map<std::string, controllers::AccountShare>& accounts) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<std::pair<Labels, double>> fs, usage;
  for (const auto& [name, s] : accounts) {
    fs.push_back({{{"account", name}}, s.fair_share});
    usage.push_back({{{"account", name}}, s.raw_usage});
  }
  impl_->SetFamily(impl_->fair_share, &impl_->fair_share_seen, fs);
  impl_->SetFamily(impl_->usage, &impl_->usage_seen, usage);
}

void PrometheusMetrics::ObserveCycle(double seconds, int64_t started, int64_t backfill_started) {
  impl_->cycle.Observe(seconds);
  impl_->cycles.Increment();
  impl_->started.Increment(double(started));
  impl_->backfill.Increment(double(backfill_started));
}

void PrometheusMetrics::ObserveCyclePhase(const std::string& phase, double seconds) {
  impl_->cycle_phase.Add({{"phase", phase}}, Impl::CycleBuckets()).Observe(seconds);
}

void PrometheusMetrics::JobsCompleted(const std::string& state, int64_t count) {
  impl_->completed.Add({{"state", state}}).Increment(static_cast<double>(count));
}

void PrometheusMetrics::ObserveQueueWait(const std::string& partition, double seconds) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Labels labels = {{"partition", partition}};
  prometheus::Histogram& h = impl_->queue_wait.Add(labels, Impl::QueueWaitBuckets());
  impl_->queue_wait_seen[labels] = &h;
  h.Observe(seconds);
}

void PrometheusMetrics::PodsBound(int64_t count) { impl_->bound.Increment(double(count)); }

void PrometheusMetrics::ObserveCreateToBound(double seconds) {
  impl_->create_to_bound.Observe(seconds);
}

void PrometheusMetrics::BindFailed(const std::string& reason) {
  impl_->bind_failures.Add({{"reason", reason}}).Increment();
}

void PrometheusMetrics::ObserveApiRequest(const std::string& verb, const std::string& resource,
                                          double seconds, bool ok) {
  impl_->api_latency
      .Add({{"verb", verb}, {"resource", resource}},
           prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                   1, 2.5, 5, 10, 30})
      .Observe(seconds);
  if (!ok) impl_->api_errors.Add({{"verb", verb}, {"resource", resource}}).Increment();
}

void PrometheusMetrics::SetWatchRestarts(const std::string& resource, int64_t total) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  int64_t& last = impl_->watch_totals[resource];
  auto& c = impl_->watch_restarts.Add({{"resource", resource}});
  if (total > last) c.Increment(double(total - last));
  last = std::max(last, total);
}

void PrometheusMetrics::SetLeader(bool leader) { impl_->leader.Set(leader ? 1 : 0); }

void PrometheusMetrics::WriteFenced(const std::string& verb) {
  impl_->fenced_writes.Add({{"verb", verb}}).Increment();
}

}  // namespace fairway::metrics
