#include "cli/squeue.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "api/array_spec.h"
#include "api/array_task_list.h"
#include "api/gres.h"
#include "api/time_limit.h"
#include "cli/format.h"

namespace fairway::cli {
namespace {

bool DefaultVisible(core::JobState s) {
  return s == core::JobState::kPending || s == core::JobState::kRunning ||
         s == core::JobState::kRequeued;
}

int64_t Elapsed(std::optional<core::Timestamp> start, std::optional<core::Timestamp> end,
                core::Timestamp now) {
  if (!start.has_value()) return 0;
  core::Timestamp stop = end.value_or(now);
  return std::max<int64_t>(0, (stop - *start).count());
}

std::string TresPerNode(const api::JobSpec& spec) {
  int64_t gpus = spec.resources.gpus;
  std::string type = spec.resources.gpu_type;
  if (!spec.resources.gres.empty()) {
    auto g = api::ParseGres(spec.resources.gres);
    if (g.ok()) {
      gpus = g->count;
      type = g->type;
    }
  }
  if (gpus <= 0) return "N/A";
  return "gres/gpu:" + (type.empty() ? "" : type + ":") + std::to_string(gpus);
}

int64_t GpusPerNode(const api::JobSpec& spec) {
  if (!spec.resources.gres.empty()) {
    auto g = api::ParseGres(spec.resources.gres);
    if (g.ok()) return g->count;
  }
  return spec.resources.gpus;
}

std::vector<uint32_t> IndicesOf(const std::string& text) {
  auto spec = api::ParseArraySpec(text, api::kMaxMaxArraySize);
  if (!spec.ok()) return {};
  return spec->Indices();
}

}  // namespace

std::vector<JobRow> BuildJobRows(const std::vector<api::JobObject>& jobs, core::Timestamp now,
                                 bool all_states) {
  std::vector<JobRow> rows;
  for (const api::JobObject& j : jobs) {
    const api::JobStatus& st = j.status;
    JobRow base;
    base.job_id = st.job_id;
    base.name = api::JobName(j);
    base.namespace_name = j.meta.namespace_name;
    base.partition = st.partition.empty() ? j.spec.partition : st.partition;
    base.user = j.spec.user;
    base.account = j.spec.account;
    base.qos = j.spec.qos;
    base.state = st.state.value_or(core::JobState::kPending);
    base.reason = st.reason.empty() ? "None" : st.reason;
    if (!j.spec.time_limit.empty()) {
      auto tl = api::ParseTimeLimit(j.spec.time_limit);
      if (tl.ok()) base.time_limit = tl->limit;
    }
    base.nodes = j.spec.nodes;
    base.priority = st.priority.value_or(0);
    base.nice = j.spec.nice;
    base.submit_time = st.submit_time.has_value() ? st.submit_time : j.meta.creation_timestamp;
    base.expected_start = st.expected_start_time;
    base.tres_per_node = TresPerNode(j.spec);
    base.gpus_per_node = GpusPerNode(j.spec);
    base.cpu = j.spec.resources.cpu;
    base.memory = j.spec.resources.memory;

    if (j.spec.array.empty()) {
      JobRow r = base;
      r.id = st.job_id == 0 ? "N/A" : std::to_string(st.job_id);
      r.start_time = st.start_time;
      r.end_time = st.end_time;
      r.exit_code = st.exit_code;
      r.elapsed_s = Elapsed(st.start_time, st.end_time, now);
      r.node_list = CompressHostList(SplitList(st.node_list));
      if (all_states || DefaultVisible(r.state)) rows.push_back(std::move(r));
      continue;
    }

    // An array: the meta record (pending indices) and one row per started/ended task.
    auto spec = api::ParseArraySpec(j.spec.array, api::kMaxMaxArraySize);
    const int64_t throttle = spec.ok() && spec->max_running ? int64_t{*spec->max_running} : -1;
    std::string aid = st.job_id == 0 ? "N/A" : std::to_string(st.job_id);
    base.array_id = st.job_id;
    std::vector<uint32_t> pending;
    if (st.array.has_value()) {
      auto it = st.array->indices.find(core::JobState::kPending);
      if (it != st.array->indices.end()) pending = IndicesOf(it->second);
    } else if (spec.ok() && base.state == core::JobState::kPending) {
      pending = spec->Indices();
    }
    std::set<uint32_t> with_record;
    if (st.array.has_value()) {
      for (const api::ArrayTaskRecord& t : st.array->tasks) {
        with_record.insert(t.index);
        JobRow r = base;
        r.id = aid + "_" + std::to_string(t.index);
        r.job_id = t.job_id == 0 ? st.job_id : t.job_id;
        r.task_index = t.index;
        r.state = t.state;
        r.reason = t.state == core::JobState::kPending ? base.reason : "None";
        r.start_time = t.start_time;
        r.end_time = t.end_time;
        r.exit_code = t.exit_code;
        r.elapsed_s = Elapsed(t.start_time, t.end_time, now);
        r.node_list = CompressHostList(SplitList(t.node_list));
        if (all_states || DefaultVisible(r.state)) rows.push_back(std::move(r));
      }
      if (all_states) {
        // Ended tasks kept only as index lists (COMPLETED ones have no record).
        for (const auto& [state, text] : st.array->indices) {
          if (state == core::JobState::kPending) continue;
          for (uint32_t idx : IndicesOf(text)) {
            if (with_record.count(idx) > 0) continue;
            JobRow r = base;
            r.id = aid + "_" + std::to_string(idx);
            r.task_index = idx;
            r.state = state;
            r.reason = "None";
            r.exit_code =
                state == core::JobState::kCompleted ? std::optional<int32_t>(0) : std::nullopt;
            rows.push_back(std::move(r));
          }
        }
      }
    }
    // Tasks held one by one (fairway.dev/hold-tasks minus release-tasks): their own row,
    // reason JobHeldUser, out of the pending compact string.
    std::set<uint32_t> held;
    {
      auto list = [&](const char* name) -> std::set<uint32_t> {
        auto it = j.meta.annotations.find(name);
        if (it == j.meta.annotations.end()) return {};
        auto v = api::ParseTaskIndexList(it->second);
        return v.ok() ? *v : std::set<uint32_t>{};
      };
      std::set<uint32_t> marked =
          api::MinusIndices(list("fairway.dev/hold-tasks"), list("fairway.dev/release-tasks"));
      std::vector<uint32_t> rest;
      for (uint32_t i : pending) {
        if (marked.count(i) > 0)
          held.insert(i);
        else
          rest.push_back(i);
      }
      pending = std::move(rest);
    }
    if (!held.empty()) {
      JobRow r = base;
      std::vector<uint32_t> list(held.begin(), held.end());
      r.array_pending = FormatArrayIndices(list);
      r.id = aid + "_[" + r.array_pending + "]";
      if (list.size() == 1) {
        r.id = aid + "_" + std::to_string(list.front());
        r.task_index = list.front();
      }
      r.state = core::JobState::kPending;
      r.reason = std::string(core::PendingReasonName(core::PendingReason::kJobHeldUser));
      r.priority = 0;
      r.expected_start.reset();
      rows.push_back(std::move(r));
    }
    if (!pending.empty()) {
      JobRow r = base;
      r.array_pending = FormatArrayIndices(pending);
      if (throttle >= 0) r.array_pending += "%" + std::to_string(throttle);
      r.id = aid + "_[" + r.array_pending + "]";
      if (pending.size() == 1 && throttle < 0) {
        r.id = aid + "_" + std::to_string(pending.front());
        r.task_index = pending.front();
      }
      r.state = core::JobState::kPending;
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

bool MatchesFilter(const JobRow& row, const JobFilter& f) {
  if (!f.users.empty() && f.users.count(row.user) == 0) return false;
  if (!f.accounts.empty() && f.accounts.count(row.account) == 0) return false;
  if (!f.qos.empty() && f.qos.count(row.qos) == 0) return false;
  if (!f.names.empty() && f.names.count(row.name) == 0) return false;
  if (!f.states.empty() && f.states.count(row.state) == 0) return false;
  if (!f.partitions.empty()) {
    bool any = false;
    for (const std::string& p : SplitList(row.partition)) any = any || f.partitions.count(p) > 0;
    if (!any) return false;
  }
  if (!f.job_ids.empty()) {
    bool any = f.job_ids.count(std::to_string(row.job_id)) > 0;
    if (row.array_id != 0) {
      any = any || f.job_ids.count(std::to_string(row.array_id)) > 0;
      if (row.task_index.has_value()) {
        any = any || f.job_ids.count(std::to_string(row.array_id) + "_" +
                                     std::to_string(*row.task_index)) > 0;
      }
    }
    if (!any) return false;
  }
  return true;
}

StatusOr<std::set<core::JobState>> ParseStateList(const std::string& text) {
  static const core::JobState kAll[] = {core::JobState::kPending,     core::JobState::kRunning,
                                        core::JobState::kCompleted,   core::JobState::kCancelled,
                                        core::JobState::kFailed,      core::JobState::kTimeout,
                                        core::JobState::kNodeFail,    core::JobState::kPreempted,
                                        core::JobState::kOutOfMemory, core::JobState::kRequeued};
  std::set<core::JobState> out;
  for (const std::string& item : SplitList(text)) {
    std::string u = Upper(item);
    if (u == "ALL") {
      out.insert(std::begin(kAll), std::end(kAll));
      continue;
    }
    bool found = false;
    for (core::JobState s : kAll) {
      if (u == core::JobStateName(s) || u == core::JobStateCode(s)) {
        out.insert(s);
        found = true;
      }
    }
    if (!found) return InvalidArgumentError("Invalid job state specified: " + item);
  }
  return out;
}

void SortSqueue(std::vector<JobRow>* rows) {
  std::stable_sort(rows->begin(), rows->end(), [](const JobRow& a, const JobRow& b) {
    return std::make_tuple(a.partition, static_cast<int>(a.state), -a.priority, a.job_id,
                           a.task_index.value_or(0)) <
           std::make_tuple(b.partition, static_cast<int>(b.state), -b.priority, b.job_id,
                           b.task_index.value_or(0));
  });
}

void SortByStart(std::vector<JobRow>* rows) {
  std::stable_sort(rows->begin(), rows->end(), [](const JobRow& a, const JobRow& b) {
    auto key = [](const JobRow& r) {
      return std::make_tuple(!r.expected_start.has_value(),
                             r.expected_start.value_or(core::Timestamp{}), -r.priority, r.job_id);
    };
    return key(a) < key(b);
  });
}

std::string JobField(const JobRow& r, char code, core::Timestamp now, bool* known) {
  *known = true;
  bool pending = r.state == core::JobState::kPending;
  switch (code) {
    case 'i':
      return r.id;
    case 'A':
      return std::to_string(r.job_id);
    case 'F':
      return std::to_string(r.array_id != 0 ? r.array_id : r.job_id);
    case 'K':
      if (!r.array_pending.empty()) return r.array_pending;
      return r.task_index.has_value() ? std::to_string(*r.task_index) : "N/A";
    case 'P':
      return r.partition;
    case 'j':
      return r.name;
    case 'k':
      return r.namespace_name;
    case 'u':
      return r.user.empty() ? "N/A" : r.user;
    case 'a':
      return r.account.empty() ? "N/A" : r.account;
    case 'q':
      return r.qos.empty() ? "N/A" : r.qos;
    case 't':
      return std::string(core::JobStateCode(r.state));
    case 'T':
      return std::string(core::JobStateName(r.state));
    case 'M':
      return FormatDuration(r.elapsed_s);
    case 'l':
      return FormatLimit(r.time_limit, "UNLIMITED");
    case 'L': {
      if (!r.time_limit.has_value()) return "UNLIMITED";
      if (pending) return FormatDuration(r.time_limit->count());
      return FormatDuration(std::max<int64_t>(0, r.time_limit->count() - r.elapsed_s));
    }
    case 'D':
      return std::to_string(r.nodes);
    case 'C':
      return r.cpu.empty() ? "N/A" : r.cpu;
    case 'm':
      return r.memory.empty() ? "0" : r.memory;
    case 'N':
      return r.node_list;
    case 'r':
      return pending ? r.reason : "None";
    case 'R':
      if (pending) return "(" + r.reason + ")";
      return r.node_list;
    case 'Q':
      return std::to_string(r.priority);
    case 'y':
      return std::to_string(r.nice);
    case 'S':
      if (pending) return FormatTimestamp(r.expected_start);
      return FormatTimestamp(r.start_time);
    case 'e': {
      if (r.end_time.has_value()) return FormatTimestamp(r.end_time);
      if (!pending && r.start_time.has_value() && r.time_limit.has_value()) {
        return FormatTimestamp(*r.start_time + *r.time_limit);
      }
      return "N/A";
    }
    case 'V':
      return FormatTimestamp(r.submit_time);
    case 'b':
      return r.tres_per_node;
    case 'Y':
      return "(null)";
    default:
      *known = false;
      return "";
  }
  (void)now;
}

namespace {
std::string HeaderOf(char code) {
  static const std::map<char, std::string> kHeaders = {
      {'i', "JOBID"},         {'A', "JOBID"},       {'F', "ARRAY_JOB_ID"},
      {'K', "ARRAY_TASK_ID"}, {'P', "PARTITION"},   {'j', "NAME"},
      {'k', "NAMESPACE"},     {'u', "USER"},        {'a', "ACCOUNT"},
      {'q', "QOS"},           {'t', "ST"},          {'T', "STATE"},
      {'M', "TIME"},          {'l', "TIME_LIMIT"},  {'L', "TIME_LEFT"},
      {'D', "NODES"},         {'C', "CPUS"},        {'m', "MIN_MEMORY"},
      {'N', "NODELIST"},      {'r', "REASON"},      {'R', "NODELIST(REASON)"},
      {'Q', "PRIORITY"},      {'y', "NICE"},        {'S', "START_TIME"},
      {'e', "END_TIME"},      {'V', "SUBMIT_TIME"}, {'b', "TRES_PER_NODE"},
      {'Y', "SCHEDNODES"}};
  auto it = kHeaders.find(code);
  return it == kHeaders.end() ? "" : it->second;
}
}  // namespace

StatusOr<std::string> RenderSqueue(const std::vector<JobRow>& rows, std::string_view format,
                                   bool header, core::Timestamp now) {
  auto items = ParseFormat(format);
  if (!items.ok()) return items.status();
  std::vector<std::string> head;
  for (const FormatItem& it : *items) {
    if (it.code == 0) continue;
    std::string h = HeaderOf(it.code);
    if (h.empty()) {
      return InvalidArgumentError(std::string("Invalid job format specification: ") + it.code);
    }
    head.push_back(h);
  }
  std::vector<std::vector<std::string>> table;
  for (const JobRow& r : rows) {
    std::vector<std::string> vals;
    for (const FormatItem& it : *items) {
      if (it.code == 0) continue;
      bool known = false;
      vals.push_back(JobField(r, it.code, now, &known));
    }
    table.push_back(std::move(vals));
  }
  return RenderTable(*items, head, table, header);
}

}  // namespace fairway::cli
