#include "controllers/controller.h"

#include <algorithm>
#include <set>

#include "api/array_spec.h"
#include "api/array_task_list.h"
#include "api/hostlist.h"
#include "controllers/job_status.h"
#include "controllers/kube_objects.h"
#include "controllers/names.h"
#include "controllers/parallel.h"
#include "controllers/pod_builder.h"
#include "core/account_context.h"
#include "core/cycle.h"
#include "core/fair_share.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

core::Timestamp ToTimestamp(WallTime t) { return std::chrono::time_point_cast<core::Seconds>(t); }

kube::ResourceRef ConfigMaps() { return {"", "v1", "configmaps", true}; }
kube::ResourceRef Services() { return {"", "v1", "services", true}; }

std::vector<std::string> NodeStrings(const std::vector<core::NodeName>& nodes) {
  std::vector<std::string> out;
  for (const core::NodeName& n : nodes) out.push_back(n.str());
  return out;
}

// The pods of one run of an instance (a job, or one task of an array).
std::vector<const json*> InstancePods(const std::vector<json>& pods, const api::JobObject& job,
                                      std::optional<uint32_t> index, int32_t restarts) {
  std::vector<const json*> out;
  for (const json& p : pods) {
    if (PodLabel(p, kLabelJob) != job.meta.name) continue;
    if (JsonString(p, {"metadata", "namespace"}) != job.meta.namespace_name) continue;
    if (PodLabel(p, kLabelRestarts) != std::to_string(restarts)) continue;
    std::string idx = PodLabel(p, kLabelArrayIndex);
    if (index.has_value() ? idx != std::to_string(*index) : !idx.empty()) continue;
    out.push_back(&p);
  }
  return out;
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

// The stored Job has no jobID yet: its id is in memory only (Controller::AssignJobIds).
bool FirstStatusUnwritten(const json& stored) {
  const json* id = JsonAt(stored, {"status", "jobID"});
  return id == nullptr || !id->is_number() || id->get<uint64_t>() == 0;
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
      events_(events),
      options_(std::move(options)) {
  auto add = [&](kube::ResourceRef ref) {
    informers_.push_back(std::make_unique<kube::Informer>(client_, ref, "", clock_));
    kube::Informer* inf = informers_.back().get();
    kube::ResourceEventHandler h;
    h.on_add = [this](const kube::ObjectPtr&) { Trigger(); };
    h.on_update = [this](const kube::ObjectPtr&, const kube::ObjectPtr&) { Trigger(); };
    h.on_delete = [this](const kube::ObjectPtr&) { Trigger(); };
    inf->AddEventHandler(std::move(h));
    return inf;
  };
  nodes_ = add(kube::ResourceRef::Nodes());
  pods_ = add(kube::ResourceRef::Pods());
  jobs_ = add(kube::ResourceRef::FairwayJobs());
  partitions_ = add(kube::ResourceRef::FairwayPartitions());
  accounts_ = add(kube::ResourceRef::FairwayAccounts());
  qos_ = add(kube::ResourceRef::FairwayQoses());
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& inf : informers_) inf->Stop();
}

void Controller::Trigger() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    triggered_ = true;
  }
  cv_.notify_all();
}

void Controller::SetConfig(const core::SchedulerConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_config_ = config;
  config_changed_ = true;
}

void Controller::Loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, options_.cycle_interval, [this] { return stop_ || triggered_; });
      if (stop_) return;
      if (triggered_) {
        // Debounce: let a burst of events land before the cycle.
        cv_.wait_for(lock, options_.debounce, [this] { return stop_; });
        if (stop_) return;
      }
      triggered_ = false;
      if (config_changed_) {
        options_.config = pending_config_;
        config_changed_ = false;
      }
    }
    Status s = RunOnce();
    if (!s.ok()) FAIRWAY_LOG(log_, kWarn, "cycle failed", {{"error", s.ToString()}});
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
    FAIRWAY_LOG(log_, kWarn, "invalid job: status write failed",
                {{"job", ns + "/" + name}, {"error", written.status().ToString()}});
    return;
  }
  FAIRWAY_LOG(log_, kInfo, "invalid job failed", {{"job", ns + "/" + name}, {"error", message}});
  Event(obj, "Job", true, "InvalidSpec", message);
}

ClusterObjects Controller::LoadObjects(std::vector<json>* raw_jobs) {
  ClusterObjects o;
  for (const kube::ObjectPtr& p : nodes_->cache().List()) o.nodes.push_back(*p);
  for (const kube::ObjectPtr& p : pods_->cache().List()) o.pods.push_back(*p);
  std::vector<kube::ObjectPtr> jobs = jobs_->cache().List();
  std::set<std::string> seen;
  for (const kube::ObjectPtr& p : jobs) {
    std::string key = kube::ObjectKey(*p);
    seen.insert(key);
    json obj = *p;
    auto it = overlay_.find(key);
    if (it != overlay_.end()) {
      std::string ours = JsonString(it->second, {"metadata", "resourceVersion"});
      std::string theirs = JsonString(obj, {"metadata", "resourceVersion"});
      if (kube::ResourceVersionNewer(ours, theirs)) {
        obj = it->second;
      } else {
        overlay_.erase(it);
      }
    }
    StatusOr<api::JobObject> job = api::JobFromJson(obj);
    if (!job.ok()) {
      MarkUndecodableJob(obj, job.status());
      continue;
    }
    o.jobs.push_back(std::move(*job));
    raw_jobs->push_back(std::move(obj));
  }
  for (auto it = overlay_.begin(); it != overlay_.end();) {
    it = seen.count(it->first) ? std::next(it) : overlay_.erase(it);
  }
  // Stable order: by key, so ties and logs are deterministic.
  std::vector<size_t> order(o.jobs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return o.jobs[a].meta.Key() < o.jobs[b].meta.Key(); });
  std::vector<api::JobObject> jobs_sorted;
  std::vector<json> raw_sorted;
  for (size_t i : order) {
    jobs_sorted.push_back(std::move(o.jobs[i]));
    raw_sorted.push_back(std::move((*raw_jobs)[i]));
  }
  o.jobs = std::move(jobs_sorted);
  *raw_jobs = std::move(raw_sorted);
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

