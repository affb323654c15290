#include "controllers/controller.h"

#include <algorithm>
#include <set>

#include "api/array_spec.h"
#include "api/array_task_list.h"
#include "api/hostlist.h"
#include "controllers/cycle_phase_timer.h"
#include "controllers/elastic_pools.h"
#include "controllers/job_status.h"
#include "controllers/kube_objects.h"
#include "controllers/names.h"
#include "controllers/object_trim.h"
#include "controllers/parallel.h"
#include "controllers/pod_builder.h"
#include "controllers/runtime_history.h"
#include "core/account_context.h"
#include "core/cycle.h"
#include "core/fair_share.h"
#include "core/priority.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

core::Timestamp ToTimestamp(WallTime t) { return std::chrono::time_point_cast<core::Seconds>(t); }

// A pending job held, or waiting for its begin time or a dependency, waits because it was asked
// to: it is left out of fairway_oldest_pending_job_seconds (the "pending too long" alert).
bool WaitsByChoice(const std::string& reason) {
  return reason == "JobHeldUser" || reason == "JobHeldAdmin" || reason == "BeginTime" ||
         reason == "Dependency";
}

// A cycle that stops between phases because the controller is stopping (Stop()).
Status Interrupted() { return Status(StatusCode::kCancelled, "cycle interrupted: stopping"); }

std::vector<std::string> NodeStrings(const std::vector<core::NodeName>& nodes) {
  std::vector<std::string> out;
  for (const core::NodeName& n : nodes) out.push_back(n.str());
  return out;
}

// The pods of one run of an instance (a job, or one task of an array).
std::vector<const json*> InstancePods(const std::vector<SharedObject>& pods,
                                      const api::JobObject& job, std::optional<uint32_t> index,
                                      int32_t restarts) {
  std::vector<const json*> job_pods;
  for (const json& p : pods) {
    if (PodLabel(p, kLabelJob) != job.meta.name) continue;
    if (JsonString(p, {"metadata", "namespace"}) != job.meta.namespace_name) continue;
    job_pods.push_back(&p);
  }
  return RunPods(job_pods, index, restarts);
}

int32_t InstanceRestarts(const api::JobObject& job, std::optional<uint32_t> index) {
  if (!index.has_value()) return job.status.restarts;
  if (job.status.array.has_value()) {
    for (const api::ArrayTaskRecord& r : job.status.array->tasks) {
      if (r.index == *index) return r.restarts;
    }
  }
  return 0;
}

bool InstanceRunning(const api::JobObject& job, std::optional<uint32_t> index) {
  if (!index.has_value()) return job.status.state == core::JobState::kRunning;
  if (!job.status.array.has_value()) return false;
  for (const api::ArrayTaskRecord& r : job.status.array->tasks) {
    if (r.index == *index) return r.state == core::JobState::kRunning;
  }
  return false;
}

}  // namespace

Controller::Controller(kube::ApiClient* client, Clock* clock, OperatorMetrics* metrics,
                       kube::EventRecorder* events, ControllerOptions options)
    : client_(client),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      writer_(client, clock, metrics, events, &job_store_),
      binder_(client, clock, metrics, options_.interactive_idle_grace),
      demand_signals_(client, &writer_),
      id_assigner_(client, options_.state_namespace, options_.id_configmap),
      reconciler_(&writer_, &binder_, &assumed_, options_.requeue_delay, options_.elapsed_refresh),
      history_(client, options_.history) {
  auto add = [&](kube::ResourceRef ref, kube::TransformFunc transform) {
    kube::InformerOptions io;
    io.transform = std::move(transform);
    informers_.push_back(std::make_unique<kube::Informer>(client_, ref, "", clock_, io));
    kube::Informer* inf = informers_.back().get();
    kube::ResourceEventHandler h;
    h.on_add = [this](const kube::ObjectPtr&) { Trigger(); };
    h.on_update = [this](const kube::ObjectPtr&, const kube::ObjectPtr&) { Trigger(); };
    h.on_delete = [this](const kube::ObjectPtr&) { Trigger(); };
    inf->AddEventHandler(std::move(h));
    return inf;
  };
  nodes_ = add(kube::ResourceRef::Nodes(), TrimNode);
  pods_ = add(kube::ResourceRef::Pods(), TrimPod);
  // Jobs live decoded in job_store_; the informer keeps their stubs.
  jobs_ = add(kube::ResourceRef::FairwayJobs(),
              [this](json job) { return job_store_.Absorb(std::move(job)); });
  kube::ResourceEventHandler forget;
  forget.on_delete = [this](const kube::ObjectPtr& job) {
    job_store_.Erase(kube::ObjectKey(*job));
  };
  jobs_->AddEventHandler(std::move(forget));
  partitions_ = add(kube::ResourceRef::FairwayPartitions(), TrimMetadata);
  accounts_ = add(kube::ResourceRef::FairwayAccounts(), TrimMetadata);
  qos_ = add(kube::ResourceRef::FairwayQoses(), TrimMetadata);
}

