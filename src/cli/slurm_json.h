// `squeue --json` and `sacct --json` (and -o json|yaml of both) in Slurm's own shapes, so scripts
// written against Slurm read Fairway's output: {"meta": {...}, "errors": [], "jobs": [...]}
// with Slurm 22.05's field names (squeue: openapi v0.0.38; sacct: dbv0.0.38; recorded in
// tests/testdata/slurm/squeue_json.txt and sacct.txt). Only the fields a Fairway job has are
// written; times are Unix seconds, 0 when unknown, time limits in minutes, as Slurm writes them.
// One entry per row squeue/sacct would print (an array's pending remainder, each started task).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/squeue.h"

namespace fairway::cli {

// squeue's document: job_id, name, user_name, account, partition, qos, job_state,
// state_reason, nodes, node_count, priority, nice, submit/start/end_time (a pending job's
// expected start, and start + limit), time_limit, tres_per_node, tres_req_str, tres_alloc_str,
// cpus, exit_code, array_job_id, array_task_id, array_task_string.
nlohmann::json SqueueJson(const std::vector<JobRow>& rows);

// sacct's document: job_id, name, user, account, partition, qos, state {current, reason},
// exit_code {status, return_code}, time {submission, start, end, elapsed, limit}, nodes,
// allocation_nodes, array {job_id, task_id, task}, tres {allocated, requested}.
nlohmann::json SacctJson(const std::vector<JobRow>& rows);

// Whole CPUs of one node of the job (a quantity such as "8" or "500m"; a fraction counts as
// one), 0 when the job asked for none.
int64_t CpusPerNode(const JobRow& row);

// Slurm's TRES string of the whole job: "cpu=2,mem=16000M,node=2,gres/gpu=8" in squeue's order,
// or sorted by name as sacct's AllocTRES/ReqTRES print it (`by_name`).
std::string TresString(const JobRow& row, bool by_name);

}  // namespace fairway::cli