// IDs a job takes: one, or one per task of an array (the last task runs under the array's own
// id, as in Slurm).
static uint64_t JobIdsNeeded(const api::JobObject& job) {
  if (job.spec.array.empty()) return 1;
  auto a = api::ParseArraySpec(job.spec.array, api::kMaxMaxArraySize);
  return a.ok() ? std::max<uint64_t>(1, a->size()) : 1;
}

StatusOr<uint64_t> Controller::AllocateJobIds(uint64_t count, const ClusterObjects& objects) {
  uint64_t floor = 1;
  for (const api::JobObject& j : objects.jobs) {
    uint64_t top = j.status.job_id;
    if (j.status.job_id != 0 && j.status.array.has_value()) top += j.status.array->task_count;
    floor = std::max(floor, top + 1);
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    StatusOr<json> cm = client_->Get(ConfigMaps(), options_.state_namespace, options_.id_configmap);
    if (!cm.ok() && cm.status().code() != StatusCode::kNotFound) return cm.status();
    uint64_t next = floor;
    if (cm.ok()) {
      std::string stored = JsonString(*cm, {"data", "nextJobID"});
      if (!stored.empty())
        next = std::max<uint64_t>(next, std::strtoull(stored.c_str(), nullptr, 10));
      json updated = *cm;
      updated["data"]["nextJobID"] = std::to_string(next + count);
      StatusOr<json> w = client_->Update(ConfigMaps(), options_.state_namespace, updated);
      if (w.ok()) return next;
      if (w.status().code() != StatusCode::kAborted) return w.status();
      continue;  // lost a race: re-read
    }
    json created = {{"apiVersion", "v1"},
                    {"kind", "ConfigMap"},
                    {"metadata",
                     {{"name", options_.id_configmap},
                      {"namespace", options_.state_namespace},
                      {"labels", {{"app.kubernetes.io/name", "fairway"}}}}},
                    {"data", {{"nextJobID", std::to_string(next + count)}}}};
    StatusOr<json> w = client_->Create(ConfigMaps(), options_.state_namespace, created);
    if (w.ok()) return next;
    if (w.status().code() != StatusCode::kAlreadyExists) return w.status();
  }
  return AbortedError("jobID counter: too many conflicting updates");
}

Status Controller::WriteJobStatus(json* raw, api::JobObject* job, const api::JobStatus& status) {
  api::JobStatus st = status;
  st.observed_generation = job->meta.generation;
  api::FillJobDisplayFields(&st, ToTimestamp(clock_->Now()));
  const bool first = FirstStatusUnwritten(*raw);
  json obj = *raw;
  obj["status"] = api::ToJson(st);
  StatusOr<json> w =
      client_->UpdateStatus(kube::ResourceRef::FairwayJobs(), job->meta.namespace_name, obj);
  if (!w.ok()) return w.status().WithContext("status of Job " + job->meta.Key());
  if (first) Event(*w, "Job", false, "Submitted", "assigned jobID " + std::to_string(st.job_id));
  {
    std::lock_guard<std::mutex> lock(starts_mu_);  // starts write statuses concurrently
    overlay_[job->meta.Key()] = *w;
  }
  *raw = *w;
  job->status = st;
  job->meta.resource_version = JsonString(*w, {"metadata", "resourceVersion"});
  return OkStatus();
}

void Controller::DeletePods(const std::vector<const json*>& pods, int64_t grace_seconds) {
  for (const json* p : pods) {
    if (PodIsDeleting(*p)) continue;
    kube::DeleteOptions opts;
    opts.grace_period_seconds = grace_seconds;
    Status s = client_->Delete(kube::ResourceRef::Pods(), JsonString(*p, {"metadata", "namespace"}),
                               JsonString(*p, {"metadata", "name"}), opts);
    if (!s.ok() && s.code() != StatusCode::kNotFound) {
      FAIRWAY_LOG(log_, kWarn, "pod delete failed", {{"error", s.ToString()}});
    }
  }
}

Status Controller::WritePreemptMarks(json* raw, api::JobObject* job,
                                     const std::vector<PreemptMark>& marks) {
  const std::string key(kAnnotationPreemptedBy);
  json value = marks.empty() ? json(nullptr) : json(FormatPreemptMarks(marks));
  json patch = {
      {"metadata",
       {{"annotations", {{key, value}}}, {"resourceVersion", job->meta.resource_version}}}};
  StatusOr<json> w = client_->Patch(kube::ResourceRef::FairwayJobs(), job->meta.namespace_name,
                                    job->meta.name, kube::PatchType::kMerge, patch);
  if (!w.ok()) return w.status().WithContext("preemption marks of Job " + job->meta.Key());
  overlay_[job->meta.Key()] = *w;
  *raw = *w;
  if (marks.empty())
    job->meta.annotations.erase(key);
  else
    job->meta.annotations[key] = value.get<std::string>();
  job->meta.resource_version = JsonString(*w, {"metadata", "resourceVersion"});
  return OkStatus();
}

Status Controller::PatchJobAnnotations(json* raw, api::JobObject* job, const json& annotations) {
  json patch = {{"metadata",
                 {{"annotations", annotations}, {"resourceVersion", job->meta.resource_version}}}};
  StatusOr<json> w = client_->Patch(kube::ResourceRef::FairwayJobs(), job->meta.namespace_name,
                                    job->meta.name, kube::PatchType::kMerge, patch);
  if (!w.ok()) return w.status().WithContext("annotations of Job " + job->meta.Key());
  overlay_[job->meta.Key()] = *w;
  *raw = *w;
  for (const auto& [k, v] : annotations.items()) {
    if (v.is_string())
      job->meta.annotations[k] = v.get<std::string>();
    else
      job->meta.annotations.erase(k);
  }
  job->meta.resource_version = JsonString(*w, {"metadata", "resourceVersion"});
  return OkStatus();
}