Controller::~Controller() { Stop(); }

Status Controller::Start() {
  for (auto& inf : informers_) inf->Start();
  for (auto& inf : informers_) {
    if (!inf->WaitForSync(options_.informer_sync_timeout)) {
      return UnavailableError("informer for " + inf->resource().GroupResource() + " did not sync");
    }
  }
  FAIRWAY_LOG(log_, kInfo, "informers synced, scheduler loop starting");
  thread_ = std::thread([this] { Loop(); });
  return OkStatus();
}

void Controller::Stop() {
  stopping_.store(true);  // a running cycle ends at its next phase (RunOnce)
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
  for (auto& inf : informers_) inf->Stop();
}

void Controller::Trigger() {
  {
    MutexLock lock(&mu_);
    triggered_ = true;
  }
  cv_.SignalAll();
}

void Controller::SetConfig(const core::SchedulerConfig& config) {
  MutexLock lock(&mu_);
  pending_config_ = config;
  config_changed_ = true;
}

void Controller::WaitUntil(std::chrono::steady_clock::time_point deadline, bool for_trigger) {
  while (!stop_ && !(for_trigger && triggered_)) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= Duration::zero()) return;
    cv_.WaitFor(&mu_, left);
  }
}

// Cycles are spaced at least `debounce` apart, counted from the end of the previous one: an
// event after a quiet spell starts a cycle at once (create-to-bound latency is one cycle, not
// debounce + cycle), while a burst of events during or just after a cycle is merged into the
// next one.
bool Controller::WaitForCycle() {
  MutexLock lock(&mu_);
  WaitUntil(std::chrono::steady_clock::now() + options_.cycle_interval, true);
  if (triggered_) WaitUntil(debounce_from_ + options_.debounce, false);
  if (stop_) return false;
  triggered_ = false;
  if (config_changed_) {
    options_.config = pending_config_;
    config_changed_ = false;
  }
  return true;
}

void Controller::Loop() {
  while (WaitForCycle()) {
    Status s = RunOnce();
    {
      MutexLock lock(&mu_);
      debounce_from_ = std::chrono::steady_clock::now();
    }
    last_cycle_end_.store(clock_->Monotonic());
    if (!s.ok() && s.code() != StatusCode::kCancelled) {
      FAIRWAY_LOG(log_, kWarn, "cycle failed", {{"error", s.ToString()}});
    }
  }
}

namespace {

// Pending reasons that no amount of waiting resolves (the partition, account or QoS the job
// names is gone or refuses it; a dependency can never be satisfied): the job keeps its state
// and reason as Slurm does, and the change also gets a Warning event so it is not silent.
bool NeedsAttention(core::PendingReason reason) {
  switch (reason) {
    case core::PendingReason::kPartitionConfig:
    case core::PendingReason::kAccountNotAllowed:
    case core::PendingReason::kQosNotAllowed:
    case core::PendingReason::kInvalidAccount:
    case core::PendingReason::kInvalidQos:
    case core::PendingReason::kBadConstraints:
    case core::PendingReason::kDependencyNeverSatisfied:
      return true;
    default:
      return false;
  }
}

}  // namespace

// A Job the API server stored but Fairway cannot read (written before the admission webhook was
// installed, or with the webhook's failurePolicy Ignore while it was down) must not vanish from
// the queue silently: it ends FAILED with reason InvalidSpec, the decoder's message (naming the
// field) and a Warning event. Written once: an object already marked with the same message is
// left alone, so this costs nothing per cycle.
void Controller::MarkUndecodableJob(const json& obj, const Status& error) {
  const std::string message = error.ToString();
  const json* st = obj.contains("status") ? &obj["status"] : nullptr;
  if (st != nullptr && st->is_object() && st->value("reason", "") == "InvalidSpec" &&
      st->value("message", "") == message) {
    return;
  }
  const std::string ns = JsonString(obj, {"metadata", "namespace"});
  const std::string name = JsonString(obj, {"metadata", "name"});
  json status = {
      {"state", "FAILED"},
      {"reason", "InvalidSpec"},
      {"message", message},
      {"endTime", api::FormatRfc3339(std::chrono::time_point_cast<core::Seconds>(clock_->Now()))}};
  StatusOr<json> written = client_->Patch(kube::ResourceRef::FairwayJobs(), ns, name,
                                          kube::PatchType::kMerge, {{"status", status}}, "status");
  if (!written.ok()) {
    FAIRWAY_LOG(cycle_log_, kWarn, "invalid job: status write failed",
                {{"job", ns + "/" + name}, {"error", written.status().ToString()}});
    return;
  }
  FAIRWAY_LOG(cycle_log_, kInfo, "invalid job failed",
              {{"job", ns + "/" + name}, {"error", message}});
  writer_.Event(obj, "Job", true, "InvalidSpec", message);
}

