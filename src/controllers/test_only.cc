#include "controllers/test_only.h"

#include <algorithm>
#include <set>

#include "api/account_types.h"
#include "api/partition_types.h"
#include "api/qos_types.h"
#include "api/quantity.h"
#include "common/status_macros.h"
#include "controllers/accounting.h"
#include "controllers/kube_objects.h"
#include "core/account_context.h"
#include "core/cycle.h"
#include "core/job_state.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

// Decodes every listed object `decode` can read (others are skipped, as the operator skips
// them).
template <typename T, typename Decode>
StatusOr<std::vector<T>> ListAs(kube::ApiClient& client, const kube::ResourceRef& ref,
                                Decode decode) {
  FAIRWAY_ASSIGN_OR_RETURN(kube::ObjectList list, client.List(ref, ""));
  std::vector<T> out;
  for (const json& item : list.items) {
    auto v = decode(item);
    if (v.ok()) out.push_back(std::move(*v));
  }
  return out;
}

uint64_t NextJobId(const ClusterObjects& objects) {
  uint64_t max_id = 0;
  for (const api::JobObject& j : objects.jobs) {
    max_id = std::max(max_id, j.status.job_id);
    if (!j.status.array.has_value()) continue;
    for (const api::ArrayTaskRecord& t : j.status.array->tasks) max_id = std::max(max_id, t.job_id);
  }
  return max_id + 1;
}

core::CycleResult Cycle(const Snapshot& snap, const core::SchedulerConfig& config,
                        const ClusterObjects& objects, core::Timestamp now) {
  UsageAccounting accounting;
  for (const api::AccountObject& a : objects.accounts) {
    accounting.Restore(a.meta.name, a.meta.uid, a.status);
  }
  core::UsageLedger own = accounting.OwnUsage();
  std::shared_ptr<const core::AccountTree> tree =
      core::BuildAccountTree(snap.cluster, snap.pending, &own);
  const core::UsageLedger ledger = accounting.Ledger(*tree, now);
  core::CycleInput in;
  in.now = now;
  in.cluster = &snap.cluster;
  in.pending = &snap.pending;
  in.config = &config;
  in.usage = &ledger;
  return core::RunCycle(in);
}

// The snapshot at `later`: running jobs whose limit ends by then are gone, and the jobs the
// first cycle started (at `now`) run.
Snapshot SnapshotAt(const Snapshot& snap, const core::CycleResult& first, core::Timestamp now,
                    core::Timestamp later) {
  Snapshot at = snap;
  std::erase_if(at.cluster.running, [&](const core::Job& j) {
    return j.start_time.has_value() && j.time_limit.has_value() &&
           *j.start_time + *j.time_limit <= later;
  });
  std::set<size_t> started;
  for (const core::StartDecision& d : first.started) {
    if (d.array_task.has_value()) continue;  // a task is split off by the driver: left pending
    core::Job run = snap.pending[d.pending_index];
    run.state = core::JobState::kRunning;
    run.start_time = now;
    run.running_partition = d.partition;
    run.allocated_nodes = d.nodes;
    run.time_limit = d.time_limit;
    at.cluster.running.push_back(std::move(run));
    started.insert(d.pending_index);
  }
  at.pending.clear();
  for (size_t i = 0; i < snap.pending.size(); ++i) {
    if (started.count(i) == 0) at.pending.push_back(snap.pending[i]);
  }
  return at;
}

const core::StartDecision* StartOf(const core::CycleResult& result, const core::JobId& id) {
  for (const core::StartDecision& d : result.started) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

void Place(const core::StartDecision& d, TestOnlyPlan* plan) {
  for (const core::NodeName& n : d.nodes) plan->nodes.push_back(n.str());
  plan->partition = d.partition.str();
}

int64_t CpusOf(const api::JobObject& job) {
  StatusOr<int64_t> millis = api::ParseCpuMillis(job.spec.resources.cpu);
  const int64_t per_node = job.spec.resources.cpu.empty() || !millis.ok()
                               ? 1
                               : std::max<int64_t>(1, (*millis + 999) / 1000);
  return per_node * job.spec.nodes;
}

}  // namespace