Status Controller::CreateAndBind(const api::JobObject& job, const PodPlan& plan) {
  JobPods built = BuildJobPods(job, plan);
  const std::string& ns = job.meta.namespace_name;
  if (built.service.has_value()) {
    StatusOr<json> s = client_->Create(Services(), ns, *built.service);
    if (!s.ok() && s.status().code() != StatusCode::kAlreadyExists) {
      FAIRWAY_LOG(log_, kWarn, "headless service create failed",
                  {{"job", job.meta.Key()}, {"error", s.status().ToString()}});
    }
  }
  std::vector<std::pair<std::string, std::string>> created;  // (name, uid)
  Status failure = OkStatus();
  for (size_t rank = 0; rank < built.pods.size() && failure.ok(); ++rank) {
    const std::string name = JsonString(built.pods[rank], {"metadata", "name"});
    StatusOr<json> pod = client_->Create(kube::ResourceRef::Pods(), ns, built.pods[rank]);
    if (!pod.ok() && pod.status().code() == StatusCode::kAlreadyExists) {
      pod = client_->Get(kube::ResourceRef::Pods(), ns, name);  // a retry after a crash
    }
    if (!pod.ok()) {
      failure = pod.status().WithContext("create pod " + ns + "/" + name);
      break;
    }
    std::string uid = JsonString(*pod, {"metadata", "uid"});
    created.emplace_back(name, uid);
    std::string bound = JsonString(*pod, {"spec", "nodeName"});
    if (bound == plan.nodes[rank]) continue;
    if (!bound.empty()) {
      failure = AbortedError("pod " + name + " is already bound to " + bound);
      break;
    }
    Status b = client_->Bind(ns, name, plan.nodes[rank], uid);
    if (!b.ok()) failure = b.WithContext("bind pod " + ns + "/" + name + " to " + plan.nodes[rank]);
  }
  if (failure.ok()) {
    metrics_->PodsBound(static_cast<int64_t>(built.pods.size()));
    return OkStatus();
  }
  // All or none: roll back what was created.
  metrics_->BindFailed(std::string(StatusCodeName(failure.code())));
  for (const auto& [name, uid] : created) {
    kube::DeleteOptions opts;
    opts.grace_period_seconds = 0;
    (void)client_->Delete(kube::ResourceRef::Pods(), ns, name, opts);
  }
  return failure;
}

void Controller::Event(const json& object, const std::string& kind, bool warning,
                       const std::string& reason, const std::string& message) {
  if (events_ == nullptr) return;
  events_->Event(kube::ObjectReference::FromObject(object, std::string(api::kApiVersion), kind),
                 warning ? kube::EventType::kWarning : kube::EventType::kNormal, reason, message);
}

// ---- 1. Jobs ------------------------------------------------------------------------------

struct Controller::Instance {};

// New jobs get their jobIDs from one counter update (a read and a write of the counter per job
// would cap the operator at a few hundred new jobs per second), assigned in job order. The id
// lives in memory (unwritten_ids_, by Job uid) until the job's first status write carries it:
// its start, or its first pending status (reason, priority) after the cycle's starts, so a
// queue of 100,000 new jobs costs no write before the first start. A restarted operator loses
// the unwritten ids and allocates new ones past the counter: a gap, harmless as in Slurm; an id
// is never given twice because the counter only moves forward.
void Controller::AssignJobIds(ClusterObjects* objects, core::Timestamp now) {
  std::set<std::string> waiting;  // uids of jobs without a written jobID
  std::vector<size_t> fresh;
  uint64_t ids_needed = 0;
  for (size_t ji = 0; ji < objects->jobs.size(); ++ji) {
    const api::JobObject& job = objects->jobs[ji];
    if (job.status.job_id != 0 || job.meta.deletion_timestamp.has_value()) continue;
    waiting.insert(job.meta.uid);
    if (unwritten_ids_.count(job.meta.uid) == 0) {
      fresh.push_back(ji);
      ids_needed += JobIdsNeeded(job);
    }
  }
  std::erase_if(unwritten_ids_, [&](const auto& e) { return waiting.count(e.first) == 0; });
  if (!fresh.empty()) {
    StatusOr<uint64_t> first = AllocateJobIds(ids_needed, *objects);
    if (!first.ok()) {
      FAIRWAY_LOG(log_, kWarn, "jobID allocation failed",
                  {{"cycle", cycles_.load()}, {"error", first.status().ToString()}});
    } else {
      uint64_t next = *first;
      for (size_t ji : fresh) {
        unwritten_ids_[objects->jobs[ji].meta.uid] = next;
        next += JobIdsNeeded(objects->jobs[ji]);
      }
    }
  }
  for (api::JobObject& job : objects->jobs) {
    if (job.status.job_id != 0) continue;
    auto it = unwritten_ids_.find(job.meta.uid);
    if (it == unwritten_ids_.end()) continue;
    api::JobStatus& st = job.status;
    st.job_id = it->second;
    st.state = core::JobState::kPending;
    st.submit_time = job.meta.creation_timestamp.value_or(now);
    st.reason = std::string(core::PendingReasonName(core::PendingReason::kNone));
    if (!job.spec.array.empty()) {
      auto array = api::ParseArraySpec(job.spec.array, api::kMaxMaxArraySize);
      if (array.ok()) InitArrayStatus(&st, *array);
    }
  }
}