ClusterObjects Controller::LoadObjects(std::vector<kube::ObjectPtr>* raw_jobs) {
  ClusterObjects o;
  o.nodes =
      node_cache_.Decode(nodes_->cache().List(), [](const json& n) { return NodeFromJson(n); });
  for (kube::ObjectPtr& p : pods_->cache().List()) o.pods.emplace_back(std::move(p));
  // The store's order (by key) is the cycle's: ties and logs are deterministic.
  for (const JobStore::EntryPtr& entry : job_store_.List()) {
    if (!entry->job.ok()) {
      MarkUndecodableJob(*entry->stub, entry->job.status());
      continue;
    }
    // Shares the store's Job and facts (aliasing the entry) until the cycle changes the Job.
    o.jobs.emplace_back(std::shared_ptr<const api::JobObject>(entry, &*entry->job),
                        std::shared_ptr<const JobFacts>(entry, &entry->facts));
    raw_jobs->push_back(entry->stub);
  }
  for (const kube::ObjectPtr& p : partitions_->cache().List()) {
    auto v = api::PartitionFromJson(*p);
    if (v.ok()) o.partitions.push_back(std::move(*v));
  }
  for (const kube::ObjectPtr& p : accounts_->cache().List()) {
    auto v = api::AccountFromJson(*p);
    if (v.ok()) o.accounts.push_back(std::move(*v));
  }
  for (const kube::ObjectPtr& p : qos_->cache().List()) {
    auto v = api::QosFromJson(*p);
    if (v.ok()) o.qos.push_back(std::move(*v));
  }
  auto by_name = [](const auto& a, const auto& b) { return a.meta.name < b.meta.name; };
  std::sort(o.partitions.begin(), o.partitions.end(), by_name);
  std::sort(o.accounts.begin(), o.accounts.end(), by_name);
  std::sort(o.qos.begin(), o.qos.end(), by_name);
  return o;
}

// ---- The cycle ------------------------------------------------------------------------------

Status Controller::RunOnce() {
  const MonotonicTime t0 = clock_->Monotonic();
  CyclePhaseTimer phases(clock_, metrics_, t0);
  const core::Timestamp now = ToTimestamp(clock_->Now());
  cycle_log_ = log_.With({{"cycle", cycles_.load() + 1}});
  std::vector<kube::ObjectPtr> raw;  // the stored Jobs, parallel to objects.jobs
  ClusterObjects objects = LoadObjects(&raw);
  // Assumed starts the informer now shows (or that ended) are confirmed: forget them.
  assumed_.Confirm(objects.jobs);
  id_assigner_.Assign(&objects, now, cycle_log_);
  reconciler_.Reconcile(&objects, &raw, now, cycle_log_);
  phases.End("load");
  if (stopping_.load()) return Interrupted();

  SnapshotOptions sopts;
  sopts.now = now;
  Snapshot snap = BuildSnapshot(objects, assumed_.List(), sopts);
  FailInvalidJobs(snap, &objects, &raw, now);
  UpdateUsage(snap, objects, now);
  if (options_.config.backfill.runtime_prediction != core::RuntimePrediction::kOff) {
    runtime_history_ = RuntimeHistoryOf(objects.jobs);
  }
  phases.End("snapshot");
  const core::CycleResult result = Schedule(snap, now);
  phases.End("schedule");
  if (stopping_.load()) return Interrupted();

  ApplyTimeouts(result, snap, &objects, &raw, now);
  ApplyPreemptions(result, snap, &objects, &raw);
  ApplyStarts(result, snap, &objects, &raw, now);
  if (stopping_.load()) return Interrupted();
  const AwaitingNodes awaiting(snap.cluster, snap.pending, result);
  WritePendingStatuses(result, snap, awaiting, &objects, &raw);
  demand_signals_.Sync(awaiting, result, snap, objects, cycle_log_);
  phases.End("apply");
  ReportCycle(result, t0);
  if (stopping_.load()) return Interrupted();

  // Status and metrics see the view after the starts. A cycle that started, timed out and
  // preempted nothing leaves that view as it was (pending statuses are not part of it), which
  // saves rebuilding it on a full cluster with a long queue.
  const bool placements_changed =
      !result.started.empty() || !result.timed_out.empty() || !result.preemptions.empty();
  const Snapshot after =
      placements_changed ? BuildSnapshot(objects, assumed_.List(), sopts) : std::move(snap);
  PersistUsage(after, objects, result.accounts, now);
  UpdatePartitions(after, objects);
  ReportMetrics(after, objects, result.accounts);
  RejectStrayPods(objects);
  history_.Update(objects.jobs, now, clock_->Monotonic(), cycle_log_);
  phases.End("report");
  return OkStatus();
}

