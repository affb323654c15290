#include "cli/sacct.h"

#include <cstdio>

#include "api/begin_time.h"
#include "cli/format.h"
#include "cli/slurm_json.h"

namespace fairway::cli {
namespace {

using core::JobState;

// sacct's duration form: "00:05:00", "1-02:00:00".
std::string SacctDuration(int64_t s) {
  char buf[64];
  const long long d = s / 86400, h = (s / 3600) % 24, m = (s / 60) % 60, sec = s % 60;
  if (d > 0) {
    std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:%02lld", d, h, m, sec);
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", h, m, sec);
  }
  return buf;
}

bool Started(const JobRow& r) { return r.start_time.has_value(); }

int64_t AllocGpus(const JobRow& r) { return Started(r) ? r.gpus_per_node * r.nodes : 0; }

std::string FirstPartition(const JobRow& r) {
  std::vector<std::string> parts = SplitList(r.partition);
  return parts.empty() ? "" : parts.front();
}

std::string AllocCpus(const JobRow& r) {
  return std::to_string(Started(r) ? CpusPerNode(r) * r.nodes : 0);
}

std::string Start(const JobRow& r) {
  if (Started(r)) return FormatTimestamp(r.start_time);
  return core::IsTerminal(r.state) ? "None" : "Unknown";  // ended without running: None
}

struct FieldDef {
  std::string_view name;
  int width;  // negative: left-aligned (Slurm's convention)
  bool date;
  std::string (*value)(const JobRow&);
};

const std::vector<FieldDef>& Fields() {
  static const std::vector<FieldDef> fields = {
      {"JobID", -12, false, [](const JobRow& r) { return r.id; }},
      {"JobIDRaw", -12, false, [](const JobRow& r) { return std::to_string(r.job_id); }},
      {"JobName", 10, false, [](const JobRow& r) { return r.name; }},
      {"Partition", 10, false, FirstPartition},
      {"Account", 10, false, [](const JobRow& r) { return r.account; }},
      {"User", 9, false, [](const JobRow& r) { return r.user; }},
      {"QOS", 10, false, [](const JobRow& r) { return r.qos; }},
      {"AllocCPUS", 10, false, AllocCpus},
      {"AllocNodes", 10, false,
       [](const JobRow& r) { return std::to_string(Started(r) ? r.nodes : 0); }},
      {"NNodes", 8, false, [](const JobRow& r) { return std::to_string(r.nodes); }},
      {"NodeList", 15, false,
       [](const JobRow& r) { return Started(r) ? r.node_list : std::string("None assigned"); }},
      {"State", 10, false,
       [](const JobRow& r) { return std::string(core::JobStateName(r.state)); }},
      {"ExitCode", 8, false,
       [](const JobRow& r) { return std::to_string(r.exit_code.value_or(0)) + ":0"; }},
      {"Submit", 19, true, [](const JobRow& r) { return FormatTimestamp(r.submit_time); }},
      {"Start", 19, true, Start},
      {"End", 19, true,
       [](const JobRow& r) {
         return r.end_time ? FormatTimestamp(r.end_time) : std::string("Unknown");
       }},
      {"Elapsed", 10, false, [](const JobRow& r) { return SacctDuration(r.elapsed_s); }},
      {"ElapsedRaw", 10, false, [](const JobRow& r) { return std::to_string(r.elapsed_s); }},
      {"Timelimit", 10, false,
       [](const JobRow& r) {
         return r.time_limit ? SacctDuration(r.time_limit->count()) : std::string("UNLIMITED");
       }},
      {"Reason", 22, false, [](const JobRow& r) { return r.reason; }},
      {"Priority", 10, false, [](const JobRow& r) { return std::to_string(r.priority); }},
      {"AllocTRES", 10, false,
       [](const JobRow& r) { return Started(r) ? TresString(r, true) : std::string(); }},
      {"ReqTRES", 10, false, [](const JobRow& r) { return TresString(r, true); }},
      // Fairway's own.
      {"AllocGPUS", 10, false, [](const JobRow& r) { return std::to_string(AllocGpus(r)); }},
      {"GPUSeconds", 10, false,
       [](const JobRow& r) { return std::to_string(AllocGpus(r) * r.elapsed_s); }},
      {"Namespace", -15, false, [](const JobRow& r) { return r.namespace_name; }},
  };
  return fields;
}

// A time of day or a date without a year is the latest such moment not after now; Slurm's
// parser (sacct passes past=true) reads "08:00" as this morning, --begin as the next 08:00.
StatusOr<core::Timestamp> ParsePastTime(const std::string& text, core::Timestamp now, int off) {
  StatusOr<core::Timestamp> t = api::ParseBeginTime(text, now, off);
  if (!t.ok()) return InvalidArgumentError("Invalid time specification (pos=0): " + text);
  for (core::Seconds back : {core::Seconds(86400), core::Seconds(366 * 86400)}) {
    if (*t <= now) break;
    StatusOr<core::Timestamp> earlier = api::ParseBeginTime(text, now - back, off);
    if (earlier.ok() && *earlier <= now) t = earlier;
  }
  return t;
}

// Was the row in `state` at some moment of [s, e]?
bool InStateDuring(const JobRow& r, JobState state, core::Timestamp s, core::Timestamp e) {
  const core::Timestamp submit = r.submit_time.value_or(core::Timestamp{});
  switch (state) {
    case JobState::kRunning:
      return Started(r) && *r.start_time <= e && (!r.end_time || *r.end_time >= s);
    case JobState::kPending:
      return submit <= e && (!Started(r) || *r.start_time >= s);
    default:
      if (r.state != state) return false;
      if (!core::IsTerminal(state)) return true;
      return r.end_time && *r.end_time >= s && *r.end_time <= e;
  }
}

}  // namespace

StatusOr<SacctWindow> MakeSacctWindow(const SacctWindowInput& in) {
  SacctWindow w;
  w.states = in.states;
  const bool by_state = !in.states.empty();
  if (in.start_text.has_value()) {
    StatusOr<core::Timestamp> s = ParsePastTime(*in.start_text, in.now, in.utc_offset_s);
    if (!s.ok()) return s.status();
    w.start = *s;
  } else if (by_state) {
    w.start = in.now;
  } else if (!in.job_ids) {
    StatusOr<core::Timestamp> midnight = api::ParseBeginTime("today", in.now, in.utc_offset_s);
    if (!midnight.ok()) return midnight.status();
    w.start = *midnight;
  }
  if (in.end_text.has_value()) {
    StatusOr<core::Timestamp> e = ParsePastTime(*in.end_text, in.now, in.utc_offset_s);
    if (!e.ok()) return e.status();
    w.end = *e;
  } else {
    w.end = by_state ? w.start : in.now;
  }
  return w;
}

bool SacctSelects(const JobRow& r, const SacctWindow& w) {
  if (w.states.empty()) {
    const core::Timestamp submit = r.submit_time.value_or(core::Timestamp{});
    return submit <= w.end && (!r.end_time || *r.end_time >= w.start);
  }
  for (JobState st : w.states) {
    if (InStateDuring(r, st, w.start, w.end)) return true;
  }
  return false;
}

StatusOr<std::vector<SacctColumn>> ParseSacctFormat(std::string_view text) {
  std::vector<SacctColumn> out;
  for (const std::string& item : SplitList(text)) {
    const size_t pct = item.find('%');
    const std::string name = item.substr(0, pct);
    const FieldDef* def = nullptr;
    for (const FieldDef& f : Fields()) {
      if (Lower(f.name) == Lower(name)) def = &f;
    }
    if (def == nullptr) return InvalidArgumentError("Invalid field requested: \"" + name + "\"");
    SacctColumn c;
    c.field = {std::string(def->name), def->width < 0 ? -def->width : def->width, def->width < 0,
               def->date};
    c.value = def->value;
    if (pct != std::string::npos) {
      // A width the user gives is right-aligned, as in Slurm ("JobID%5" -> "   11").
      const int w = std::atoi(item.c_str() + pct + 1);
      if (w <= 0) return InvalidArgumentError("Invalid field requested: \"" + item + "\"");
      c.field.width = w;
      c.field.left = false;
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) return InvalidArgumentError("Invalid field requested: \"\"");
  return out;
}

std::string RenderSacct(const std::vector<JobRow>& rows, const std::vector<SacctColumn>& columns,
                        const PrintOptions& options) {
  std::vector<PrintField> fields;
  for (const SacctColumn& c : columns) fields.push_back(c.field);
  std::vector<std::vector<std::string>> table;
  for (const JobRow& r : rows) {
    std::vector<std::string> cells;
    for (const SacctColumn& c : columns) cells.push_back(c.value(r));
    table.push_back(std::move(cells));
  }
  return PrintFields(fields, table, options);
}

}  // namespace fairway::cli