void Controller::ReconcileJobs(ClusterObjects* objects, std::vector<json>* raw,
                               core::Timestamp now) {
  // Pods by job key.
  std::map<std::string, std::vector<const json*>> pods_of;
  for (const json& p : objects->pods) {
    std::string job = PodLabel(p, kLabelJob);
    if (job.empty()) continue;
    pods_of[JsonString(p, {"metadata", "namespace"}) + "/" + job].push_back(&p);
  }
  std::map<std::string, core::Node> nodes;
  for (const json& n : objects->nodes) {
    core::Node node = NodeFromJson(n);
    nodes[node.name.str()] = node;
  }
  std::set<uint64_t> pending_ids = PendingJobIds(*objects);
  std::set<std::string> assumed_keys;
  for (const AssumedStart& a : assumed_) {
    assumed_keys.insert(a.job_key + (a.array_index ? "_" + std::to_string(*a.array_index) : ""));
  }

  AssignJobIds(objects, now);

  for (size_t ji = 0; ji < objects->jobs.size(); ++ji) {
    api::JobObject& job = objects->jobs[ji];
    json& obj = (*raw)[ji];
    if (job.meta.deletion_timestamp.has_value()) continue;
    const std::string key = job.meta.Key();
    const std::vector<const json*>& pods = pods_of[key];
    const std::vector<PreemptMark> marks = PreemptMarksOf(job);
    std::vector<PreemptMark> marks_done;  // victims that ended this cycle, stale marks
    for (const PreemptMark& m : marks) {
      // A requeued victim's mark of an earlier run, once its preemptor no longer waits.
      if (job.spec.array.empty() && m.restarts < job.status.restarts &&
          pending_ids.count(m.preemptor) == 0) {
        marks_done.push_back(m);
      }
    }
    api::JobStatus st = job.status;
    bool changed = false;
    bool terminal = st.state.has_value() && core::IsTerminal(*st.state);

    if (terminal) {
      // Pods left running by an ended job (e.g. TIMEOUT while the operator was down).
      std::vector<const json*> live;
      for (const json* p : pods)
        if (!PodIsTerminal(*p) && !PodIsDeleting(*p)) live.push_back(p);
      if (!live.empty()) DeletePods(live);
      continue;
    }

    std::optional<api::ArraySpec> array;
    if (!job.spec.array.empty()) {
      auto a = api::ParseArraySpec(job.spec.array, api::kMaxMaxArraySize);
      if (a.ok()) array = std::move(*a);
    }

    if (st.job_id == 0) continue;  // no jobID yet (its allocation failed): next cycle

    bool cancel = job.meta.annotations.count(std::string(kAnnotationCancel)) > 0;
    std::string requeue_token;
    bool requeue_hold = false;
    if (auto it = job.meta.annotations.find(std::string(kAnnotationRequeueHold));
        it != job.meta.annotations.end()) {
      requeue_token = "hold:" + it->second;
      requeue_hold = true;
    } else if (auto it2 = job.meta.annotations.find(std::string(kAnnotationRequeue));
               it2 != job.meta.annotations.end()) {
      requeue_token = it2->second;
    }

    // Per-task user actions on an array (names.h). Annotation clean-up comes after the status
    // write below, so a restart in between acts again at most on what the status still allows.
    json annotation_patch = json::object();
    if (!cancel && array.has_value() && st.array.has_value()) {
      TaskActions acts = TaskActionsOf(job);
      if (SetTaskActionCondition(&st, acts.errors, now)) {
        std::string msg;
        for (const std::string& e : acts.errors) msg += (msg.empty() ? "" : "; ") + e;
        Event(obj, "Job", true, "InvalidTaskList", msg);
      }
      auto task_pods = [&](uint32_t index, bool include_terminal) {
        std::vector<const json*> out;
        for (const json* p : pods) {
          if (PodLabel(*p, kLabelArrayIndex) != std::to_string(index)) continue;
          if (!include_terminal && PodIsTerminal(*p)) continue;
          out.push_back(p);
        }
        return out;
      };
      auto forget_assumed = [&](uint32_t index) {
        assumed_.erase(std::remove_if(assumed_.begin(), assumed_.end(),
                                      [&](const AssumedStart& a) {
                                        return a.job_key == key && a.array_index == index;
                                      }),
                       assumed_.end());
      };
      if (!acts.cancel.empty()) {
        std::set<uint32_t> pending_before = PendingTasks(st, *array);
        std::vector<uint32_t> stopped = CancelTasks(&st, *array, acts.cancel, now);
        std::set<uint32_t> pending_after = PendingTasks(st, *array);
        for (uint32_t i : stopped) forget_assumed(i);
        // Pods of every cancelled task go (again after a restart between the status write and
        // the deletes; DeletePods skips pods already terminating).
        for (const api::ArrayTaskRecord& r : st.array->tasks) {
          if (r.state == core::JobState::kCancelled && acts.cancel.count(r.index) > 0) {
            DeletePods(task_pods(r.index, false));
          }
        }
        std::set<uint32_t> dropped = api::MinusIndices(pending_before, pending_after);
        if (!stopped.empty() || !dropped.empty()) {
          std::set<uint32_t> all(stopped.begin(), stopped.end());
          all.insert(dropped.begin(), dropped.end());
          Event(obj, "Job", false, "Cancelled",
                "tasks " + api::FormatTaskIndexList(all) + " cancelled by user request");
        }
      }
      if (acts.has_requeue) {
        std::vector<uint32_t> requeued = RequeueTasks(&st, *array, acts.requeue);
        for (uint32_t i : requeued) {
          DeletePods(task_pods(i, true));  // the task's pods come back under the same names
          forget_assumed(i);
        }
        if (!requeued.empty()) {
          Event(obj, "Job", false, "Requeued",
                "tasks " + api::FormatTaskIndexList({requeued.begin(), requeued.end()}) +
                    " requeued by user request");
        }
        annotation_patch[std::string(kAnnotationRequeueTasks)] = nullptr;
      }
      if (acts.has_release) {
        std::set<uint32_t> hold = api::MinusIndices(acts.hold, acts.release);
        bool hold_ok = true;
        for (const std::string& e : acts.errors) {
          if (e.rfind(std::string(kAnnotationHoldTasks) + ":", 0) == 0) hold_ok = false;
        }
        if (hold_ok) {
          annotation_patch[std::string(kAnnotationHoldTasks)] =
              hold.empty() ? json(nullptr) : json(api::FormatTaskIndexList(hold));
          annotation_patch[std::string(kAnnotationReleaseTasks)] = nullptr;
        }
      }
      // Every task still waiting is held: nothing is offered to the core, so say why here.
      std::set<uint32_t> waiting = PendingTasks(st, *array);
      std::set<uint32_t> held = api::MinusIndices(acts.hold, acts.release);
      if (!waiting.empty() && api::MinusIndices(waiting, held).empty()) {
        st.reason = std::string(core::PendingReasonName(core::PendingReason::kJobHeldUser));
      }
      if (StatusDiffers(st, job.status)) changed = true;
    }

    if (cancel) {
      std::vector<const json*> live;
      for (const json* p : pods)
        if (!PodIsTerminal(*p)) live.push_back(p);
      DeletePods(live);
      CancelJob(&st, array ? &*array : nullptr, now);
      assumed_.erase(std::remove_if(assumed_.begin(), assumed_.end(),
                                    [&](const AssumedStart& a) { return a.job_key == key; }),
                     assumed_.end());
      Event(obj, "Job", false, "Cancelled", "cancelled by user request");
      changed = true;
    } else if (!requeue_token.empty() && !array.has_value() &&
               st.state == core::JobState::kRunning && !RequeueTokenSeen(st, requeue_token)) {
      std::vector<const json*> live;
      for (const json* p : pods)
        if (!PodIsTerminal(*p)) live.push_back(p);
      DeletePods(live);
      RequeueJob(&st, now, requeue_token, options_.requeue_delay);
      if (requeue_hold && !job.spec.hold) {
        json patch = {{"spec", {{"hold", true}}}};
        StatusOr<json> w = client_->Patch(kube::ResourceRef::FairwayJobs(), job.meta.namespace_name,
                                          job.meta.name, kube::PatchType::kMerge, patch);
        if (w.ok()) {
          obj = *w;
          job.spec.hold = true;
          job.meta.resource_version = JsonString(*w, {"metadata", "resourceVersion"});
        }
      }
      assumed_.erase(std::remove_if(assumed_.begin(), assumed_.end(),
                                    [&](const AssumedStart& a) { return a.job_key == key; }),
                     assumed_.end());
      Event(obj, "Job", false, "Requeued", "requeued by user request");
      changed = true;
    } else {
      // Running instances: look at their pods.
      auto evaluate = [&](std::optional<uint32_t> index, uint64_t instance_id, int32_t restarts,
                          const std::string& node_list, int32_t node_count) -> InstanceOutcome {
        std::string ikey = key + (index ? "_" + std::to_string(*index) : "");
        std::vector<const json*> mine;
        for (const json* p : pods) {
          if (PodLabel(*p, kLabelRestarts) != std::to_string(restarts)) continue;
          std::string idx = PodLabel(*p, kLabelArrayIndex);
          if (index.has_value() ? idx != std::to_string(*index) : !idx.empty()) continue;
          mine.push_back(p);
        }
        if (const PreemptMark* mark = FindPreemptMark(marks, instance_id, restarts)) {
          // A preemption victim: its pods go with the grace period (again, after a restart
          // between the mark and the deletes); it ends once none is left alive.
          std::vector<const json*> live;
          for (const json* p : mine)
            if (!PodIsTerminal(*p)) live.push_back(p);
          DeletePods(live, mark->grace_seconds);
          InstanceOutcome out = EvaluatePreempted(mine, node_count);
          if (out.kind == InstanceOutcome::kPreempted) {
            out.detail = "job " + std::to_string(mark->preemptor);
            out.requeue = mark->mode == core::PreemptMode::kRequeue && job.spec.requeue;
            if (out.requeue && index.has_value()) DeletePods(mine);  // pod names are reused
          }
          // A requeued job keeps its mark (of the old run) while the preemptor waits: the
          // snapshot then keeps it from taking the room back first. Array tasks restart under
          // the same run number, so theirs goes now.
          bool keep = out.kind == InstanceOutcome::kPreempted && out.requeue && !index.has_value();
          if (out.kind != InstanceOutcome::kRunning && !keep) marks_done.push_back(*mark);
          return out;
        }
        std::optional<core::Seconds> limit;
        StatusOr<core::Job> cj = api::ToCoreJob(job);
        if (cj.ok()) limit = cj->time_limit;
        if (!limit.has_value()) {
          for (const api::PartitionObject& p : objects->partitions) {
            if (p.meta.name != st.partition) continue;
            auto cp = api::ToCorePartition(p);
            if (cp.ok()) limit = cp->default_time.has_value() ? cp->default_time : cp->max_time;
          }
        }
        InstanceOutcome out =
            EvaluateInstance(mine, nodes, node_count, assumed_keys.count(ikey) > 0);
        if (out.kind == InstanceOutcome::kMissingPods) {
          // Decided but pods not there (operator restarted between the status write and the
          // pods): create the missing ones on the recorded nodes.
          PodPlan plan;
          plan.job_id = st.job_id;
          plan.array_job_id = st.job_id;
          plan.array_index = index;
          plan.partition = st.partition;
          for (const std::string& n : SplitComma(node_list)) plan.nodes.push_back(n);
          plan.time_limit = limit;
          plan.restarts = restarts;
          if (index.has_value() && array.has_value()) {
            plan.job_id = ArrayTaskJobId(*array, st.job_id, *index);
          }
          if (!plan.nodes.empty()) {
            Status s = CreateAndBind(job, plan);
            if (!s.ok()) {
              FAIRWAY_LOG(log_, kWarn, "recreating pods failed",
                          {{"job", ikey}, {"error", s.ToString()}});
            }
          }
          out.kind = InstanceOutcome::kRunning;
        }
        if (out.kind == InstanceOutcome::kTimeout || out.kind == InstanceOutcome::kFailed ||
            out.kind == InstanceOutcome::kNodeFail) {
          std::vector<const json*> live;
          for (const json* p : mine)
            if (!PodIsTerminal(*p)) live.push_back(p);
          // A requeued array task comes back under the same pod names: clear the old ones.
          bool reuse =
              out.kind == InstanceOutcome::kNodeFail && job.spec.requeue && index.has_value();
          DeletePods(reuse ? mine : live);
        }
        return out;
      };

      if (!array.has_value() && st.state == core::JobState::kRunning) {
        InstanceOutcome out = evaluate(std::nullopt, st.job_id, st.restarts, st.node_list,
                                       static_cast<int32_t>(job.spec.nodes));
        if (out.kind != InstanceOutcome::kRunning) {
          ApplyOutcome(&st, out,
                       out.kind == InstanceOutcome::kPreempted ? out.requeue : job.spec.requeue,
                       now, options_.requeue_delay);
          changed = true;
          Event(obj, "Job", out.kind != InstanceOutcome::kCompleted, OutcomeReason(out),
                OutcomeMessage(out));
        }
      } else if (array.has_value() && st.array.has_value()) {
        bool any = false;
        std::vector<api::ArrayTaskRecord> records = st.array->tasks;
        for (const api::ArrayTaskRecord& r : records) {
          if (r.state != core::JobState::kRunning) continue;
          InstanceOutcome out = evaluate(r.index, r.job_id, r.restarts, r.node_list,
                                         static_cast<int32_t>(job.spec.nodes));
          if (out.kind == InstanceOutcome::kRunning) continue;
          ApplyTaskOutcome(&st, *array, r.index, out,
                           out.kind == InstanceOutcome::kPreempted ? out.requeue : job.spec.requeue,
                           now);
          if (out.kind == InstanceOutcome::kPreempted) {
            Event(obj, "Job", true, "Preempted",
                  "task " + std::to_string(r.index) + " " + OutcomeMessage(out) +
                      (out.requeue ? "; requeued" : ""));
          }
          any = true;
        }
        if (any) changed = true;
      }
    }

    if (!marks_done.empty()) {
      // The mark goes first: a mark left behind would apply to a restarted array task.
      std::vector<PreemptMark> keep;
      for (const PreemptMark& m : marks) {
        if (std::find(marks_done.begin(), marks_done.end(), m) == marks_done.end())
          keep.push_back(m);
      }
      Status s = WritePreemptMarks(&obj, &job, keep);
      if (!s.ok()) {
        FAIRWAY_LOG(log_, kWarn, "preemption mark removal failed", {{"error", s.ToString()}});
        continue;  // retried next cycle; the victim keeps its room meanwhile
      }
    }
    if (changed) {
      Status s = WriteJobStatus(&obj, &job, st);
      if (!s.ok()) {
        FAIRWAY_LOG(log_, kWarn, "job status write failed", {{"error", s.ToString()}});
        continue;
      }
    }
    if (!annotation_patch.empty()) {
      Status s = PatchJobAnnotations(&obj, &job, annotation_patch);
      if (!s.ok())
        FAIRWAY_LOG(log_, kDebug, "task action clean-up failed", {{"error", s.ToString()}});
    }
  }
}