// Jobs whose spec cannot be converted end FAILED with the message (not retried).
void Controller::FailInvalidJobs(const Snapshot& snap, ClusterObjects* objects,
                                 std::vector<kube::ObjectPtr>* raw, core::Timestamp now) {
  for (const HeldBack& h : snap.held_back) {
    if (!h.invalid) continue;
    api::JobObject& job = objects->jobs[h.job].Mutable();  // rare: invalid specs
    if (job.status.job_id == 0 || (job.status.state && core::IsTerminal(*job.status.state))) {
      continue;
    }
    api::JobStatus st = job.status;
    st.state = core::JobState::kFailed;
    st.reason = "InvalidSpec";
    st.message = h.message;
    st.end_time = now;
    Status s = writer_.WriteStatus(&(*raw)[h.job], &job, st);
    if (s.ok()) writer_.Event(*(*raw)[h.job], "Job", true, "InvalidSpec", h.message);
  }
}

core::CycleResult Controller::Schedule(const Snapshot& snap, core::Timestamp now) {
  const core::SchedulerConfig config = options_.config;
  core::CycleInput in;
  in.now = now;
  in.cluster = &snap.cluster;
  in.pending = &snap.pending;
  in.config = &config;
  in.usage = &period_ledger_;
  in.history = &runtime_history_;
  return core::RunCycle(in);
}

void Controller::ReportCycle(const core::CycleResult& result, MonotonicTime start) {
  const double seconds = std::chrono::duration<double>(clock_->Monotonic() - start).count();
  metrics_->ObserveCycle(seconds, static_cast<int64_t>(result.started.size()),
                         result.stats.backfill_started);
  ++cycles_;
  if (result.started.empty()) return;
  FAIRWAY_LOG(cycle_log_, kInfo, "cycle",
              {{"started", result.stats.started},
               {"backfilled", result.stats.backfill_started},
               {"pending", static_cast<int64_t>(result.pending.size())},
               {"seconds", seconds}});
}

// ---- 4. Timeouts and preemptions ---------------------------------------------------------------

// Starts run concurrently, one group per Job: a Job's starts (array tasks) share its status
// object, so they stay in order within their group, while different Jobs are independent
// objects. The cycle is bound by API round trips (a status write, then a pod create and a bind
// per pod, each about a millisecond), not by CPU, so up to options_.bind_parallelism groups are
// in flight at once. Decisions do not depend on the order: the core placed every start on the
// snapshot already, and each start is recorded as assumed before its first write.
void Controller::ApplyStarts(const core::CycleResult& result, const Snapshot& snap,
                             ClusterObjects* objects, std::vector<kube::ObjectPtr>* raw,
                             core::Timestamp now) {
  std::map<size_t, std::vector<const core::StartDecision*>> by_job;  // by job index: stable
  for (const core::StartDecision& d : result.started) {
    by_job[snap.pending_refs[d.pending_index].job].push_back(&d);
  }
  std::vector<std::pair<size_t, std::vector<const core::StartDecision*>>> groups(by_job.begin(),
                                                                                 by_job.end());
  ParallelFor(groups.size(), options_.bind_parallelism, [&](size_t g) {
    if (stopping_.load()) return;  // no new starts once stopping
    const size_t job = groups[g].first;
    for (const core::StartDecision* d : groups[g].second) {
      StartInstance(*d, &objects->jobs[job].Mutable(), &(*raw)[job], now);
    }
  });
}

// One start: the decision is recorded in the API server first (status RUNNING, and the start
// assumed so no later cycle hands out the same GPUs), then the pods are created and bound, all
// or none; a failed binding reverts the status and forgets the assumption.
void Controller::StartInstance(const core::StartDecision& d, api::JobObject* job,
                               kube::ObjectPtr* obj, core::Timestamp now) {
  std::optional<api::ArraySpec> array;
  if (!job->spec.array.empty()) {
    auto a = api::ParseArraySpec(job->spec.array, api::kMaxMaxArraySize);
    if (!a.ok()) return;
    array = std::move(*a);
  }
  PodPlan plan;
  plan.array_job_id = job->status.job_id;
  plan.array_index = d.array_task;
  plan.job_id = d.array_task.has_value() && array.has_value()
                    ? ArrayTaskJobId(*array, job->status.job_id, *d.array_task)
                    : job->status.job_id;
  plan.partition = d.partition.str();
  plan.qos = d.qos.str();
  plan.nodes = NodeStrings(d.nodes);
  plan.time_limit = d.time_limit;
  plan.restarts = job->status.restarts;

  api::JobStatus before = job->status;
  api::JobStatus st = job->status;
  MarkStarted(&st, d, plan.job_id, now);
  if (st.array.has_value()) plan.restarts = 0;
  AssumedStart assumed{job->meta.Key(), d.array_task, core::JobId{plan.job_id},
                       d.partition,     d.nodes,      now,
                       d.time_limit};
  assumed_.Add(assumed);
  Status w = writer_.WriteStatus(obj, job, st);
  if (!w.ok()) {
    assumed_.Forget(assumed.job_key, assumed.array_index);
    FAIRWAY_LOG(cycle_log_, kWarn, "start not recorded",
                {{"job", job->meta.Key()}, {"error", w.ToString()}});
    return;
  }
  Status b = binder_.CreateAndBind(*job, plan, cycle_log_);
  if (!b.ok()) {
    FAIRWAY_LOG(cycle_log_, kWarn, "binding failed, start rolled back",
                {{"job", job->meta.Key()}, {"error", b.ToString()}});
    writer_.Event(**obj, "Job", true, "FailedBinding", b.ToString());
    assumed_.Forget(assumed.job_key, assumed.array_index);
    api::JobStatus reverted = job->status;
    UndoStart(&reverted, before, d.array_task);
    Status r = writer_.WriteStatus(obj, job, reverted);
    if (!r.ok())
      FAIRWAY_LOG(cycle_log_, kWarn, "rollback status write failed", {{"error", r.ToString()}});
    return;
  }
  FAIRWAY_LOG(cycle_log_, kInfo, "job started",
              {{"job", job->meta.Key()},
               {"jobid", plan.job_id},
               {"nodes", api::CompressHostList(plan.nodes)},
               {"backfill", d.backfilled}});
  writer_.Event(**obj, "Job", false, "Started",
                "started on " + api::CompressHostList(plan.nodes) + " in partition " +
                    plan.partition + (d.backfilled ? " (backfill)" : ""));
}

