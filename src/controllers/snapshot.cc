#include "controllers/snapshot.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "api/dependency.h"
#include "controllers/elastic_pools.h"
#include "controllers/job_status.h"
#include "controllers/kube_objects.h"
#include "controllers/names.h"

namespace fairway::controllers {
namespace {

std::string InstanceKey(const std::string& job_key, std::optional<uint32_t> index) {
  return index.has_value() ? job_key + "_" + std::to_string(*index) : job_key;
}

std::vector<std::string> SplitNodeList(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    if (comma > pos) out.push_back(text.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

bool IsRunning(std::optional<core::JobState> s) { return s == core::JobState::kRunning; }

// Whether a dependency target has reached a state: started / ended / ended OK.
struct TargetState {
  bool found = false;
  bool started = false;
  bool ended = false;
  bool ok = false;
  std::optional<core::Timestamp> start_time;
};

TargetState StateOfJob(const api::JobObject& j) {
  TargetState t;
  t.found = true;
  core::JobState s = j.status.state.value_or(core::JobState::kPending);
  if (j.status.array.has_value() && !j.spec.array.empty()) {
    const api::ArrayStatus& a = *j.status.array;
    int64_t ended = 0, ok = 0, started = 0;
    for (const auto& [state, n] : a.counts) {
      if (state != core::JobState::kPending) started += n;
      if (core::IsTerminal(state)) ended += n;
      if (state == core::JobState::kCompleted) ok += n;
    }
    t.started = started > 0;
    t.ended = a.task_count > 0 && static_cast<uint64_t>(ended) == a.task_count;
    t.ok = t.ended && static_cast<uint64_t>(ok) == a.task_count;
    t.start_time = j.status.start_time;
    if (s == core::JobState::kCancelled) t.ended = true, t.started = true;
    return t;
  }
  t.started = s != core::JobState::kPending;
  t.ended = core::IsTerminal(s);
  t.ok = s == core::JobState::kCompleted;
  t.start_time = j.status.start_time;
  return t;
}

// Sets core::Job::dependency / singleton from spec.dependency. A lone "singleton" is left to
// the core (it knows which jobs run); other expressions are evaluated here.
void SetDependency(const api::JobObject& obj, const std::vector<CycleJob>& jobs,
                   core::Timestamp now, core::Job* job) {
  if (obj.spec.dependency.empty()) return;
  if (obj.spec.dependency == "singleton") {
    job->singleton = true;
    return;
  }
  switch (EvaluateDependency(obj, jobs, now)) {
    case DependencyState::kSatisfied:
      job->dependency = core::DependencyState::kSatisfied;
      break;
    case DependencyState::kWaiting:
      job->dependency = core::DependencyState::kWaiting;
      break;
    case DependencyState::kNever:
      job->dependency = core::DependencyState::kNeverSatisfied;
      break;
  }
}

}  // namespace

uint64_t ArrayTaskJobId(const api::ArraySpec& spec, uint64_t array_job_id, uint32_t index) {
  uint64_t position = 0;
  for (const api::ArrayRange& r : spec.ranges) {
    if (index > r.last) {
      position += r.size();
      continue;
    }
    if (r.Contains(index)) position += (index - r.first) / r.step;
    break;
  }
  uint64_t count = spec.size();
  return position + 1 >= count ? array_job_id : array_job_id + 1 + position;
}

std::map<uint32_t, core::JobState> ArrayTaskStates(const api::ArrayStatus& status) {
  std::map<uint32_t, core::JobState> out;
  // Only ended tasks may lack a record (COMPLETED ones, and tasks cancelled while pending), so
  // only their lists say anything the records do not. A task listed RUNNING whose record went
  // (requeued) is pending again.
  for (const auto& [state, text] : status.indices) {
    if (!core::IsTerminal(state) || text.empty()) continue;
    StatusOr<api::ArraySpec> spec = api::ParseArraySpec(text, api::kMaxMaxArraySize);
    if (!spec.ok()) continue;
    spec->ForEach([&](uint32_t i) { out[i] = state; });
  }
  for (const api::ArrayTaskRecord& r : status.tasks) out[r.index] = r.state;
  return out;
}

core::Job ArrayTaskJob(const core::Job& array_job, const api::ArraySpec& spec, uint32_t index) {
  core::Job t = array_job;
  t.id = core::JobId{ArrayTaskJobId(spec, array_job.id.value, index)};
  // Zero-padded so tasks of one array tie-break in index order.
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%010u", index);
  t.key = array_job.key + "_" + buf;
  t.state = core::JobState::kPending;
  t.start_time.reset();
  t.allocated_nodes.clear();
  t.running_partition = core::PartitionName();
  return t;
}

DependencyState EvaluateDependency(const api::JobObject& job, const std::vector<CycleJob>& jobs,
                                   core::Timestamp now) {
  if (job.spec.dependency.empty()) return DependencyState::kSatisfied;
  StatusOr<api::DependencySpec> dep = api::ParseDependency(job.spec.dependency);
  if (!dep.ok()) return DependencyState::kNever;
  auto find = [&](const api::DependencyTarget& target) -> TargetState {
    for (const api::JobObject& j : jobs) {
      bool match = false;
      switch (target.kind) {
        case api::DependencyTarget::Kind::kJobId:
          match = j.status.job_id != 0 && std::to_string(j.status.job_id) == target.ref;
          break;
        case api::DependencyTarget::Kind::kArrayTask:
          match = j.status.job_id != 0 &&
                  target.ref.rfind(std::to_string(j.status.job_id) + "_", 0) == 0;
          break;
        case api::DependencyTarget::Kind::kJobName:
          match = j.meta.namespace_name == job.meta.namespace_name && j.meta.name == target.ref;
          break;
      }
      if (match) return StateOfJob(j);
    }
    return {};
  };
  bool any_satisfied = false, all_satisfied = true, any_never = false, all_never = true;
  for (const api::DependencyItem& item : dep->items) {
    DependencyState st = DependencyState::kSatisfied;
    if (item.type == api::DependencyType::kSingleton) {
      for (const api::JobObject& j : jobs) {
        if (&j == &job || api::JobName(j) != api::JobName(job) || j.spec.user != job.spec.user) {
          continue;
        }
        if (IsRunning(j.status.state)) st = DependencyState::kWaiting;
      }
    } else {
      for (const api::DependencyTarget& target : item.targets) {
        TargetState t = find(target);
        DependencyState ts = DependencyState::kSatisfied;
        if (!t.found) {
          ts = DependencyState::kNever;
        } else {
          switch (item.type) {
            case api::DependencyType::kAfter:
              if (!t.started) {
                ts = DependencyState::kWaiting;
              } else if (target.delay_minutes > 0 && t.start_time.has_value() &&
                         now < *t.start_time + std::chrono::minutes(target.delay_minutes)) {
                ts = DependencyState::kWaiting;
              }
              break;
            case api::DependencyType::kAfterAny:
            case api::DependencyType::kAfterCorr:
              if (!t.ended) ts = DependencyState::kWaiting;
              break;
            case api::DependencyType::kAfterOk:
              ts = !t.ended ? DependencyState::kWaiting
                            : (t.ok ? DependencyState::kSatisfied : DependencyState::kNever);
              break;
            case api::DependencyType::kAfterNotOk:
              ts = !t.ended ? DependencyState::kWaiting
                            : (t.ok ? DependencyState::kNever : DependencyState::kSatisfied);
              break;
            case api::DependencyType::kSingleton:
              break;
          }
        }
        if (ts == DependencyState::kNever)
          st = DependencyState::kNever;
        else if (ts == DependencyState::kWaiting && st != DependencyState::kNever)
          st = DependencyState::kWaiting;
      }
    }
    any_satisfied |= st == DependencyState::kSatisfied;
    all_satisfied &= st == DependencyState::kSatisfied;
    any_never |= st == DependencyState::kNever;
    all_never &= st == DependencyState::kNever;
  }
  if (dep->combine == api::DependencySpec::kAny) {
    if (any_satisfied) return DependencyState::kSatisfied;
    return all_never ? DependencyState::kNever : DependencyState::kWaiting;
  }
  if (any_never) return DependencyState::kNever;
  return all_satisfied ? DependencyState::kSatisfied : DependencyState::kWaiting;
}

std::set<uint64_t> PendingJobIds(const ClusterObjects& objects) {
  std::set<uint64_t> out;
  for (const api::JobObject& j : objects.jobs) {
    if (j.status.job_id != 0 &&
        j.status.state.value_or(core::JobState::kPending) == core::JobState::kPending) {
      out.insert(j.status.job_id);
    }
  }
  return out;
}

namespace {

// BuildSnapshot's state: the snapshot under construction and the lookups its steps share.
class SnapshotBuilder {
 public:
  SnapshotBuilder(const ClusterObjects& objects, const std::vector<AssumedStart>& assumed,
                  const SnapshotOptions& options)
      : objects_(objects), assumed_(assumed), options_(options), pending_ids_(objects) {
    for (const AssumedStart& a : assumed) {
      assumed_by_key_[InstanceKey(a.job_key, a.array_index)] = &a;
    }
  }

  Snapshot Build() {
    AddClusterObjects();
    for (size_t ji = 0; ji < objects_.jobs.size(); ++ji) AddJob(ji);
    AddPods();
    return std::move(snap_);
  }

 private:
  void AddClusterObjects();
  void AddJob(size_t ji);
  void AddSingleJob(size_t ji, core::Job job);
  void AddArrayJob(size_t ji, core::Job job);
  // The array's indices neither started, ended nor held, as ranges.
  std::vector<core::IndexRange> PendingRanges(const api::JobObject& obj, const api::ArraySpec& spec,
                                              const std::map<uint32_t, core::JobState>& states);
  void AddRunning(core::Job job, InstanceRef ref, const std::string& key, int32_t restarts);
  void AddPending(size_t ji, core::Job job);
  void AddPods();

  const ClusterObjects& objects_;
  const std::vector<AssumedStart>& assumed_;
  const SnapshotOptions& options_;
  LazyPendingJobIds pending_ids_;
  std::map<std::string, const AssumedStart*> assumed_by_key_;
  Snapshot snap_;
  std::unordered_map<std::string, size_t> node_index_;
  // Instance keys whose pods (of the current run: the restarts label) are the job's allocation.
  std::map<std::string, int32_t> running_keys_;
  std::vector<PreemptMark> marks_;  // of the job being added
};

void SnapshotBuilder::AddClusterObjects() {
  core::ClusterState& cluster = snap_.cluster;
  for (const core::Node& node : objects_.nodes) {
    if (node.name.empty()) continue;
    node_index_[node.name.str()] = cluster.nodes.size();
    cluster.nodes.push_back(node);
  }
  // Nodes the partitions' node pools can still add: planning capacity only (elastic_pools.h).
  for (core::Node& n : AddableNodes(objects_.partitions, cluster.nodes)) {
    cluster.nodes.push_back(std::move(n));
  }
  auto add = [&](const auto& objects, auto convert, auto* out, const char* kind) {
    for (const auto& o : objects) {
      auto c = convert(o);
      if (c.ok()) {
        out->push_back(std::move(*c));
      } else {
        snap_.warnings.push_back(std::string(kind) + " " + o.meta.name + ": " +
                                 c.status().ToString());
      }
    }
  };
  add(
      objects_.partitions, [](const auto& o) { return api::ToCorePartition(o); },
      &cluster.partitions, "Partition");
  add(
      objects_.accounts, [](const auto& o) { return api::ToCoreAccount(o); }, &cluster.accounts,
      "Account");
  add(
      objects_.qos, [](const auto& o) { return api::ToCoreQos(o); }, &cluster.qos, "QoS");
}

void SnapshotBuilder::AddJob(size_t ji) {
  const CycleJob& cycle_job = objects_.jobs[ji];
  const api::JobObject& obj = *cycle_job;
  const std::optional<core::JobState> state = obj.status.state;
  if (state.has_value() && core::IsTerminal(*state)) return;
  if (obj.meta.deletion_timestamp.has_value()) return;
  // The stored version's conversion when the cycle has not changed the Job (job_facts.h).
  const JobFacts* facts = cycle_job.facts();
  StatusOr<core::Job> converted = facts != nullptr && facts->core_job.has_value()
                                      ? *facts->core_job
                                      : CoreJobOf(obj, options_.now);
  if (!converted.ok()) {
    snap_.held_back.push_back(
        {ji, core::PendingReason::kNone, converted.status().ToString(), true});
    return;
  }
  if (obj.status.job_id == 0) return;  // the driver assigns ids first
  marks_ = facts != nullptr ? facts->marks : PreemptMarksOf(obj);
  if (obj.spec.array.empty()) {
    AddSingleJob(ji, std::move(*converted));
  } else {
    AddArrayJob(ji, std::move(*converted));
  }
}

void SnapshotBuilder::AddSingleJob(size_t ji, core::Job job) {
  const api::JobObject& obj = objects_.jobs[ji];
  const std::string& job_key = objects_.jobs[ji].key();
  if (IsRunning(obj.status.state) || assumed_by_key_.count(job_key) > 0) {
    AddRunning(std::move(job), {ji, std::nullopt}, job_key, obj.status.restarts);
    return;
  }
  // A requeued job is eligible again only after the requeue delay (status.eligibleTime).
  if (obj.status.eligible_time.has_value() && *obj.status.eligible_time > options_.now) {
    job.begin_time =
        std::max(job.begin_time.value_or(*obj.status.eligible_time), *obj.status.eligible_time);
  }
  for (const PreemptMark& m : marks_) {
    if (m.victim == obj.status.job_id && m.restarts < obj.status.restarts &&
        pending_ids_.Contains(m.preemptor)) {
      core::Timestamp after = options_.now + core::Seconds(1);
      job.begin_time = std::max(job.begin_time.value_or(after), after);
    }
  }
  AddPending(ji, std::move(job));
}

void SnapshotBuilder::AddArrayJob(size_t ji, core::Job job) {
  const api::JobObject& obj = objects_.jobs[ji];
  const std::string& job_key = objects_.jobs[ji].key();
  StatusOr<api::ArraySpec> spec = api::ParseArraySpec(obj.spec.array, api::kMaxMaxArraySize);
  if (!spec.ok()) {
    snap_.held_back.push_back({ji, core::PendingReason::kNone, spec.status().ToString(), true});
    return;
  }
  std::map<uint32_t, core::JobState> states;
  uint32_t running = 0;
  if (obj.status.array.has_value()) {
    states = ArrayTaskStates(*obj.status.array);
    for (const api::ArrayTaskRecord& r : obj.status.array->tasks) {
      if (r.state != core::JobState::kRunning) continue;
      core::Job t = ArrayTaskJob(job, *spec, r.index);
      t.id = core::JobId{r.job_id};
      t.start_time = r.start_time;
      t.running_partition = core::PartitionName(obj.status.partition);
      for (const std::string& n : SplitNodeList(r.node_list)) t.allocated_nodes.emplace_back(n);
      ++running;
      AddRunning(std::move(t), {ji, r.index}, InstanceKey(job_key, r.index), r.restarts);
    }
  }
  // Assumed task starts not yet in the status.
  for (const AssumedStart& a : assumed_) {
    if (a.job_key != job_key || !a.array_index.has_value()) continue;
    if (running_keys_.count(InstanceKey(job_key, a.array_index)) > 0) continue;
    states[*a.array_index] = core::JobState::kRunning;
    ++running;
    AddRunning(ArrayTaskJob(job, *spec, *a.array_index), {ji, a.array_index},
               InstanceKey(job_key, a.array_index), 0);
  }
  // The pending part of the array: one record; the core splits tasks off as they start.
  core::ArrayTasks tasks;
  tasks.max_running = spec->max_running.value_or(0);
  tasks.running = running;
  tasks.pending = PendingRanges(obj, *spec, states);
  if (tasks.pending.empty()) return;
  job.array = std::move(tasks);
  AddPending(ji, std::move(job));
}

std::vector<core::IndexRange> SnapshotBuilder::PendingRanges(
    const api::JobObject& obj, const api::ArraySpec& spec,
    const std::map<uint32_t, core::JobState>& states) {
  std::vector<core::IndexRange> ranges;
  std::optional<core::IndexRange> cur;
  // Tasks held one by one (fairway.dev/hold-tasks) are not offered to the core.
  const std::set<uint32_t> held = HeldTasks(obj);
  // Consecutive pending indices with a common stride form one range (a strided spec such as
  // 0-998:2 stays a single range), so a large array stays one small record.
  spec.ForEach([&](uint32_t i) {
    if (states.count(i) > 0 || held.count(i) > 0) return;
    if (cur.has_value()) {
      if (cur->first == cur->last) {  // the second index fixes the range's stride
        cur->step = i - cur->first;
        cur->last = i;
        return;
      }
      if (i == cur->last + cur->step) {
        cur->last = i;
        return;
      }
      ranges.push_back(*cur);
    }
    cur = core::IndexRange{i, i, 1};
  });
  if (cur.has_value()) ranges.push_back(*cur);
  return ranges;
}

void SnapshotBuilder::AddRunning(core::Job job, InstanceRef ref, const std::string& key,
                                 int32_t restarts) {
  job.state = core::JobState::kRunning;
  if (auto it = assumed_by_key_.find(key); it != assumed_by_key_.end()) {
    const AssumedStart& a = *it->second;
    job.id = a.id;
    job.running_partition = a.partition;
    job.allocated_nodes = a.nodes;
    job.start_time = a.start_time;
    if (a.time_limit.has_value()) job.time_limit = a.time_limit;
  }
  if (!job.start_time.has_value()) job.start_time = options_.now;
  if (const PreemptMark* m = FindPreemptMark(marks_, job.id.value, restarts)) {
    job.preempted_by = core::JobId{m->preemptor};
  }
  running_keys_[key] = restarts;
  snap_.running_refs.push_back(ref);
  snap_.cluster.running.push_back(std::move(job));
}

void SnapshotBuilder::AddPending(size_t ji, core::Job job) {
  SetDependency(objects_.jobs[ji], objects_.jobs, options_.now, &job);
  job.state = core::JobState::kPending;
  job.start_time.reset();
  job.allocated_nodes.clear();
  snap_.pending.push_back(std::move(job));
  snap_.pending_refs.push_back({ji, std::nullopt});
}

// Pods: every bound, non-terminal pod holds its request on its node. The pods of a running
// instance's current run are its allocation (counted once, through cluster.running), also
// while they terminate (a preempted victim keeps its room until its pods are gone); pods of
// an earlier run, or of an instance that no longer runs, count as other pods until they end.
void SnapshotBuilder::AddPods() {
  for (const nlohmann::json& pod : objects_.pods) {
    const std::string node = JsonString(pod, {"spec", "nodeName"});
    if (node.empty() || PodIsTerminal(pod)) continue;
    auto it = node_index_.find(node);
    if (it == node_index_.end()) continue;
    const std::string job_name = PodLabel(pod, kLabelJob);
    if (!job_name.empty()) {
      const std::string ns = JsonString(pod, {"metadata", "namespace"});
      const std::string index_label = PodLabel(pod, kLabelArrayIndex);
      std::optional<uint32_t> index;
      if (!index_label.empty()) {
        index = static_cast<uint32_t>(std::strtoul(index_label.c_str(), nullptr, 10));
      }
      auto rk = running_keys_.find(InstanceKey(ns + "/" + job_name, index));
      const std::string restarts = PodLabel(pod, kLabelRestarts);
      if (rk != running_keys_.end() &&
          (restarts.empty() || restarts == std::to_string(rk->second))) {
        continue;
      }
    }
    snap_.cluster.nodes[it->second].used_by_other_pods += PodRequest(pod);
  }
}

}  // namespace

Snapshot BuildSnapshot(const ClusterObjects& objects, const std::vector<AssumedStart>& assumed,
                       const SnapshotOptions& options) {
  return SnapshotBuilder(objects, assumed, options).Build();
}

}  // namespace fairway::controllers
