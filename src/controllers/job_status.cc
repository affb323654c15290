#include "controllers/job_status.h"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>

#include "api/array_task_list.h"
#include "api/hostlist.h"
#include "controllers/kube_objects.h"
#include "controllers/names.h"
#include "core/partition_rules.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

api::ArraySpec SpecOf(const std::vector<uint32_t>& sorted) {
  api::ArraySpec s;
  for (uint32_t i : sorted) {
    if (!s.ranges.empty() && s.ranges.back().step == 1 && s.ranges.back().last + 1 == i) {
      s.ranges.back().last = i;
    } else {
      s.ranges.push_back({i, i, 1});
    }
  }
  return s;
}

// `list` (an index list of status.array.taskIndices) without `index`. The range holding it is
// cut in two, so the pending list of a large array is never expanded.
std::string WithoutIndex(const std::string& list, uint32_t index) {
  if (list.empty()) return list;
  StatusOr<api::ArraySpec> spec = api::ParseArraySpec(list, api::kMaxMaxArraySize);
  if (!spec.ok()) return list;
  std::vector<api::ArrayRange> ranges;
  for (const api::ArrayRange& r : spec->ranges) {
    if (!r.Contains(index)) {
      ranges.push_back(r);
      continue;
    }
    if (index > r.first) ranges.push_back({r.first, index - r.step, r.step});
    if (index < r.last) ranges.push_back({index + r.step, r.last, r.step});
  }
  spec->ranges = std::move(ranges);
  return spec->ToString();
}

// `list` with `index` added.
std::string WithIndex(const std::string& list, uint32_t index) {
  std::vector<uint32_t> all;
  if (!list.empty()) {
    StatusOr<api::ArraySpec> spec = api::ParseArraySpec(list, api::kMaxMaxArraySize);
    if (spec.ok()) all = spec->Indices();
  }
  auto at = std::lower_bound(all.begin(), all.end(), index);
  if (at == all.end() || *at != index) all.insert(at, index);
  return SpecOf(all).ToString();
}

// Moves one task from state `from` to state `to` in taskCounts and taskIndices, so every index
// stays listed in exactly one state; a state left without tasks loses its keys (as RecountArray
// leaves it).
void MoveTask(api::ArrayStatus* a, uint32_t index, core::JobState from, core::JobState to) {
  auto count = a->counts.find(from);
  if (count != a->counts.end() && --count->second <= 0) a->counts.erase(count);
  a->counts[to]++;
  auto list = a->indices.find(from);
  if (list != a->indices.end()) {
    list->second = WithoutIndex(list->second, index);
    if (list->second.empty()) a->indices.erase(list);
  }
  a->indices[to] = WithIndex(a->indices[to], index);
}

core::JobState StateOf(const InstanceOutcome& o) {
  switch (o.kind) {
    case InstanceOutcome::kCompleted:
      return core::JobState::kCompleted;
    case InstanceOutcome::kFailed:
      return core::JobState::kFailed;
    case InstanceOutcome::kTimeout:
      return core::JobState::kTimeout;
    case InstanceOutcome::kNodeFail:
      return core::JobState::kNodeFail;
    case InstanceOutcome::kPreempted:
      return core::JobState::kPreempted;
    default:
      return core::JobState::kRunning;
  }
}

int32_t ExitOf(const InstanceOutcome& o) {
  switch (o.kind) {
    case InstanceOutcome::kCompleted:
      return 0;
    case InstanceOutcome::kFailed:
      return o.exit_code;
    case InstanceOutcome::kTimeout:
      return 0;
    case InstanceOutcome::kPreempted:
      return 0;
    default:
      return 1;
  }
}

// Sets condition `type` (added when missing) and returns it. As metav1.Condition requires,
// lastTransitionTime moves only when the status flips; reason and message always follow.
api::Condition* SetCondition(api::JobStatus* status, const std::string& type,
                             api::ConditionStatus value, const std::string& reason,
                             const std::string& message, core::Timestamp now) {
  for (api::Condition& c : status->conditions) {
    if (c.type != type) continue;
    if (c.status != value) {
      c.status = value;
      c.last_transition_time = now;
    }
    c.reason = reason;
    c.message = message;
    return &c;
  }
  api::Condition c;
  c.type = type;
  c.status = value;
  c.reason = reason;
  c.message = message;
  c.last_transition_time = now;
  status->conditions.push_back(std::move(c));
  return &status->conditions.back();
}