// ---- The cycle ------------------------------------------------------------------------------

Status Controller::RunOnce() {
  const MonotonicTime t0 = clock_->Monotonic();
  const core::Timestamp now = ToTimestamp(clock_->Now());
  std::vector<json> raw;
  ClusterObjects objects = LoadObjects(&raw);

  // Assumed starts the informer now shows (or that ended) are confirmed: forget them.
  assumed_.erase(std::remove_if(assumed_.begin(), assumed_.end(),
                                [&](const AssumedStart& a) {
                                  kube::ObjectPtr p = jobs_->cache().Get(a.job_key);
                                  if (!p) return true;
                                  StatusOr<api::JobObject> j = api::JobFromJson(*p);
                                  if (!j.ok()) return true;
                                  if (!a.array_index.has_value()) {
                                    return j->status.state.has_value() &&
                                           *j->status.state != core::JobState::kPending;
                                  }
                                  if (!j->status.array.has_value()) return false;
                                  for (const api::ArrayTaskRecord& r : j->status.array->tasks) {
                                    if (r.index == *a.array_index) return true;
                                  }
                                  auto states = ArrayTaskStates(*j->status.array);
                                  return states.count(*a.array_index) > 0;
                                }),
                 assumed_.end());

  ReconcileJobs(&objects, &raw, now);

  SnapshotOptions sopts;
  sopts.now = now;
  Snapshot snap = BuildSnapshot(objects, assumed_, sopts);

  // Jobs whose spec cannot be converted end FAILED with the message (not retried).
  for (const HeldBack& h : snap.held_back) {
    if (!h.invalid) continue;
    api::JobObject& job = objects.jobs[h.job];
    if (job.status.job_id == 0 || (job.status.state && core::IsTerminal(*job.status.state)))
      continue;
    api::JobStatus st = job.status;
    st.state = core::JobState::kFailed;
    st.reason = "InvalidSpec";
    st.message = h.message;
    st.end_time = now;
    Status s = WriteJobStatus(&raw[h.job], &job, st);
    if (s.ok()) Event(raw[h.job], "Job", true, "InvalidSpec", h.message);
  }

  UpdateUsage(snap, objects, now);

  core::SchedulerConfig config = options_.config;
  core::CycleInput in;
  in.now = now;
  in.cluster = &snap.cluster;
  in.pending = &snap.pending;
  in.config = &config;
  in.usage = &ledger_;
  core::CycleResult result = core::RunCycle(in);

  ApplyTimeouts(result, snap, &objects, &raw, now);
  ApplyPreemptions(result, snap, &objects, &raw);

  ApplyStarts(result, snap, &objects, &raw, now);

  WritePendingStatuses(result, snap, &objects, &raw);

  auto accounts = result.accounts;
  const auto t1 = clock_->Monotonic();
  double seconds = std::chrono::duration<double>(t1 - t0).count();
  metrics_->ObserveCycle(seconds, static_cast<int64_t>(result.started.size()),
                         result.stats.backfill_started);
  int64_t n = ++cycles_;
  if (!result.started.empty()) {
    FAIRWAY_LOG(log_, kInfo, "cycle",
                {{"cycle", n},
                 {"started", result.stats.started},
                 {"backfilled", result.stats.backfill_started},
                 {"pending", static_cast<int64_t>(result.pending.size())}});
  }

  // Rebuild the view after the starts for status and metrics.
  Snapshot after = BuildSnapshot(objects, assumed_, sopts);
  PersistUsage(after, objects, accounts, now);
  UpdatePartitions(after, objects);
  ReportMetrics(after, objects, accounts);
  RejectStrayPods(objects);
  return OkStatus();
}

