#include "cli/slurm_json.h"

#include <algorithm>
#include <string>
#include <utility>

#include "api/quantity.h"
#include "core/job_state.h"

namespace fairway::cli {
namespace {

using nlohmann::json;

int64_t Epoch(const std::optional<core::Timestamp>& t) {
  return t.has_value() ? t->time_since_epoch().count() : 0;
}

// Slurm writes limits in minutes; "UNLIMITED" is null here (no limit known).
json LimitMinutes(const JobRow& r) {
  if (!r.time_limit.has_value()) return nullptr;
  return r.time_limit->count() / 60;
}

// Memory of one node in MiB (Slurm's unit for mem), 0 when the job asked for none.
int64_t MemMiBPerNode(const JobRow& r) {
  if (r.memory.empty()) return 0;
  StatusOr<int64_t> b = api::ParseMemoryBytes(r.memory);
  return b.ok() ? *b / (1024 * 1024) : 0;
}

// squeue's tres_per_node ("gres:gpu:a100:2"): 22.05 writes "gres:", the text columns "gres/".
std::string SqueueTresPerNode(const JobRow& r) {
  if (r.gpus_per_node <= 0) return "";
  std::string t = r.tres_per_node;
  if (t.rfind("gres/", 0) == 0) t[4] = ':';
  return t;
}

// sacct's TRES list: [{"type": "cpu", "name": null, "count": 2}, ...].
json TresList(const JobRow& r) {
  json out = json::array();
  auto add = [&out](const char* type, json name, int64_t count) {
    out.push_back({{"type", type}, {"name", std::move(name)}, {"count", count}});
  };
  if (int64_t c = CpusPerNode(r); c > 0) add("cpu", nullptr, c * r.nodes);
  if (int64_t m = MemMiBPerNode(r); m > 0) add("mem", nullptr, m * r.nodes);
  add("node", nullptr, r.nodes);
  if (r.gpus_per_node > 0) add("gres", "gpu", r.gpus_per_node * r.nodes);
  return out;
}

bool Pending(const JobRow& r) { return r.state == core::JobState::kPending; }

json SqueueJob(const JobRow& r) {
  const bool pending = Pending(r);
  // Slurm shows a pending job's expected start and end (start + limit) in start/end_time.
  const std::optional<core::Timestamp> start = pending ? r.expected_start : r.start_time;
  std::optional<core::Timestamp> end = r.end_time;
  if (!end.has_value() && start.has_value() && r.time_limit.has_value()) {
    end = *start + *r.time_limit;
  }
  return {{"account", r.account},
          {"array_job_id", r.array_id},
          {"array_task_id", r.task_index.has_value() ? json(*r.task_index) : json(nullptr)},
          {"array_task_string", r.array_pending},
          {"exit_code", r.exit_code.value_or(0)},
          {"job_id", r.job_id},
          {"job_state", std::string(core::JobStateName(r.state))},
          {"name", r.name},
          {"nice", r.nice},
          {"node_count", r.nodes},
          {"nodes", r.node_list},
          {"partition", r.partition},
          {"priority", r.priority},
          {"qos", r.qos},
          {"start_time", Epoch(start)},
          {"end_time", Epoch(end)},
          {"state_reason", pending ? r.reason : std::string("None")},
          {"submit_time", Epoch(r.submit_time)},
          {"time_limit", LimitMinutes(r)},
          {"tres_per_node", SqueueTresPerNode(r)},
          {"tres_req_str", TresString(r, false)},
          {"tres_alloc_str", r.start_time.has_value() ? TresString(r, false) : std::string()},
          {"cpus", CpusPerNode(r) * r.nodes},
          {"user_name", r.user}};
}

json SacctJob(const JobRow& r) {
  const bool started = r.start_time.has_value();
  const int32_t code = r.exit_code.value_or(0);
  json array = {{"job_id", r.array_id},
                {"task_id", r.task_index.has_value() ? json(*r.task_index) : json(nullptr)},
                {"task", r.array_pending.empty() ? json(nullptr) : json(r.array_pending)}};
  return {
      {"account", r.account},
      {"allocation_nodes", started ? r.nodes : 0},
      {"array", array},
      {"exit_code", {{"status", code == 0 ? "SUCCESS" : "FAILED"}, {"return_code", code}}},
      {"job_id", r.job_id},
      {"name", r.name},
      {"nodes", started ? r.node_list : std::string("None assigned")},
      {"partition", r.partition},
      {"priority", r.priority},
      {"qos", r.qos},
      {"state", {{"current", std::string(core::JobStateName(r.state))}, {"reason", r.reason}}},
      {"time",
       {{"elapsed", r.elapsed_s},
        {"end", Epoch(r.end_time)},
        {"limit", LimitMinutes(r)},
        {"start", Epoch(r.start_time)},
        {"submission", Epoch(r.submit_time)}}},
      {"tres", {{"allocated", started ? TresList(r) : json::array()}, {"requested", TresList(r)}}},
      {"user", r.user}};
}

json Document(json jobs) { return {{"errors", json::array()}, {"jobs", std::move(jobs)}}; }

}  // namespace

int64_t CpusPerNode(const JobRow& r) {
  if (r.cpu.empty()) return 0;
  StatusOr<int64_t> m = api::ParseCpuMillis(r.cpu);
  return m.ok() ? (*m + 999) / 1000 : 0;
}

std::string TresString(const JobRow& r, bool by_name) {
  std::vector<std::pair<std::string, std::string>> items;
  if (int64_t c = CpusPerNode(r); c > 0) items.emplace_back("cpu", std::to_string(c * r.nodes));
  if (int64_t m = MemMiBPerNode(r); m > 0) {
    items.emplace_back("mem", std::to_string(m * r.nodes) + "M");
  }
  items.emplace_back("node", std::to_string(r.nodes));
  if (r.gpus_per_node > 0)
    items.emplace_back("gres/gpu", std::to_string(r.gpus_per_node * r.nodes));
  if (by_name) std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& [type, count] : items) out += (out.empty() ? "" : ",") + type + "=" + count;
  return out;
}

json SqueueJson(const std::vector<JobRow>& rows) {
  json jobs = json::array();
  for (const JobRow& r : rows) jobs.push_back(SqueueJob(r));
  return Document(std::move(jobs));
}

json SacctJson(const std::vector<JobRow>& rows) {
  json jobs = json::array();
  for (const JobRow& r : rows) jobs.push_back(SacctJob(r));
  return Document(std::move(jobs));
}

}  // namespace fairway::cli
