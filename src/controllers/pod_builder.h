// PodBuilder: the pods (and, for multi-node jobs, the headless Service) of a job instance the
// scheduler started (DESIGN.md "Contracts that matter"; slurm-semantics.md §10).
//
// One pod per allocated node, in rank order (pod i runs on nodes[i]). Each pod:
//   - is Job.spec.template (metadata and spec) with our fields merged over it;
//   - name "<job>[-<arrayIndex>][-r<restarts>]-<rank>", owner reference to the Job (controller);
//   - labels fairway.dev/{job, job-id, array-index, node-index, partition, account, user,
//     restarts}; annotations of the Job's fairway.dev/sim-* keys are copied (the sandbox kubelet);
//   - schedulerName "fairway", no nodeName (the driver binds through pods/binding),
//     restartPolicy Never unless the template sets one;
//   - the first container gets the job's per-node request: nvidia.com/gpu request = limit,
//     cpu/memory requests; a template without containers gets one "main" container;
//   - every container gets the Slurm environment: SLURM_JOB_ID, SLURM_JOB_NAME,
//     SLURM_JOB_NODELIST/SLURM_NODELIST (compressed), SLURM_NNODES/SLURM_JOB_NUM_NODES,
//     SLURM_NODEID, SLURM_PROCID, SLURM_LOCALID, SLURM_JOB_PARTITION, SLURM_JOB_ACCOUNT,
//     SLURM_JOB_QOS, SLURM_JOB_USER, SLURM_RESTART_COUNT, SLURM_GPUS_ON_NODE,
//     CUDA_VISIBLE_DEVICES=0..n-1 (only with GPUs), SLURMD_NODENAME, the array variables
//     SLURM_ARRAY_JOB_ID/TASK_ID/TASK_COUNT/TASK_MIN/TASK_MAX/TASK_STEP, and for multi-node
//     jobs MASTER_ADDR (rank 0's DNS name in the headless Service) and MASTER_PORT. Ours replace
//     template variables of the same name;
//   - interactive jobs (spec.interactive) also get FAIRWAY_IDLE_GRACE, the operator's idle grace;
//   - activeDeadlineSeconds = the time limit (the controller enforces TIMEOUT as well).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/job_types.h"
#include "core/types.h"

namespace fairway::controllers {

struct PodPlan {
  uint64_t job_id = 0;        // the instance's own id (array task: the task's id)
  uint64_t array_job_id = 0;  // arrays: the array's id
  std::optional<uint32_t> array_index;
  std::string partition;
  std::vector<std::string> nodes;  // rank order
  std::optional<core::Seconds> time_limit;
  int32_t restarts = 0;
  // The QoS the scheduler started it under (its own, the account's default, or normal);
  // "" (pods recreated after a restart) falls back to spec.qos, else normal.
  std::string qos;
  // The operator's idle grace for interactive sessions (settings `interactive.idleGrace`),
  // given to an interactive job's containers as FAIRWAY_IDLE_GRACE (cli/session_script.h).
  std::optional<core::Seconds> interactive_idle_grace;
};

struct JobPods {
  std::vector<nlohmann::json> pods;       // rank order
  std::optional<nlohmann::json> service;  // multi-node jobs
};

// REQUIRES: job.meta has name, namespace and uid; plan.nodes is not empty.
JobPods BuildJobPods(const api::JobObject& job, const PodPlan& plan);

// The pods of one run (restarts label) of an instance (array index label, none for a job) among
// the pods of its job.
std::vector<const nlohmann::json*> RunPods(const std::vector<const nlohmann::json*>& job_pods,
                                           std::optional<uint32_t> index, int32_t restarts);

// "<job>[-<arrayIndex>][-r<restarts>]-<rank>".
std::string PodName(const std::string& job_name, std::optional<uint32_t> array_index,
                    int32_t restarts, size_t rank);

}  // namespace fairway::controllers