api::Condition* FindCondition(api::JobStatus* status, std::string_view type) {
  for (api::Condition& c : status->conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

// The conditions SyncJobConditions maintains (job_status.h).
constexpr std::string_view kSubmitted = "Submitted";
constexpr std::string_view kStarted = "Started";
constexpr std::string_view kComplete = "Complete";
constexpr std::string_view kFailed = "Failed";
constexpr std::string_view kHeld = "Held";
constexpr std::string_view kPreempted = "Preempted";
constexpr std::array<std::string_view, 6> kJobConditions = {kSubmitted, kStarted, kComplete,
                                                            kFailed,    kHeld,    kPreempted};

// A Slurm state as a condition reason (metav1 wants CamelCase): "NodeFail", "OutOfMemory".
std::string StateReason(core::JobState state) {
  switch (state) {
    case core::JobState::kPending:
      return "Pending";
    case core::JobState::kRunning:
      return "Running";
    case core::JobState::kCompleted:
      return "Completed";
    case core::JobState::kCancelled:
      return "Cancelled";
    case core::JobState::kFailed:
      return "Failed";
    case core::JobState::kTimeout:
      return "Timeout";
    case core::JobState::kNodeFail:
      return "NodeFail";
    case core::JobState::kPreempted:
      return "Preempted";
    case core::JobState::kOutOfMemory:
      return "OutOfMemory";
    case core::JobState::kRequeued:
      return "Requeued";
  }
  return "Unknown";
}

// A preemption's condition: True until the job runs again (MarkStarted).
void SetPreempted(api::JobStatus* st, bool requeued, const std::string& message,
                  core::Timestamp now) {
  SetCondition(st, std::string(kPreempted), api::ConditionStatus::kTrue,
               requeued ? "Requeued" : "Cancelled", message, now);
}

}  // namespace

std::vector<std::string> SplitComma(const std::string& text) {
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

InstanceOutcome EvaluateInstance(const std::vector<const json*>& pods,
                                 const std::unordered_set<std::string_view>& ready_nodes,
                                 int32_t node_count, bool in_flight) {
  InstanceOutcome out;
  int32_t succeeded = 0;
  for (const json* p : pods) {
    std::string phase = PodPhase(*p);
    if (phase == "Succeeded") ++succeeded;
    if (phase == "Failed" && JsonString(*p, {"status", "reason"}) == "DeadlineExceeded") {
      out.kind = InstanceOutcome::kTimeout;
      return out;
    }
  }
  if (succeeded >= node_count && node_count > 0) {
    out.kind = InstanceOutcome::kCompleted;
    return out;
  }
  for (const json* p : pods) {
    if (PodIsTerminal(*p) && PodPhase(*p) == "Succeeded") continue;
    std::string node = JsonString(*p, {"spec", "nodeName"});
    if (node.empty()) continue;
    if (ready_nodes.count(node) == 0) {
      out.kind = InstanceOutcome::kNodeFail;
      out.detail = node;
      return out;
    }
  }
  for (const json* p : pods) {
    if (PodPhase(*p) != "Failed") continue;
    out.kind = InstanceOutcome::kFailed;
    std::optional<int32_t> code = PodExitCode(*p);
    out.exited = code.has_value() && *code != 0;
    out.exit_code = out.exited ? *code : 1;
    out.detail = JsonString(*p, {"status", "reason"});
    return out;
  }
  // A pod created but never bound (the operator died between the create and the bind) counts
  // as missing too: CreateAndBind finds it (AlreadyExists) and binds it to the recorded node.
  int32_t placed = 0;
  for (const json* p : pods) {
    if (!JsonString(*p, {"spec", "nodeName"}).empty() || PodIsTerminal(*p)) ++placed;
  }
  if (!in_flight && placed < node_count) out.kind = InstanceOutcome::kMissingPods;
  return out;
}

InstanceOutcome EvaluatePreempted(const std::vector<const json*>& pods, int32_t node_count) {
  InstanceOutcome out;
  int32_t succeeded = 0;
  bool alive = false;
  for (const json* p : pods) {
    if (PodPhase(*p) == "Succeeded") ++succeeded;
    if (!PodIsTerminal(*p)) alive = true;
  }
  if (node_count > 0 && succeeded >= node_count) {
    out.kind = InstanceOutcome::kCompleted;
  } else if (!alive) {
    out.kind = InstanceOutcome::kPreempted;
  }
  return out;
}

std::string OutcomeReason(const InstanceOutcome& o) {
  switch (o.kind) {
    case InstanceOutcome::kCompleted:
      return "Completed";
    case InstanceOutcome::kFailed:
      return o.exited ? "NonZeroExitCode" : "JobLaunchFailure";
    case InstanceOutcome::kTimeout:
      return "TimeLimit";
    case InstanceOutcome::kNodeFail:
      return "NodeFail";
    case InstanceOutcome::kPreempted:
      return "Preempted";
    default:
      return "Running";
  }
}

std::string OutcomeMessage(const InstanceOutcome& o) {
  switch (o.kind) {
    case InstanceOutcome::kCompleted:
      return "all pods succeeded";
    case InstanceOutcome::kFailed:
      return (o.exited ? "a pod failed with exit code " + std::to_string(o.exit_code)
                       : std::string("a pod failed before its containers ran")) +
             (o.detail.empty() ? "" : " (" + o.detail + ")");
    case InstanceOutcome::kTimeout:
      return "time limit reached; pods deleted";
    case InstanceOutcome::kNodeFail:
      return "node " + o.detail + " failed";
    case InstanceOutcome::kPreempted:
      return "preempted" + (o.detail.empty() ? "" : " by " + o.detail);
    default:
      return "";
  }
}

void ApplyOutcome(api::JobStatus* st, const InstanceOutcome& o, bool requeue_allowed,
                  core::Timestamp now, core::Seconds requeue_delay) {
  if (o.kind == InstanceOutcome::kNodeFail && requeue_allowed) {
    RequeueJob(st, now, "", requeue_delay);
    st->reason = "None";
    SetCondition(st, "NodeFailure", api::ConditionStatus::kTrue, "NodeFail", OutcomeMessage(o),
                 now);
    return;
  }
  if (o.kind == InstanceOutcome::kPreempted) {
    SetPreempted(st, requeue_allowed, OutcomeMessage(o), now);
    if (requeue_allowed) {
      RequeueJob(st, now, "", requeue_delay);
      st->reason = "None";
      return;
    }
  }
  st->state = StateOf(o);
  st->exit_code = ExitOf(o);
  st->end_time = now;
  st->reason = o.kind == InstanceOutcome::kCompleted ? "" : OutcomeReason(o);
  st->message = OutcomeMessage(o);
  st->expected_start_time.reset();
}

void InitArrayStatus(api::JobStatus* st, const api::ArraySpec& spec) {
  api::ArrayStatus a;
  a.task_count = spec.size();
  st->array = std::move(a);
  RecountArray(st, spec);
}

void RecountArray(api::JobStatus* st, const api::ArraySpec& spec) {
  if (!st->array.has_value()) return;
  api::ArrayStatus& a = *st->array;
  a.task_count = spec.size();
  std::map<uint32_t, core::JobState> states = ArrayTaskStates(a);
  std::map<core::JobState, std::vector<uint32_t>> by_state;
  spec.ForEach([&](uint32_t i) {
    auto it = states.find(i);
    by_state[it == states.end() ? core::JobState::kPending : it->second].push_back(i);
  });
  a.counts.clear();
  a.indices.clear();
  for (const auto& [state, list] : by_state) {
    a.counts[state] = static_cast<int64_t>(list.size());
    a.indices[state] = SpecOf(list).ToString();
  }
  // COMPLETED tasks need no record.
  a.tasks.erase(std::remove_if(a.tasks.begin(), a.tasks.end(),
                               [](const api::ArrayTaskRecord& r) {
                                 return r.state == core::JobState::kCompleted;
                               }),
                a.tasks.end());
  int64_t running =
      a.counts.count(core::JobState::kRunning) ? a.counts[core::JobState::kRunning] : 0;
  int64_t pending =
      a.counts.count(core::JobState::kPending) ? a.counts[core::JobState::kPending] : 0;
  if (st->state == core::JobState::kCancelled) return;
  if (running > 0) {
    st->state = core::JobState::kRunning;
  } else if (pending > 0) {
    st->state = core::JobState::kPending;
  } else {
    // Every task ended.
    core::JobState final_state = core::JobState::kCompleted;
    int32_t exit = 0;
    for (const api::ArrayTaskRecord& r : a.tasks) {
      if (r.state != core::JobState::kCompleted) {
        final_state = r.state;
        exit = std::max(exit, r.exit_code.value_or(0));
      }
    }
    if (final_state == core::JobState::kCompleted) {
      // Outcomes kept only as index lists (pending tasks cancelled one by one).
      for (const auto& [state, n] : a.counts) {
        if (state != core::JobState::kCompleted && n > 0) final_state = state;
      }
    }
    st->state = final_state;
    st->exit_code = exit;
    st->reason = "";
  }
}

void ApplyTaskOutcome(api::JobStatus* st, const api::ArraySpec& spec, uint32_t index,
                      const InstanceOutcome& o, bool requeue_allowed, core::Timestamp now) {
  if (!st->array.has_value()) return;
  std::vector<api::ArrayTaskRecord>& tasks = st->array->tasks;
  for (auto it = tasks.begin(); it != tasks.end(); ++it) {
    if (it->index != index) continue;
    if (o.kind == InstanceOutcome::kPreempted) {
      SetPreempted(st, requeue_allowed, "task " + std::to_string(index) + " " + OutcomeMessage(o),
                   now);
    }
    if ((o.kind == InstanceOutcome::kNodeFail || o.kind == InstanceOutcome::kPreempted) &&
        requeue_allowed) {
      tasks.erase(it);  // back to pending
      break;
    }
    core::JobState s = StateOf(o);
    if (s == core::JobState::kCompleted) {
      // Keep the index in COMPLETED through the indices map.
      std::string& idx = st->array->indices[core::JobState::kCompleted];
      idx = WithIndex(idx, index);
      tasks.erase(it);
    } else {
      it->state = s;
      it->exit_code = ExitOf(o);
      it->end_time = now;
    }
    break;
  }
  RecountArray(st, spec);
  if (st->state.has_value() && core::IsTerminal(*st->state)) st->end_time = now;
}

void MarkStarted(api::JobStatus* st, const core::StartDecision& d, uint64_t job_id,
                 core::Timestamp now) {
  std::string nodes;
  for (const core::NodeName& n : d.nodes) nodes += (nodes.empty() ? "" : ",") + n.str();
  st->partition = d.partition.str();
  st->reason = "";
  st->expected_start_time.reset();
  if (api::Condition* c = FindCondition(st, kPreempted);
      c != nullptr && c->status == api::ConditionStatus::kTrue) {
    SetCondition(st, std::string(kPreempted), api::ConditionStatus::kFalse, "Restarted",
                 "a run started after the preemption", now);
  }
  if (d.array_task.has_value() && st->array.has_value()) {
    api::ArrayTaskRecord r;
    r.index = *d.array_task;
    r.job_id = job_id;
    r.state = core::JobState::kRunning;
    r.node_list = nodes;
    r.start_time = now;
    st->array->tasks.push_back(std::move(r));
    std::sort(st->array->tasks.begin(), st->array->tasks.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    st->state = core::JobState::kRunning;
    if (!st->start_time.has_value()) st->start_time = now;
    MoveTask(&*st->array, *d.array_task, core::JobState::kPending, core::JobState::kRunning);
    return;
  }
  st->state = core::JobState::kRunning;
  st->start_time = now;
  st->end_time.reset();
  st->node_list = nodes;
  st->exit_code.reset();
}

void UndoStart(api::JobStatus* st, const api::JobStatus& before,
               std::optional<uint32_t> array_task) {
  if (!array_task.has_value() || !st->array.has_value()) {
    api::JobStatus keep = before;
    *st = keep;
    return;
  }
  auto& tasks = st->array->tasks;
  tasks.erase(std::remove_if(tasks.begin(), tasks.end(),
                             [&](const api::ArrayTaskRecord& r) { return r.index == *array_task; }),
              tasks.end());
  MoveTask(&*st->array, *array_task, core::JobState::kRunning, core::JobState::kPending);
  bool running = st->array->counts.count(core::JobState::kRunning) > 0;
  st->state = running ? core::JobState::kRunning : core::JobState::kPending;
}

void MarkPending(api::JobStatus* st, const core::PendingDecision& d,
                 const std::string& partitions) {
  st->reason = std::string(core::PendingReasonName(d.reason));
  st->priority = d.priority.priority;
  api::PriorityFactors f;
  f.age = d.priority.age;
  f.fair_share = d.priority.fair_share;
  f.job_size = d.priority.job_size;
  f.partition = d.priority.partition;
  f.qos = d.priority.qos;
  f.assoc = d.priority.assoc;
  f.tres = d.priority.tres;
  f.nice = d.priority.nice;
  st->priority_factors = f;
  st->expected_start_time = d.expected_start;
  // Running array tasks keep the partition they run in.
  if (st->state != core::JobState::kRunning) st->partition = partitions;
}

bool StatusDiffers(const api::JobStatus& a, const api::JobStatus& b) {
  api::JobStatus x = a, y = b;
  x.elapsed.clear();
  y.elapsed.clear();
  x.state_code.clear();
  y.state_code.clear();
  x.node_list_or_reason.clear();
  y.node_list_or_reason.clear();
  x.observed_generation = y.observed_generation = 0;
  // Priority factors move every cycle with age; write them when the integer priority changes.
  if (x.priority == y.priority) x.priority_factors = y.priority_factors;
  return !(x == y);
}

void SyncJobConditions(api::JobStatus* st, int64_t generation, core::Timestamp now) {
  const core::JobState state = st->state.value_or(core::JobState::kPending);
  const std::string state_name(core::JobStateName(state));
  const bool ended = core::IsTerminal(state);
  auto set = [&](std::string_view type, bool value, const std::string& reason,
                 const std::string& message) {
    SetCondition(st, std::string(type),
                 value ? api::ConditionStatus::kTrue : api::ConditionStatus::kFalse, reason,
                 message, now)
        ->observed_generation = generation;
  };

  const bool has_id = st->job_id != 0;
  set(kSubmitted, has_id, has_id ? "JobIDAssigned" : "AwaitingJobID",
      has_id ? "jobID " + std::to_string(st->job_id) : "");

  if (st->start_time.has_value()) {
    std::string where = "started in partition " + st->partition;
    if (!st->node_list.empty()) where += " on " + api::CompressHostList(SplitComma(st->node_list));
    set(kStarted, true, "Started", where);
  } else if (!ended) {
    set(kStarted, false, st->restarts > 0 ? "Requeued" : "Pending",
        "waiting: " + (st->reason.empty() ? std::string("None") : st->reason));
  } else {
    set(kStarted, false, StateReason(state), "ended " + state_name + " before it started");
  }

  const bool complete = state == core::JobState::kCompleted;
  set(kComplete, complete, StateReason(state),
      !complete               ? "the job is " + state_name
      : st->array.has_value() ? "all " + std::to_string(st->array->task_count) + " tasks completed"
                              : "all pods succeeded");

  const bool failed = ended && !complete;
  std::string end = "ended " + state_name;
  if (st->exit_code.value_or(0) != 0) end += " with exit code " + std::to_string(*st->exit_code);
  if (!st->message.empty()) end += ": " + st->message;
  // FAILED carries Slurm's finer reason (NonZeroExitCode, JobLaunchFailure, InvalidSpec).
  set(kFailed, failed,
      failed && state == core::JobState::kFailed && !st->reason.empty() ? st->reason
                                                                        : StateReason(state),
      failed ? end : "the job is " + state_name);

  const bool held =
      !ended && (st->reason == core::PendingReasonName(core::PendingReason::kJobHeldUser) ||
                 st->reason == core::PendingReasonName(core::PendingReason::kJobHeldAdmin));
  set(kHeld, held, held ? st->reason : "NotHeld",
      held ? "held: the job starts only once it is released" : "");

  api::Condition* preempted = FindCondition(st, kPreempted);
  if (preempted == nullptr) {
    preempted = SetCondition(st, std::string(kPreempted), api::ConditionStatus::kFalse,
                             "NotPreempted", "", now);
  }
  preempted->observed_generation = generation;
}

bool JobConditionsCurrent(const api::JobStatus& st, int64_t generation) {
  for (std::string_view type : kJobConditions) {
    auto it = std::find_if(st.conditions.begin(), st.conditions.end(),
                           [&](const api::Condition& c) { return c.type == type; });
    if (it == st.conditions.end() || it->observed_generation != generation) return false;
  }
  return true;
}

bool ElapsedRefreshDue(const api::JobStatus& st, core::Timestamp now, core::Seconds refresh) {
  if (st.state != core::JobState::kRunning || !st.start_time.has_value()) return false;
  const core::Seconds shown = core::ParseSlurmDuration(st.elapsed).value_or(core::Seconds(0));
  return (now - *st.start_time) - shown >= refresh;
}

StatusTransitions TransitionsBetween(const api::JobStatus& before, const api::JobStatus& after) {
  StatusTransitions t;
  auto waited = [](core::Timestamp start, std::optional<core::Timestamp> queued) {
    return std::max(core::Seconds(0), start - queued.value_or(start));
  };
  if (after.array.has_value()) {
    // Tasks: the counts of each final state only grow (records of COMPLETED tasks are dropped).
    for (const auto& [state, n] : after.array->counts) {
      if (!core::IsTerminal(state)) continue;
      int64_t was = 0;
      if (before.array.has_value()) {
        auto it = before.array->counts.find(state);
        if (it != before.array->counts.end()) was = it->second;
      }
      if (n > was) t.ended[state] += n - was;
    }
    for (const api::ArrayTaskRecord& r : after.array->tasks) {
      if (r.state != core::JobState::kRunning || !r.start_time.has_value()) continue;
      const bool known = before.array.has_value() &&
                         std::any_of(before.array->tasks.begin(), before.array->tasks.end(),
                                     [&](const api::ArrayTaskRecord& b) {
                                       return b.index == r.index && b.start_time == r.start_time;
                                     });
      if (!known) t.started.push_back({after.partition, waited(*r.start_time, after.submit_time)});
    }
    return t;
  }
  const bool was_ended = before.state.has_value() && core::IsTerminal(*before.state);
  if (after.state.has_value() && core::IsTerminal(*after.state) && !was_ended) {
    t.ended[*after.state] += 1;
  }
  if (after.state == core::JobState::kRunning && after.start_time.has_value() &&
      (before.state != core::JobState::kRunning || before.start_time != after.start_time)) {
    const std::optional<core::Timestamp> queued =
        after.restarts > 0 && after.eligible_time.has_value() ? after.eligible_time
                                                              : after.submit_time;
    t.started.push_back({after.partition, waited(*after.start_time, queued)});
  }
  return t;
}

void CancelJob(api::JobStatus* st, const api::ArraySpec* array, core::Timestamp now) {
  const bool was_pending = st->state.value_or(core::JobState::kPending) == core::JobState::kPending;
  if (array != nullptr && st->array.has_value()) {
    std::map<uint32_t, core::JobState> states = ArrayTaskStates(*st->array);
    std::vector<uint32_t> cancelled;
    for (api::ArrayTaskRecord& r : st->array->tasks) {
      if (r.state == core::JobState::kRunning) {
        r.state = core::JobState::kCancelled;
        r.end_time = now;
      }
    }
    array->ForEach([&](uint32_t i) {
      if (states.count(i) == 0) cancelled.push_back(i);
    });
    std::string& idx = st->array->indices[core::JobState::kCancelled];
    std::vector<uint32_t> all = cancelled;
    if (!idx.empty()) {
      auto parsed = api::ParseArraySpec(idx, api::kMaxMaxArraySize);
      if (parsed.ok())
        for (uint32_t i : parsed->Indices()) all.push_back(i);
    }
    std::sort(all.begin(), all.end());
    idx = all.empty() ? "" : SpecOf(all).ToString();
    st->state = core::JobState::kCancelled;
    RecountArray(st, *array);
  }
  st->state = core::JobState::kCancelled;
  if (!was_pending) st->reason = "";
  st->end_time = now;
  st->expected_start_time.reset();
}

void RequeueJob(api::JobStatus* st, core::Timestamp now, const std::string& token,
                core::Seconds requeue_delay) {
  st->state = core::JobState::kPending;
  st->restarts += 1;
  // Slurm resets a requeued job's submit time to the requeue (it queues behind jobs submitted
  // before it at equal priority); a relative spec.begin keeps its base (ToCoreJob).
  st->submit_time = now;
  st->eligible_time = now + requeue_delay;
  st->start_time.reset();
  st->end_time.reset();
  st->node_list.clear();
  st->exit_code.reset();
  st->reason = "None";
  if (!token.empty()) {
    SetCondition(st, "Requeued", api::ConditionStatus::kTrue, "UserRequeue", token, now);
  }
}

bool RequeueTokenSeen(const api::JobStatus& st, const std::string& token) {
  for (const api::Condition& c : st.conditions) {
    if (c.type == "Requeued" && c.message == token) return true;
  }
  return false;
}

TaskActions TaskActionsOf(const api::JobObject& job) {
  TaskActions out;
  auto read = [&](std::string_view name, std::set<uint32_t>* dst, bool* present) {
    auto it = job.meta.annotations.find(std::string(name));
    if (it == job.meta.annotations.end()) return;
    StatusOr<std::set<uint32_t>> v = api::ParseTaskIndexList(it->second);
    if (!v.ok()) {
      out.errors.push_back(std::string(name) + ": " + v.status().message());
      return;
    }
    *dst = std::move(*v);
    if (present != nullptr) *present = true;
  };
  read(kAnnotationCancelTasks, &out.cancel, nullptr);
  read(kAnnotationHoldTasks, &out.hold, nullptr);
  read(kAnnotationReleaseTasks, &out.release, &out.has_release);
  read(kAnnotationRequeueTasks, &out.requeue, &out.has_requeue);
  return out;
}

std::set<uint32_t> HeldTasks(const api::JobObject& job) {
  if (job.spec.array.empty()) return {};
  TaskActions a = TaskActionsOf(job);
  return api::MinusIndices(a.hold, a.release);
}

std::set<uint32_t> PendingTasks(const api::JobStatus& st, const api::ArraySpec& spec) {
  std::map<uint32_t, core::JobState> states;
  if (st.array.has_value()) states = ArrayTaskStates(*st.array);
  std::set<uint32_t> out;
  spec.ForEach([&](uint32_t i) {
    if (states.count(i) == 0) out.insert(i);
  });
  return out;
}

std::vector<uint32_t> CancelTasks(api::JobStatus* st, const api::ArraySpec& spec,
                                  const std::set<uint32_t>& indices, core::Timestamp now) {
  std::vector<uint32_t> running;
  if (!st->array.has_value() || indices.empty()) return running;
  std::map<uint32_t, core::JobState> states = ArrayTaskStates(*st->array);
  std::set<uint32_t> pending;
  for (uint32_t i : indices) {
    if (!spec.Contains(i)) continue;
    auto it = states.find(i);
    if (it == states.end()) pending.insert(i);
  }
  for (api::ArrayTaskRecord& r : st->array->tasks) {
    if (indices.count(r.index) == 0 || r.state != core::JobState::kRunning) continue;
    r.state = core::JobState::kCancelled;
    r.end_time = now;
    running.push_back(r.index);
  }
  if (pending.empty() && running.empty()) return running;
  if (!pending.empty()) {
    std::string& idx = st->array->indices[core::JobState::kCancelled];
    std::set<uint32_t> all = pending;
    if (!idx.empty()) {
      auto parsed = api::ParseTaskIndexList(idx);
      if (parsed.ok()) all.insert(parsed->begin(), parsed->end());
    }
    idx = api::FormatTaskIndexList(all);
  }
  RecountArray(st, spec);
  if (st->state.has_value() && core::IsTerminal(*st->state)) {
    st->end_time = now;
    st->expected_start_time.reset();
  }
  return running;
}

std::vector<uint32_t> RequeueTasks(api::JobStatus* st, const api::ArraySpec& spec,
                                   const std::set<uint32_t>& indices) {
  std::vector<uint32_t> out;
  if (!st->array.has_value()) return out;
  auto& tasks = st->array->tasks;
  for (auto it = tasks.begin(); it != tasks.end();) {
    if (indices.count(it->index) > 0 && it->state == core::JobState::kRunning) {
      out.push_back(it->index);
      it = tasks.erase(it);
    } else {
      ++it;
    }
  }
  if (!out.empty()) RecountArray(st, spec);
  return out;
}

bool SetTaskActionCondition(api::JobStatus* st, const std::vector<std::string>& errors,
                            core::Timestamp now) {
  const std::string type = "InvalidTaskAction";
  if (errors.empty()) {
    st->conditions.erase(std::remove_if(st->conditions.begin(), st->conditions.end(),
                                        [&](const api::Condition& c) { return c.type == type; }),
                         st->conditions.end());
    return false;
  }
  std::string msg;
  for (const std::string& e : errors) msg += (msg.empty() ? "" : "; ") + e;
  for (const api::Condition& c : st->conditions) {
    if (c.type == type && c.message == msg) return false;
  }
  SetCondition(st, type, api::ConditionStatus::kTrue, "InvalidTaskList", msg, now);
  return true;
}

api::AccountStatus AccountStatusFor(const api::AccountObject& account,
                                    const UsageCheckpoint& checkpoint,
                                    const core::UsageLedger& ledger,
                                    const core::AccountContext* context, const Snapshot& snap) {
  api::AccountStatus st = account.status;
  const core::AccountName name(account.meta.name);
  PutCheckpoint(checkpoint, &st);
  st.raw_usage = ledger.Usage({name, core::UserName()});
  if (context != nullptr) {
    st.user_fair_share.clear();
    for (const core::FairShareRow& row : context->fair_share.rows()) {
      if (row.account != name) continue;
      if (row.user.empty()) {
        st.effective_usage = row.effective_usage;
        st.normalized_shares = row.norm_shares;
        st.fair_share_factor = row.fair_share;
      } else {
        st.user_fair_share[row.user.str()] = row.fair_share;
      }
    }
  }
  st.running_jobs = 0;
  st.running_gpus = 0;
  st.pending_jobs = 0;
  for (const core::Job& j : snap.cluster.running) {
    if (j.account != name) continue;
    st.running_jobs++;
    st.running_gpus += j.per_node.gpus * j.node_count;
  }
  for (const core::Job& j : snap.pending) {
    if (j.account == name) st.pending_jobs++;
  }
  st.observed_generation = account.meta.generation;
  return st;
}

namespace {

// GPUs allocated per node: running jobs plus other pods.
std::map<std::string, int64_t> AllocatedGpus(const Snapshot& snap) {
  std::map<std::string, int64_t> used;
  for (const core::Node& n : snap.cluster.nodes) used[n.name.str()] = n.used_by_other_pods.gpus;
  for (const core::Job& j : snap.cluster.running) {
    for (const core::NodeName& n : j.allocated_nodes) used[n.str()] += j.per_node.gpus;
  }
  return used;
}

}  // namespace

api::PartitionStatus PartitionStatusFor(const api::PartitionObject& partition,
                                        const Snapshot& snap) {
  api::PartitionStatus st;
  StatusOr<core::Partition> p = api::ToCorePartition(partition);
  if (!p.ok()) return partition.status;
  std::map<std::string, int64_t> used = AllocatedGpus(snap);
  for (const core::Node& n : snap.cluster.nodes) {
    if (n.provisionable || !core::NodeInPartition(n, *p)) continue;
    st.nodes.total++;
    int64_t u = used[n.name.str()];
    st.total_gpus += n.allocatable.gpus;
    st.allocated_gpus += u;
    if (!n.ready)
      st.nodes.down++;
    else if (n.unschedulable)
      (u > 0 ? st.nodes.drng : st.nodes.drain)++;
    else if (u == 0)
      st.nodes.idle++;
    else if (u >= n.allocatable.gpus)
      st.nodes.alloc++;
    else
      st.nodes.mix++;
  }
  for (const core::Job& j : snap.cluster.running) {
    if (j.running_partition == p->name) st.running_jobs++;
  }
  for (const core::Job& j : snap.pending) {
    bool in = j.partitions.empty() ? p->is_default
                                   : std::find(j.partitions.begin(), j.partitions.end(), p->name) !=
                                         j.partitions.end();
    if (in) st.pending_jobs++;
  }
  return st;
}

std::map<std::pair<std::string, std::string>, GpuCounts> GpuCountsByPartition(
    const Snapshot& snap) {
  std::map<std::pair<std::string, std::string>, GpuCounts> out;
  std::map<std::string, int64_t> used = AllocatedGpus(snap);
  for (const core::Partition& p : snap.cluster.partitions) {
    for (const core::Node& n : snap.cluster.nodes) {
      if (n.provisionable || !core::NodeInPartition(n, p)) continue;
      GpuCounts& c = out[{p.name.str(), n.gpu_type}];
      int64_t u = used[n.name.str()];
      c.total += n.allocatable.gpus;
      c.allocated += u;
      if (n.ready && !n.unschedulable) c.idle += std::max<int64_t>(0, n.allocatable.gpus - u);
    }
  }
  return out;
}

}  // namespace fairway::controllers