// ---- 4. Timeouts and preemptions ---------------------------------------------------------------

// Starts run concurrently, one group per Job: a Job's starts (array tasks) share its status
// object, so they stay in order within their group, while different Jobs are independent
// objects. The cycle is bound by API round trips (a status write, then a pod create and a bind
// per pod, each about a millisecond), not by CPU, so up to options_.bind_parallelism groups are
// in flight at once. Decisions do not depend on the order: the core placed every start on the
// snapshot already, and each start is recorded as assumed before its first write.
void Controller::ApplyStarts(const core::CycleResult& result, const Snapshot& snap,
                             ClusterObjects* objects, std::vector<json>* raw, core::Timestamp now) {
  std::map<size_t, std::vector<const core::StartDecision*>> by_job;  // by job index: stable
  for (const core::StartDecision& d : result.started) {
    by_job[snap.pending_refs[d.pending_index].job].push_back(&d);
  }
  std::vector<std::pair<size_t, std::vector<const core::StartDecision*>>> groups(by_job.begin(),
                                                                                 by_job.end());
  ParallelFor(groups.size(), options_.bind_parallelism, [&](size_t g) {
    const size_t job = groups[g].first;
    for (const core::StartDecision* d : groups[g].second) {
      StartInstance(*d, &objects->jobs[job], &(*raw)[job], now);
    }
  });
}