StatusOr<ClusterObjects> ListClusterObjects(kube::ApiClient& client) {
  ClusterObjects o;
  FAIRWAY_ASSIGN_OR_RETURN(kube::ObjectList nodes, client.List(kube::ResourceRef::Nodes(), ""));
  for (const json& n : nodes.items) o.nodes.push_back(NodeFromJson(n));
  FAIRWAY_ASSIGN_OR_RETURN(kube::ObjectList pods, client.List(kube::ResourceRef::Pods(), ""));
  for (json& p : pods.items) o.pods.emplace_back(std::move(p));
  FAIRWAY_ASSIGN_OR_RETURN(
      std::vector<api::JobObject> jobs,
      ListAs<api::JobObject>(client, kube::ResourceRef::FairwayJobs(),
                             [](const json& j) { return api::JobFromJson(j); }));
  std::sort(jobs.begin(), jobs.end(),
            [](const auto& a, const auto& b) { return a.meta.Key() < b.meta.Key(); });
  o.jobs.assign(std::make_move_iterator(jobs.begin()), std::make_move_iterator(jobs.end()));
  FAIRWAY_ASSIGN_OR_RETURN(
      o.partitions,
      ListAs<api::PartitionObject>(client, kube::ResourceRef::FairwayPartitions(),
                                   [](const json& j) { return api::PartitionFromJson(j); }));
  FAIRWAY_ASSIGN_OR_RETURN(o.accounts, ListAs<api::AccountObject>(
                                           client, kube::ResourceRef::FairwayAccounts(),
                                           [](const json& j) { return api::AccountFromJson(j); }));
  FAIRWAY_ASSIGN_OR_RETURN(
      o.qos, ListAs<api::QosObject>(client, kube::ResourceRef::FairwayQoses(),
                                    [](const json& j) { return api::QosFromJson(j); }));
  return o;
}

StatusOr<TestOnlyPlan> PlanTestOnly(ClusterObjects objects, api::JobObject candidate,
                                    const core::SchedulerConfig& config, core::Timestamp now) {
  TestOnlyPlan plan;
  plan.job_id = NextJobId(objects);
  plan.cpus = CpusOf(candidate);
  candidate.meta.uid = "test-only";
  candidate.meta.creation_timestamp = now;
  candidate.status = api::JobStatus{};
  candidate.status.job_id = plan.job_id;
  candidate.status.state = core::JobState::kPending;
  candidate.status.submit_time = now;
  objects.jobs.push_back(candidate);
  const size_t index = objects.jobs.size() - 1;
  SnapshotOptions sopts;
  sopts.now = now;
  const Snapshot snap = BuildSnapshot(objects, {}, sopts);
  for (const HeldBack& h : snap.held_back) {
    if (h.job != index) continue;
    return FailedPreconditionError(
        "Job can not start: " +
        (h.message.empty() ? std::string(core::PendingReasonName(h.reason)) : h.message));
  }
  auto mine = std::find_if(snap.pending_refs.begin(), snap.pending_refs.end(),
                           [&](const InstanceRef& r) { return r.job == index; });
  if (mine == snap.pending_refs.end()) {
    return FailedPreconditionError("Job can not start: it is not queued");
  }
  const core::Job& job = snap.pending[static_cast<size_t>(mine - snap.pending_refs.begin())];
  const core::CycleResult first = Cycle(snap, config, objects, now);
  const core::StartDecision* start = StartOf(first, job.id);
  if (start == nullptr) {
    const auto pending =
        std::find_if(first.pending.begin(), first.pending.end(),
                     [&](const core::PendingDecision& d) { return d.id == job.id; });
    if (pending == first.pending.end() || !pending->expected_start.has_value()) {
      return FailedPreconditionError(
          "Job has no planned start now (reason " +
          std::string(core::PendingReasonName(
              pending == first.pending.end() ? core::PendingReason::kNone : pending->reason)) +
          ")");
    }
    plan.start = *pending->expected_start;
    const std::vector<core::PartitionName> queued = first.PartitionsOf(*pending);
    if (!queued.empty()) plan.partition = queued.front().str();
    const core::CycleResult then =
        Cycle(SnapshotAt(snap, first, now, plan.start), config, objects, plan.start);
    start = StartOf(then, job.id);
    if (start != nullptr) Place(*start, &plan);  // else the plan names no nodes yet
    return plan;
  }
  plan.start = now;
  Place(*start, &plan);
  return plan;
}

}  // namespace fairway::controllers