namespace {

// A pending job's status after decision `d`: reason, priority, expected start, partitions,
// and the message of a job waiting for nodes a pool can add.
api::JobStatus PendingStatus(const api::JobObject& job, const core::PendingDecision& d,
                             const core::CycleResult& result, const AwaitingNodes& awaiting) {
  api::JobStatus st = job.status;
  std::string parts;
  for (const core::PartitionName& p : result.PartitionsOf(d)) {
    parts += (parts.empty() ? "" : ",") + p.str();
  }
  MarkPending(&st, d, parts);
  awaiting.Apply(d, &st);
  return st;
}

}  // namespace

// Pending jobs: reason, priority, expected start, partitions. Only changed statuses are
// written; different Jobs in parallel (as ApplyStarts), a Job's own decisions in order. Which
// Jobs change is decided first, on this thread: in a steady state with a long queue almost none
// do, and the writers then get only those.
void Controller::WritePendingStatuses(const core::CycleResult& result, const Snapshot& snap,
                                      const AwaitingNodes& awaiting, ClusterObjects* objects,
                                      std::vector<kube::ObjectPtr>* raw) {
  std::vector<std::pair<size_t, const core::PendingDecision*>> decisions;  // by job, stable
  for (const core::PendingDecision& d : result.pending) {
    decisions.emplace_back(snap.pending_refs[d.pending_index].job, &d);
  }
  std::stable_sort(decisions.begin(), decisions.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<size_t, std::vector<const core::PendingDecision*>>> groups;
  for (const auto& [ji, d] : decisions) {
    if (groups.empty() || groups.back().first != ji) groups.push_back({ji, {}});
    groups.back().second.push_back(d);
  }
  std::erase_if(groups, [&](const auto& g) {
    const api::JobObject& job = objects->jobs[g.first];
    return g.second.size() == 1 && !FirstStatusUnwritten(*(*raw)[g.first]) &&
           !StatusDiffers(PendingStatus(job, *g.second[0], result, awaiting), job.status);
  });
  ParallelFor(groups.size(), options_.bind_parallelism, [&](size_t g) {
    const size_t ji = groups[g].first;
    CycleJob& job = objects->jobs[ji];  // copied only when its status is written
    for (const core::PendingDecision* d : groups[g].second) {
      const api::JobStatus st = PendingStatus(job, *d, result, awaiting);
      if (!StatusDiffers(st, job->status) && !FirstStatusUnwritten(*(*raw)[ji])) continue;
      const std::string previous_reason = job->status.reason;
      Status s = writer_.WriteStatus(&(*raw)[ji], &job.Mutable(), st);
      if (!s.ok()) {
        FAIRWAY_LOG(cycle_log_, kDebug, "pending status write failed", {{"error", s.ToString()}});
      }
      if (s.ok() && st.reason != previous_reason && NeedsAttention(d->reason)) {
        writer_.Event(
            *(*raw)[ji], "Job", true, st.reason,
            "the job cannot start until its spec or the cluster's configuration changes: " +
                st.reason);
      }
    }
  });
}

void Controller::ApplyTimeouts(const core::CycleResult& result, const Snapshot& snap,
                               ClusterObjects* objects, std::vector<kube::ObjectPtr>* raw,
                               core::Timestamp now) {
  for (const core::TimeoutDecision& t : result.timed_out) {
    const InstanceRef& ref = snap.running_refs[t.running_index];
    api::JobObject& job = objects->jobs[ref.job].Mutable();  // timeouts are written
    kube::ObjectPtr& obj = (*raw)[ref.job];
    if (!InstanceRunning(job, ref.array_index)) continue;  // only assumed so far
    const int32_t restarts = InstanceRestarts(job, ref.array_index);
    writer_.DeletePods(NotTerminal(InstancePods(objects->pods, job, ref.array_index, restarts)),
                       cycle_log_);
    InstanceOutcome out;
    out.kind = InstanceOutcome::kTimeout;
    api::JobStatus st = job.status;
    if (!ref.array_index.has_value()) {
      ApplyOutcome(&st, out, job.spec.requeue, now, options_.requeue_delay);
    } else {
      StatusOr<api::ArraySpec> spec = api::ParseArraySpec(job.spec.array, api::kMaxMaxArraySize);
      if (!spec.ok()) continue;
      ApplyTaskOutcome(&st, *spec, *ref.array_index, out, job.spec.requeue, now);
    }
    Status s = writer_.WriteStatus(&obj, &job, st);
    if (!s.ok()) {
      FAIRWAY_LOG(cycle_log_, kWarn, "timeout not recorded",
                  {{"job", job.meta.Key()}, {"error", s.ToString()}});
      continue;
    }
    std::string what = ref.array_index ? "task " + std::to_string(*ref.array_index) + ": " : "";
    writer_.Event(*obj, "Job", true, OutcomeReason(out), what + OutcomeMessage(out));
    FAIRWAY_LOG(cycle_log_, kInfo, "job timed out",
                {{"job", job.meta.Key()}, {"jobid", t.id.value}});
  }
}

void Controller::ApplyPreemptions(const core::CycleResult& result, const Snapshot& snap,
                                  ClusterObjects* objects, std::vector<kube::ObjectPtr>* raw) {
  struct Victim {
    InstanceRef ref;
    PreemptMark mark;
    std::string preemptor_key;
  };
  std::map<size_t, std::vector<Victim>> by_job;
  for (const core::PreemptDecision& d : result.preemptions) {
    const std::string preemptor_key =
        objects->jobs[snap.pending_refs[d.pending_index].job]->meta.Key();
    for (const core::PreemptVictim& v : d.victims) {
      const InstanceRef& ref = snap.running_refs[v.running_index];
      const api::JobObject& job = objects->jobs[ref.job];
      PreemptMark m;
      m.victim = v.id.value;
      m.restarts = InstanceRestarts(job, ref.array_index);
      m.preemptor = d.preemptor.value;
      m.mode = v.mode == core::PreemptMode::kRequeue && job.spec.requeue
                   ? core::PreemptMode::kRequeue
                   : core::PreemptMode::kCancel;
      m.grace_seconds = std::max<int64_t>(0, v.grace_period.count());
      by_job[ref.job].push_back({ref, m, preemptor_key});
    }
  }
  for (auto& [ji, victims] : by_job) {
    api::JobObject& job = objects->jobs[ji].Mutable();  // its marks are written
    kube::ObjectPtr& obj = (*raw)[ji];
    // Record the choice first; marks of runs that no longer run are dropped.
    std::vector<PreemptMark> marks;
    for (const PreemptMark& m : PreemptMarksOf(job)) {
      bool live = false;
      for (size_t i = 0; i < snap.running_refs.size(); ++i) {
        if (snap.running_refs[i].job == ji && snap.cluster.running[i].id.value == m.victim)
          live = true;
      }
      if (live) marks.push_back(m);
    }
    for (const Victim& v : victims) {
      if (!FindPreemptMark(marks, v.mark.victim, v.mark.restarts)) marks.push_back(v.mark);
    }
    Status s = writer_.WritePreemptMarks(&obj, &job, marks);
    if (!s.ok()) {
      FAIRWAY_LOG(cycle_log_, kWarn, "preemption not recorded",
                  {{"job", job.meta.Key()}, {"error", s.ToString()}});
      continue;
    }
    for (const Victim& v : victims) {
      writer_.DeletePods(
          NotTerminal(InstancePods(objects->pods, job, v.ref.array_index, v.mark.restarts)),
          cycle_log_, v.mark.grace_seconds);
      std::string what =
          v.ref.array_index ? "task " + std::to_string(*v.ref.array_index) + " " : "";
      std::string msg = what + "preempted by job " + std::to_string(v.mark.preemptor) + " (" +
                        v.preemptor_key + "); " +
                        (v.mark.mode == core::PreemptMode::kRequeue ? "requeue" : "cancel") +
                        " after a grace period of " + std::to_string(v.mark.grace_seconds) + "s";
      writer_.Event(*obj, "Job", true, "Preempting", msg);
      FAIRWAY_LOG(cycle_log_, kInfo, "preempting",
                  {{"job", job.meta.Key()},
                   {"jobid", v.mark.victim},
                   {"preemptor", v.mark.preemptor},
                   {"grace_s", v.mark.grace_seconds}});
    }
  }
}

// ---- 5. Usage ---------------------------------------------------------------------------------

// Charges every run from its cursor (accounting.h) and derives the ledger the scheduler reads.
// An Account seen for the first time (a new controller, or the object was created again) starts
// from the checkpoint in its status.
void Controller::UpdateUsage(const Snapshot& snap, const ClusterObjects& objects,
                             core::Timestamp now) {
  for (const api::AccountObject& a : objects.accounts) {
    if (!accounting_.Knows(a.meta.name, a.meta.uid)) {
      accounting_.Restore(a.meta.name, a.meta.uid, a.status);
    }
  }
  AccountingOptions o;
  o.half_life = options_.config.fair_share.decay_half_life;
  o.settle = options_.usage_settle;
  o.retention = options_.usage_cursor_retention;
  const std::vector<RunFacts> runs =
      RunsOf(objects, snap.cluster, options_.config.fair_share.billing);
  accounting_.Charge(runs, LiveInstanceIds(objects), now, o);
  core::UsageLedger own = accounting_.OwnUsage();
  std::shared_ptr<const core::AccountTree> tree =
      core::BuildAccountTree(snap.cluster, snap.pending, &own);
  ledger_ = accounting_.Ledger(*tree, now);
  // The period's usage is taken once its start has settled (pod ends arrive up to `settle`
  // late), so the same period start gives the same usage in every process that computes it.
  const core::Timestamp start =
      core::PriorityPassTime(now - o.settle, options_.config.priority.calc_period);
  if (period_start_ != start) {
    period_usage_ = accounting_.OwnUsageAt(runs, start, o.half_life);
    period_start_ = start;
  }
  period_ledger_ = SubtreeLedger(*tree, period_usage_, start);
}

// Writes the Accounts whose status changed: all of them every usage_persist_interval, and at
// once those a run of which ended (its facts may go soon, with its Job) and their ancestors
// (AccountsToFlush). Each write carries the account's whole checkpoint; the base object is the
// newer of the informer's and our last write, so our own writes do not conflict.
void Controller::PersistUsage(const Snapshot& snap, const ClusterObjects& objects,
                              const std::shared_ptr<const core::AccountContext>& accounts,
                              core::Timestamp now) {
  const MonotonicTime mono = clock_->Monotonic();
  const bool due = mono - last_persist_ >= options_.usage_persist_interval;
  if (due) last_persist_ = mono;
  const std::set<std::string> flush = AccountsToFlush(accounting_, objects.accounts);
  std::set<std::string> present;
  for (const api::AccountObject& a : objects.accounts) {
    present.insert(a.meta.name);
    auto ours = account_written_.find(a.meta.name);
    if (!due && flush.count(a.meta.name) == 0) continue;
    kube::ObjectPtr cached = accounts_->cache().Get(a.meta.name);
    if (!cached) continue;
    json base = *cached;
    if (ours != account_written_.end() &&
        JsonString(ours->second, {"metadata", "uid"}) == a.meta.uid &&
        kube::ResourceVersionNewer(JsonString(ours->second, {"metadata", "resourceVersion"}),
                                   JsonString(base, {"metadata", "resourceVersion"}))) {
      base = ours->second;
    }
    StatusOr<api::AccountObject> current = api::AccountFromJson(base);
    if (!current.ok()) continue;
    const UsageCheckpoint checkpoint = accounting_.Checkpoint(a.meta.name);
    api::AccountStatus st = AccountStatusFor(*current, checkpoint, ledger_, accounts.get(), snap);
    if (st != current->status) {
      Status s = WriteAccountStatus(a.meta.name, std::move(base), st);
      if (!s.ok()) {
        FAIRWAY_LOG(cycle_log_, kDebug, "account status write failed",
                    {{"account", a.meta.name}, {"error", s.ToString()}});
        continue;
      }
    }
    accounting_.MarkPersisted(a.meta.name, checkpoint);
  }
  std::erase_if(account_written_, [&](const auto& e) { return present.count(e.first) == 0; });
}

Status Controller::WriteAccountStatus(const std::string& name, json base,
                                      const api::AccountStatus& status) {
  for (int attempt = 0;; ++attempt) {
    base["status"] = api::ToJson(status);
    StatusOr<json> w = client_->UpdateStatus(kube::ResourceRef::FairwayAccounts(), "", base);
    if (w.ok()) {
      account_written_[name] = *w;
      return OkStatus();
    }
    if (w.status().code() != StatusCode::kAborted || attempt > 0) {
      return w.status().WithContext("status of Account " + name);
    }
    StatusOr<json> fresh = client_->Get(kube::ResourceRef::FairwayAccounts(), "", name);
    if (!fresh.ok()) return fresh.status().WithContext("re-reading Account " + name);
    StatusOr<api::AccountObject> stored = api::AccountFromJson(*fresh);
    if (!stored.ok()) return stored.status().WithContext("re-reading Account " + name);
    const UsageCheckpoint* persisted = accounting_.Persisted(name);
    if (persisted == nullptr || CheckpointFromStatus(stored->status) != *persisted) {
      accounting_.Restore(name, stored->meta.uid, stored->status);
      FAIRWAY_LOG(cycle_log_, kWarn, "account usage written by another writer; adopting it",
                  {{"account", name}});
      return AbortedError("usage checkpoint of Account " + name + " changed underneath");
    }
    base = std::move(*fresh);
  }
}

void Controller::UpdatePartitions(const Snapshot& snap, const ClusterObjects& objects) {
  for (const api::PartitionObject& p : objects.partitions) {
    api::PartitionStatus st = PartitionStatusFor(p, snap);
    st.observed_generation = p.meta.generation;
    st.conditions = p.status.conditions;
    if (st == p.status) continue;
    kube::ObjectPtr obj = partitions_->cache().Get(p.meta.name);
    if (!obj) continue;
    json o = *obj;
    o["status"] = api::ToJson(st);
    StatusOr<json> w = client_->UpdateStatus(kube::ResourceRef::FairwayPartitions(), "", o);
    if (!w.ok()) {
      FAIRWAY_LOG(cycle_log_, kDebug, "partition status write failed",
                  {{"error", w.status().ToString()}});
    }
  }
}

void Controller::ReportMetrics(const Snapshot& snap, const ClusterObjects& objects,
                               const std::shared_ptr<const core::AccountContext>& accounts) {
  std::set<std::string> partitions, account_names;
  for (const api::PartitionObject& p : objects.partitions) partitions.insert(p.meta.name);
  for (const api::AccountObject& a : objects.accounts) account_names.insert(a.meta.name);
  metrics_->SetLiveObjects(partitions, account_names);
  std::map<std::pair<std::string, std::string>, int64_t> jobs;
  std::map<std::pair<std::string, std::string>, int64_t> interactive;
  std::map<std::pair<std::string, std::string>, int64_t> reasons;
  std::map<std::string, double> oldest_pending;
  const core::Timestamp now = ToTimestamp(clock_->Now());
  for (const api::JobObject& j : objects.jobs) {
    std::string state(core::JobStateName(j.status.state.value_or(core::JobState::kPending)));
    std::string part = j.status.partition.empty() ? j.spec.partition : j.status.partition;
    jobs[{state, part}]++;
    if (j.spec.interactive) interactive[{state, part}]++;
    if (state != "PENDING") continue;
    const std::string& reason = j.status.reason.empty() ? "None" : j.status.reason;
    reasons[{part, reason}]++;
    if (WaitsByChoice(reason)) continue;
    std::optional<core::Timestamp> submit =
        j.status.submit_time ? j.status.submit_time : j.meta.creation_timestamp;
    if (!submit) continue;
    double& oldest = oldest_pending[part];
    oldest = std::max(oldest, std::chrono::duration<double>(now - *submit).count());
  }
  metrics_->SetJobs(jobs);
  metrics_->SetInteractiveJobs(interactive);
  metrics_->SetPendingReasons(reasons);
  metrics_->SetOldestPending(oldest_pending);
  metrics_->SetGpus(GpuCountsByPartition(snap));
  std::map<std::string, AccountShare> shares;
  if (accounts) {
    for (const core::FairShareRow& row : accounts->fair_share.rows()) {
      if (row.account.str() == "root") continue;
      AccountShare& s = shares[row.account.str()];
      if (row.user.empty())
        s.raw_usage = row.raw_usage;
      else
        s.fair_share = std::max(s.fair_share, row.fair_share);
    }
  }
  metrics_->SetAccounts(shares);
  for (const auto& inf : informers_) {
    metrics_->SetWatchRestarts(inf->resource().plural, inf->reflector().failure_count());
  }
}

void Controller::RejectStrayPods(const ClusterObjects& objects) {
  std::set<std::string> uids;  // of the Jobs, built when the first unbound pod needs it
  for (const json& p : objects.pods) {
    if (JsonString(p, {"spec", "schedulerName"}) != kSchedulerName) continue;
    if (!JsonString(p, {"spec", "nodeName"}).empty() || PodIsTerminal(p) || PodIsDeleting(p))
      continue;
    if (uids.empty()) {
      for (const api::JobObject& j : objects.jobs) uids.insert(j.meta.uid);
    }
    bool owned = false;
    if (const json* refs = JsonAt(p, {"metadata", "ownerReferences"}); refs && refs->is_array()) {
      for (const json& r : *refs) {
        if (JsonString(r, {"kind"}) == api::kJobKind && uids.count(JsonString(r, {"uid"})) > 0) {
          owned = true;
        }
      }
    }
    if (owned) continue;
    writer_.Event(p, "Pod", true, "NotOwnedByFairwayJob",
                  "pods with schedulerName fairway must be created by a Fairway Job; deleting");
    writer_.DeletePods({&p}, cycle_log_);
  }
}

}  // namespace fairway::controllers