// One start: the decision is recorded in the API server first (status RUNNING, and the start
// assumed so no later cycle hands out the same GPUs), then the pods are created and bound, all
// or none; a failed binding reverts the status and forgets the assumption.
void Controller::StartInstance(const core::StartDecision& d, api::JobObject* job, json* obj,
                               core::Timestamp now) {
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
  {
    std::lock_guard<std::mutex> lock(starts_mu_);
    assumed_.push_back(assumed);
  }
  Status w = WriteJobStatus(obj, job, st);
  if (!w.ok()) {
    ForgetAssumed(assumed);
    FAIRWAY_LOG(log_, kWarn, "start not recorded",
                {{"cycle", cycles_.load()}, {"job", job->meta.Key()}, {"error", w.ToString()}});
    return;
  }
  Status b = CreateAndBind(*job, plan);
  if (!b.ok()) {
    FAIRWAY_LOG(log_, kWarn, "binding failed, start rolled back",
                {{"cycle", cycles_.load()}, {"job", job->meta.Key()}, {"error", b.ToString()}});
    Event(*obj, "Job", true, "FailedBinding", b.ToString());
    ForgetAssumed(assumed);
    api::JobStatus reverted = job->status;
    UndoStart(&reverted, before, d.array_task);
    Status r = WriteJobStatus(obj, job, reverted);
    if (!r.ok())
      FAIRWAY_LOG(log_, kWarn, "rollback status write failed", {{"error", r.ToString()}});
    return;
  }
  FAIRWAY_LOG(log_, kInfo, "job started",
              {{"cycle", cycles_.load()},
               {"job", job->meta.Key()},
               {"jobid", plan.job_id},
               {"nodes", api::CompressHostList(plan.nodes)},
               {"backfill", d.backfilled}});
  Event(*obj, "Job", false, "Started",
        "started on " + api::CompressHostList(plan.nodes) + " in partition " + plan.partition +
            (d.backfilled ? " (backfill)" : ""));
}

// Pending jobs: reason, priority, expected start, partitions. Only changed statuses are
// written; different Jobs in parallel (as ApplyStarts), a Job's own decisions in order.
void Controller::WritePendingStatuses(const core::CycleResult& result, const Snapshot& snap,
                                      ClusterObjects* objects, std::vector<json>* raw) {
  std::map<size_t, std::vector<const core::PendingDecision*>> by_job;
  for (const core::PendingDecision& d : result.pending) {
    by_job[snap.pending_refs[d.pending_index].job].push_back(&d);
  }
  std::vector<std::pair<size_t, std::vector<const core::PendingDecision*>>> groups(by_job.begin(),
                                                                                   by_job.end());
  ParallelFor(groups.size(), options_.bind_parallelism, [&](size_t g) {
    const size_t ji = groups[g].first;
    api::JobObject& job = objects->jobs[ji];
    for (const core::PendingDecision* d : groups[g].second) {
      api::JobStatus st = job.status;
      std::string parts;
      for (const core::PartitionName& p : result.PartitionsOf(*d)) {
        parts += (parts.empty() ? "" : ",") + p.str();
      }
      MarkPending(&st, *d, parts);
      if (!StatusDiffers(st, job.status) && !FirstStatusUnwritten((*raw)[ji])) continue;
      const std::string previous_reason = job.status.reason;
      Status s = WriteJobStatus(&(*raw)[ji], &job, st);
      if (!s.ok()) {
        FAIRWAY_LOG(log_, kDebug, "pending status write failed",
                    {{"cycle", cycles_.load()}, {"error", s.ToString()}});
      }
      if (s.ok() && st.reason != previous_reason && NeedsAttention(d->reason)) {
        Event((*raw)[ji], "Job", true, st.reason,
              "the job cannot start until its spec or the cluster's configuration changes: " +
                  st.reason);
      }
    }
  });
}

