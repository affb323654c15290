#include "controllers/job_reconciler.h"

#include <algorithm>

#include "api/array_task_list.h"
#include "controllers/kube_objects.h"
#include "controllers/names.h"

namespace fairway::controllers {

using nlohmann::json;

namespace {

// Upkeep writes (job_reconciler.h) in one cycle, at most: the reconciler writes one Job at a
// time, so after an upgrade (every Job lacks its conditions) or a restart (the TIME of every
// running job is due at once) the backlog is spread over cycles instead of stalling one for
// seconds. 100 writes of a few milliseconds each keep a cycle well under a second; a job left
// over is written in a later cycle.
constexpr int kUpkeepWritesPerCycle = 100;

// The pods of one array task, whatever their run.
std::vector<const json*> TaskPods(const std::vector<const json*>& pods, uint32_t index,
                                  bool include_terminal) {
  std::vector<const json*> out;
  for (const json* p : pods) {
    if (PodLabel(*p, kLabelArrayIndex) != std::to_string(index)) continue;
    if (!include_terminal && PodIsTerminal(*p)) continue;
    out.push_back(p);
  }
  return out;
}

}  // namespace

struct JobReconciler::Pass {
  const ClusterObjects* objects = nullptr;
  std::map<std::string, std::vector<const json*>> pods_of;  // by job key
  std::unordered_set<std::string_view> ready_nodes;         // names, into objects->nodes
  std::set<uint64_t> pending_ids;      // jobIDs still waiting to start (when a Job has marks)
  std::set<std::string> assumed_keys;  // AssumedStarts::InstanceKeys
  core::Timestamp now{};
  const Logger* log = nullptr;
};

struct JobReconciler::JobWork {
  CycleJob* job = nullptr;         // changed (copied) only when written
  kube::ObjectPtr* obj = nullptr;  // the stored Job
  std::string key;
  std::vector<const json*> pods;
  std::optional<api::ArraySpec> array;
  std::vector<PreemptMark> marks;
  std::vector<PreemptMark> marks_done;  // victims that ended this cycle, stale marks
  api::JobStatus st;
  bool changed = false;
  json annotation_patch = json::object();
};

struct JobReconciler::Instance {
  std::optional<uint32_t> index;  // array task, or the job itself
  uint64_t id = 0;                // its jobID
  int32_t restarts = 0;
  std::string node_list;
};

void JobReconciler::Reconcile(ClusterObjects* objects, std::vector<kube::ObjectPtr>* raw,
                              core::Timestamp now, const Logger& log) {
  Pass pass;
  pass.objects = objects;
  for (const json& p : objects->pods) {
    const std::string job = PodLabel(p, kLabelJob);
    if (!job.empty())
      pass.pods_of[JsonString(p, {"metadata", "namespace"}) + "/" + job].push_back(&p);
  }
  for (const core::Node& node : objects->nodes) {
    if (node.ready) pass.ready_nodes.insert(node.name.str());
  }
  // Only preemption marks ask; at 100,000 Jobs the set costs more than the rest of the pass.
  const bool any_marks =
      std::any_of(objects->jobs.begin(), objects->jobs.end(), [](const CycleJob& j) {
        return j.facts() != nullptr ? !j.facts()->marks.empty() : !PreemptMarksOf(*j).empty();
      });
  if (any_marks) pass.pending_ids = PendingJobIds(*objects);
  pass.assumed_keys = assumed_->InstanceKeys();
  pass.now = now;
  pass.log = &log;
  upkeep_left_ = kUpkeepWritesPerCycle;
  for (size_t ji = 0; ji < objects->jobs.size(); ++ji) {
    CycleJob& job = objects->jobs[ji];
    if (job->meta.deletion_timestamp.has_value()) continue;
    JobWork w;
    w.job = &job;
    w.obj = &(*raw)[ji];
    w.key = job.key();
    if (auto pods = pass.pods_of.find(w.key); pods != pass.pods_of.end()) w.pods = pods->second;
    w.st = job->status;
    ReconcileJob(pass, &w);
  }
}

void JobReconciler::ReconcileJob(const Pass& pass, JobWork* w) {
  const api::JobObject& job = **w->job;
  if (w->st.state.has_value() && core::IsTerminal(*w->st.state)) {
    // Pods left running by an ended job (e.g. TIMEOUT while the operator was down).
    std::vector<const json*> live;
    for (const json* p : w->pods) {
      if (!PodIsTerminal(*p) && !PodIsDeleting(*p)) live.push_back(p);
    }
    if (!live.empty()) writer_->DeletePods(live, *pass.log);
    w->changed = TakeUpkeepWrite(pass, *w);
    Commit(pass, w);
    return;
  }
  if (w->st.job_id == 0) return;  // no jobID yet (its allocation failed): next cycle
  if (!job.spec.array.empty()) {
    auto a = api::ParseArraySpec(job.spec.array, api::kMaxMaxArraySize);
    if (a.ok()) w->array = std::move(*a);
  }
  w->marks = w->job->facts() != nullptr ? w->job->facts()->marks : PreemptMarksOf(job);
  for (const PreemptMark& m : w->marks) {
    // A requeued victim's mark of an earlier run, once its preemptor no longer waits.
    if (job.spec.array.empty() && m.restarts < job.status.restarts &&
        pass.pending_ids.count(m.preemptor) == 0) {
      w->marks_done.push_back(m);
    }
  }
  const bool cancel = job.meta.annotations.count(std::string(kAnnotationCancel)) > 0;
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
  if (!cancel && w->array.has_value() && w->st.array.has_value()) ApplyTaskActions(pass, w);
  if (cancel) {
    Cancel(pass, w);
  } else if (!requeue_token.empty() && !w->array.has_value() &&
             w->st.state == core::JobState::kRunning && !RequeueTokenSeen(w->st, requeue_token)) {
    Requeue(pass, w, requeue_token, requeue_hold);
  } else {
    EvaluateRunning(pass, w);
  }
  if (!w->changed) w->changed = TakeUpkeepWrite(pass, *w);
  Commit(pass, w);
}

bool JobReconciler::TakeUpkeepWrite(const Pass& pass, const JobWork& w) {
  if (upkeep_left_ <= 0) return false;
  // A new job's first status (it carries the jobID) is written by the scheduler driver with its
  // pending reason, in parallel with the other new jobs; it gets its conditions then.
  const bool stale =
      !FirstStatusUnwritten(**w.obj) && !JobConditionsCurrent(w.st, (*w.job)->meta.generation);
  if (!stale && !ElapsedRefreshDue(w.st, pass.now, elapsed_refresh_)) return false;
  --upkeep_left_;
  return true;
}

void JobReconciler::ApplyTaskActions(const Pass& pass, JobWork* w) {
  const TaskActions acts = TaskActionsOf(**w->job);
  if (SetTaskActionCondition(&w->st, acts.errors, pass.now)) {
    std::string msg;
    for (const std::string& e : acts.errors) msg += (msg.empty() ? "" : "; ") + e;
    writer_->Event(**w->obj, "Job", true, "InvalidTaskList", msg);
  }
  if (!acts.cancel.empty()) CancelTaskList(pass, w, acts);
  if (acts.has_requeue) RequeueTaskList(pass, w, acts);
  if (acts.has_release) ReleaseTaskList(w, acts);
  // Every task still waiting is held: nothing is offered to the core, so say why here.
  const std::set<uint32_t> waiting = PendingTasks(w->st, *w->array);
  const std::set<uint32_t> held = api::MinusIndices(acts.hold, acts.release);
  if (!waiting.empty() && api::MinusIndices(waiting, held).empty()) {
    w->st.reason = std::string(core::PendingReasonName(core::PendingReason::kJobHeldUser));
  }
  if (StatusDiffers(w->st, (*w->job)->status)) w->changed = true;
}

void JobReconciler::CancelTaskList(const Pass& pass, JobWork* w, const TaskActions& acts) {
  const std::set<uint32_t> pending_before = PendingTasks(w->st, *w->array);
  const std::vector<uint32_t> stopped = CancelTasks(&w->st, *w->array, acts.cancel, pass.now);
  const std::set<uint32_t> pending_after = PendingTasks(w->st, *w->array);
  for (uint32_t i : stopped) assumed_->Forget(w->key, i);
  // Pods of every cancelled task go (again after a restart between the status write and the
  // deletes; DeletePods skips pods already terminating).
  for (const api::ArrayTaskRecord& r : w->st.array->tasks) {
    if (r.state == core::JobState::kCancelled && acts.cancel.count(r.index) > 0) {
      writer_->DeletePods(TaskPods(w->pods, r.index, false), *pass.log);
    }
  }
  const std::set<uint32_t> dropped = api::MinusIndices(pending_before, pending_after);
  if (stopped.empty() && dropped.empty()) return;
  std::set<uint32_t> all(stopped.begin(), stopped.end());
  all.insert(dropped.begin(), dropped.end());
  writer_->Event(**w->obj, "Job", false, "Cancelled",
                 "tasks " + api::FormatTaskIndexList(all) + " cancelled by user request");
}

void JobReconciler::RequeueTaskList(const Pass& pass, JobWork* w, const TaskActions& acts) {
  const std::vector<uint32_t> requeued = RequeueTasks(&w->st, *w->array, acts.requeue);
  for (uint32_t i : requeued) {
    writer_->DeletePods(TaskPods(w->pods, i, true), *pass.log);  // names come back
    assumed_->Forget(w->key, i);
  }
  if (!requeued.empty()) {
    writer_->Event(**w->obj, "Job", false, "Requeued",
                   "tasks " + api::FormatTaskIndexList({requeued.begin(), requeued.end()}) +
                       " requeued by user request");
  }
  w->annotation_patch[std::string(kAnnotationRequeueTasks)] = nullptr;
}

void JobReconciler::ReleaseTaskList(JobWork* w, const TaskActions& acts) {
  for (const std::string& e : acts.errors) {
    if (e.rfind(std::string(kAnnotationHoldTasks) + ":", 0) == 0) return;  // unreadable hold
  }
  const std::set<uint32_t> hold = api::MinusIndices(acts.hold, acts.release);
  w->annotation_patch[std::string(kAnnotationHoldTasks)] =
      hold.empty() ? json(nullptr) : json(api::FormatTaskIndexList(hold));
  w->annotation_patch[std::string(kAnnotationReleaseTasks)] = nullptr;
}

void JobReconciler::Cancel(const Pass& pass, JobWork* w) {
  writer_->DeletePods(NotTerminal(w->pods), *pass.log);
  CancelJob(&w->st, w->array ? &*w->array : nullptr, pass.now);
  assumed_->ForgetJob(w->key);
  writer_->Event(**w->obj, "Job", false, "Cancelled", "cancelled by user request");
  w->changed = true;
}

void JobReconciler::Requeue(const Pass& pass, JobWork* w, const std::string& token, bool hold) {
  writer_->DeletePods(NotTerminal(w->pods), *pass.log);
  RequeueJob(&w->st, pass.now, token, requeue_delay_);
  if (hold && !(*w->job)->spec.hold) {
    Status s = writer_->Hold(w->obj, &w->job->Mutable());
    if (!s.ok()) FAIRWAY_LOG(*pass.log, kWarn, "requeue hold failed", {{"error", s.ToString()}});
  }
  assumed_->ForgetJob(w->key);
  writer_->Event(**w->obj, "Job", false, "Requeued", "requeued by user request");
  w->changed = true;
}

void JobReconciler::EvaluateRunning(const Pass& pass, JobWork* w) {
  const api::JobObject& job = **w->job;
  if (!w->array.has_value() && w->st.state == core::JobState::kRunning) {
    const InstanceOutcome out =
        Evaluate(pass, w, {std::nullopt, w->st.job_id, w->st.restarts, w->st.node_list});
    if (out.kind == InstanceOutcome::kRunning) return;
    const bool requeue = out.kind == InstanceOutcome::kPreempted ? out.requeue : job.spec.requeue;
    ApplyOutcome(&w->st, out, requeue, pass.now, requeue_delay_);
    w->changed = true;
    writer_->Event(**w->obj, "Job", out.kind != InstanceOutcome::kCompleted, OutcomeReason(out),
                   OutcomeMessage(out));
    return;
  }
  if (!w->array.has_value() || !w->st.array.has_value()) return;
  const std::vector<api::ArrayTaskRecord> records = w->st.array->tasks;
  for (const api::ArrayTaskRecord& r : records) {
    if (r.state != core::JobState::kRunning) continue;
    const InstanceOutcome out = Evaluate(pass, w, {r.index, r.job_id, r.restarts, r.node_list});
    if (out.kind == InstanceOutcome::kRunning) continue;
    const bool requeue = out.kind == InstanceOutcome::kPreempted ? out.requeue : job.spec.requeue;
    ApplyTaskOutcome(&w->st, *w->array, r.index, out, requeue, pass.now);
    if (out.kind == InstanceOutcome::kPreempted) {
      writer_->Event(**w->obj, "Job", true, "Preempted",
                     "task " + std::to_string(r.index) + " " + OutcomeMessage(out) +
                         (out.requeue ? "; requeued" : ""));
    }
    w->changed = true;
  }
}

InstanceOutcome JobReconciler::Evaluate(const Pass& pass, JobWork* w, const Instance& inst) {
  const std::vector<const json*> mine = RunPods(w->pods, inst.index, inst.restarts);
  if (const PreemptMark* mark = FindPreemptMark(w->marks, inst.id, inst.restarts)) {
    return EvaluateVictim(pass, w, inst, *mark, mine);
  }
  const std::string ikey = w->key + (inst.index ? "_" + std::to_string(*inst.index) : "");
  const int32_t node_count = static_cast<int32_t>((*w->job)->spec.nodes);
  InstanceOutcome out =
      EvaluateInstance(mine, pass.ready_nodes, node_count, pass.assumed_keys.count(ikey) > 0);
  if (out.kind == InstanceOutcome::kMissingPods) {
    RecreatePods(pass, w, inst);
    out.kind = InstanceOutcome::kRunning;
  }
  if (out.kind == InstanceOutcome::kTimeout || out.kind == InstanceOutcome::kFailed ||
      out.kind == InstanceOutcome::kNodeFail) {
    // A requeued array task comes back under the same pod names: clear the old ones.
    const bool reuse =
        out.kind == InstanceOutcome::kNodeFail && (*w->job)->spec.requeue && inst.index.has_value();
    writer_->DeletePods(reuse ? mine : NotTerminal(mine), *pass.log);
  }
  return out;
}

// A preemption victim: its pods go with the grace period (again, after a restart between the
// mark and the deletes); it ends once none is left alive.
InstanceOutcome JobReconciler::EvaluateVictim(const Pass& pass, JobWork* w, const Instance& inst,
                                              const PreemptMark& mark,
                                              const std::vector<const json*>& mine) {
  writer_->DeletePods(NotTerminal(mine), *pass.log, mark.grace_seconds);
  InstanceOutcome out = EvaluatePreempted(mine, static_cast<int32_t>((*w->job)->spec.nodes));
  if (out.kind == InstanceOutcome::kPreempted) {
    out.detail = "job " + std::to_string(mark.preemptor);
    out.requeue = mark.mode == core::PreemptMode::kRequeue && (*w->job)->spec.requeue;
    if (out.requeue && inst.index.has_value()) {
      writer_->DeletePods(mine, *pass.log);  // pod names are reused
    }
  }
  // A requeued job keeps its mark (of the old run) while the preemptor waits: the snapshot then
  // keeps it from taking the room back first. Array tasks restart under the same run number, so
  // theirs goes now.
  const bool keep =
      out.kind == InstanceOutcome::kPreempted && out.requeue && !inst.index.has_value();
  if (out.kind != InstanceOutcome::kRunning && !keep) w->marks_done.push_back(mark);
  return out;
}

// Decided but pods not there (the operator restarted between the status write and the pods):
// the missing ones are created on the recorded nodes.
void JobReconciler::RecreatePods(const Pass& pass, JobWork* w, const Instance& inst) {
  const api::JobObject& job = **w->job;
  std::optional<core::Seconds> limit;
  if (StatusOr<core::Job> cj = api::ToCoreJob(job); cj.ok()) limit = cj->time_limit;
  if (!limit.has_value()) {
    for (const api::PartitionObject& p : pass.objects->partitions) {
      if (p.meta.name != w->st.partition) continue;
      auto cp = api::ToCorePartition(p);
      if (cp.ok()) limit = cp->default_time.has_value() ? cp->default_time : cp->max_time;
    }
  }
  PodPlan plan;
  plan.job_id = w->st.job_id;
  plan.array_job_id = w->st.job_id;
  plan.array_index = inst.index;
  plan.partition = w->st.partition;
  for (const std::string& n : SplitComma(inst.node_list)) plan.nodes.push_back(n);
  plan.time_limit = limit;
  plan.restarts = inst.restarts;
  if (inst.index.has_value() && w->array.has_value()) {
    plan.job_id = ArrayTaskJobId(*w->array, w->st.job_id, *inst.index);
  }
  if (plan.nodes.empty()) return;
  Status s = binder_->CreateAndBind(job, plan, *pass.log);
  if (!s.ok()) {
    FAIRWAY_LOG(*pass.log, kWarn, "recreating pods failed",
                {{"job", w->key}, {"error", s.ToString()}});
  }
}

void JobReconciler::Commit(const Pass& pass, JobWork* w) {
  if (!w->marks_done.empty()) {
    // The mark goes first: a mark left behind would apply to a restarted array task.
    std::vector<PreemptMark> keep;
    for (const PreemptMark& m : w->marks) {
      if (std::find(w->marks_done.begin(), w->marks_done.end(), m) == w->marks_done.end()) {
        keep.push_back(m);
      }
    }
    Status s = writer_->WritePreemptMarks(w->obj, &w->job->Mutable(), keep);
    if (!s.ok()) {
      FAIRWAY_LOG(*pass.log, kWarn, "preemption mark removal failed", {{"error", s.ToString()}});
      return;  // retried next cycle; the victim keeps its room meanwhile
    }
  }
  if (w->changed) {
    Status s = writer_->WriteStatus(w->obj, &w->job->Mutable(), w->st);
    if (!s.ok()) {
      FAIRWAY_LOG(*pass.log, kWarn, "job status write failed", {{"error", s.ToString()}});
      return;
    }
  }
  if (!w->annotation_patch.empty()) {
    Status s = writer_->PatchAnnotations(w->obj, &w->job->Mutable(), w->annotation_patch);
    if (!s.ok()) {
      FAIRWAY_LOG(*pass.log, kDebug, "task action clean-up failed", {{"error", s.ToString()}});
    }
  }
}

}  // namespace fairway::controllers
