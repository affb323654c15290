// sbatch --test-only (Slurm's will-run): when and where a job would start if it were submitted
// now, from the plan the operator's own code would make. The caller lists the cluster as it can
// read it (ListClusterObjects); the candidate joins the pending Jobs, the snapshot is built as
// the operator builds it (BuildSnapshot) and core::RunCycle runs. Nothing is written.
//
//   the cycle starts it          -> now, on the start decision's nodes and partition;
//   the backfill plan reserves it -> the expected start; a second cycle at that time, in which
//                                   the running jobs whose limit ends by then are gone and this
//                                   cycle's starts run, gives the nodes when it starts there;
//   neither                      -> kFailedPrecondition naming the pending reason.
//
// It is the plan of this moment, as Slurm's is: later submissions, early ends and changed
// priorities move it. It differs from the operator's own in what the caller cannot see: starts
// the operator assumed but has not yet written, and the scheduler settings, which are the
// caller's (defaults unless given). Fair-share usage is what the Accounts' status holds, as a
// newly elected operator restores it.
//
// Thread-safety: pure functions, except ListClusterObjects (one ApiClient call at a time).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/job_types.h"
#include "common/status.h"
#include "controllers/snapshot.h"
#include "core/config.h"
#include "core/types.h"
#include "kube/api_client.h"

namespace fairway::controllers {

struct TestOnlyPlan {
  uint64_t job_id = 0;  // the next jobID after the largest the cluster shows
  core::Timestamp start{};
  std::vector<std::string> nodes;  // empty when the plan does not say yet
  std::string partition;
  int64_t cpus = 0;  // all nodes together
};

// Nodes, pods, Jobs (all namespaces), Partitions, Accounts and QoS, as the operator's caches
// hold them. kPermissionDenied and the like from the API server are returned as they are.
[[nodiscard]] StatusOr<ClusterObjects> ListClusterObjects(kube::ApiClient& client);

// The plan for `candidate` (a Job as it would be stored: spec.user set, no status).
[[nodiscard]] StatusOr<TestOnlyPlan> PlanTestOnly(ClusterObjects objects, api::JobObject candidate,
                                                  const core::SchedulerConfig& config,
                                                  core::Timestamp now);

}  // namespace fairway::controllers