void Controller::ForgetAssumed(const AssumedStart& assumed) {
  std::lock_guard<std::mutex> lock(starts_mu_);
  assumed_.erase(std::remove_if(assumed_.begin(), assumed_.end(),
                                [&](const AssumedStart& a) {
                                  return a.job_key == assumed.job_key &&
                                         a.array_index == assumed.array_index;
                                }),
                 assumed_.end());
}

void Controller::ApplyTimeouts(const core::CycleResult& result, const Snapshot& snap,
                               ClusterObjects* objects, std::vector<json>* raw,
                               core::Timestamp now) {
  for (const core::TimeoutDecision& t : result.timed_out) {
    const InstanceRef& ref = snap.running_refs[t.running_index];
    api::JobObject& job = objects->jobs[ref.job];
    json& obj = (*raw)[ref.job];
    if (!InstanceRunning(job, ref.array_index)) continue;  // only assumed so far
    const int32_t restarts = InstanceRestarts(job, ref.array_index);
    std::vector<const json*> live;
    for (const json* p : InstancePods(objects->pods, job, ref.array_index, restarts)) {
      if (!PodIsTerminal(*p)) live.push_back(p);
    }
    DeletePods(live);
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
    Status s = WriteJobStatus(&obj, &job, st);
    if (!s.ok()) {
      FAIRWAY_LOG(log_, kWarn, "timeout not recorded",
                  {{"job", job.meta.Key()}, {"error", s.ToString()}});
      continue;
    }
    std::string what = ref.array_index ? "task " + std::to_string(*ref.array_index) + ": " : "";
    Event(obj, "Job", true, OutcomeReason(out), what + OutcomeMessage(out));
    FAIRWAY_LOG(log_, kInfo, "job timed out", {{"job", job.meta.Key()}, {"jobid", t.id.value}});
  }
}

void Controller::ApplyPreemptions(const core::CycleResult& result, const Snapshot& snap,
                                  ClusterObjects* objects, std::vector<json>* raw) {
  struct Victim {
    InstanceRef ref;
    PreemptMark mark;
    std::string preemptor_key;
  };
  std::map<size_t, std::vector<Victim>> by_job;
  for (const core::PreemptDecision& d : result.preemptions) {
    const std::string preemptor_key =
        objects->jobs[snap.pending_refs[d.pending_index].job].meta.Key();
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
    api::JobObject& job = objects->jobs[ji];
    json& obj = (*raw)[ji];
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
    Status s = WritePreemptMarks(&obj, &job, marks);
    if (!s.ok()) {
      FAIRWAY_LOG(log_, kWarn, "preemption not recorded",
                  {{"job", job.meta.Key()}, {"error", s.ToString()}});
      continue;
    }
    for (const Victim& v : victims) {
      std::vector<const json*> live;
      for (const json* p : InstancePods(objects->pods, job, v.ref.array_index, v.mark.restarts)) {
        if (!PodIsTerminal(*p)) live.push_back(p);
      }
      DeletePods(live, v.mark.grace_seconds);
      std::string what =
          v.ref.array_index ? "task " + std::to_string(*v.ref.array_index) + " " : "";
      std::string msg = what + "preempted by job " + std::to_string(v.mark.preemptor) + " (" +
                        v.preemptor_key + "); " +
                        (v.mark.mode == core::PreemptMode::kRequeue ? "requeue" : "cancel") +
                        " after a grace period of " + std::to_string(v.mark.grace_seconds) + "s";
      Event(obj, "Job", true, "Preempting", msg);
      FAIRWAY_LOG(log_, kInfo, "preempting",
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
  accounting_.Charge(RunsOf(objects, snap.cluster, options_.config.fair_share.billing),
                     LiveInstanceIds(objects), now, o);
  core::UsageLedger own = accounting_.OwnUsage();
  std::shared_ptr<const core::AccountTree> tree =
      core::BuildAccountTree(snap.cluster, snap.pending, &own);
  ledger_ = accounting_.Ledger(*tree, now);
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
        FAIRWAY_LOG(log_, kDebug, "account status write failed",
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
      FAIRWAY_LOG(log_, kWarn, "account usage written by another writer; adopting it",
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
      FAIRWAY_LOG(log_, kDebug, "partition status write failed",
                  {{"error", w.status().ToString()}});
    }
  }
}

void Controller::ReportMetrics(const Snapshot& snap, const ClusterObjects& objects,
                               const std::shared_ptr<const core::AccountContext>& accounts) {
  std::map<std::pair<std::string, std::string>, int64_t> jobs;
  std::map<std::string, int64_t> reasons;
  for (const api::JobObject& j : objects.jobs) {
    std::string state(core::JobStateName(j.status.state.value_or(core::JobState::kPending)));
    std::string part = j.status.partition.empty() ? j.spec.partition : j.status.partition;
    jobs[{state, part}]++;
    if (state == "PENDING") reasons[j.status.reason.empty() ? "None" : j.status.reason]++;
  }
  metrics_->SetJobs(jobs);
  metrics_->SetPendingReasons(reasons);
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
  std::set<std::string> uids;
  for (const api::JobObject& j : objects.jobs) uids.insert(j.meta.uid);
  for (const json& p : objects.pods) {
    if (JsonString(p, {"spec", "schedulerName"}) != kSchedulerName) continue;
    if (!JsonString(p, {"spec", "nodeName"}).empty() || PodIsTerminal(p) || PodIsDeleting(p))
      continue;
    bool owned = false;
    if (const json* refs = JsonAt(p, {"metadata", "ownerReferences"}); refs && refs->is_array()) {
      for (const json& r : *refs) {
        if (JsonString(r, {"kind"}) == api::kJobKind && uids.count(JsonString(r, {"uid"})) > 0) {
          owned = true;
        }
      }
    }
    if (owned) continue;
    Event(p, "Pod", true, "NotOwnedByFairwayJob",
          "pods with schedulerName fairway must be created by a Fairway Job; deleting");
    DeletePods({&p});
  }
}

}  // namespace fairway::controllers
