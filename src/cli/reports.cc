#include "cli/reports.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

#include "cli/format.h"

namespace fairway::cli {
namespace {

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Round(double v) { return std::to_string(static_cast<int64_t>(std::llround(v))); }

std::vector<FormatItem> MustFormat(std::string_view f) {
  auto items = ParseFormat(f);
  return items.ok() ? *items : std::vector<FormatItem>{};
}

// sacct's elapsed form: "00:05:00", "1-02:00:00".
std::string SacctDuration(int64_t s) {
  char buf[64];
  int64_t d = s / 86400;
  if (d > 0) {
    std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:%02lld", static_cast<long long>(d),
                  static_cast<long long>((s / 3600) % 24), static_cast<long long>((s / 60) % 60),
                  static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>((s / 60) % 60), static_cast<long long>(s % 60));
  }
  return buf;
}

}  // namespace

std::string RenderSprio(const std::vector<api::JobObject>& jobs, const JobFilter& filter,
                        bool header) {
  auto fmt = MustFormat("%.15i %9r %.8u %.10Y %.10S %.10a %.10A %.10F %.10J %.10P %.10Q %.6N %.20T");
  std::vector<std::string> head = {"JOBID", "PARTITION", "USER", "PRIORITY", "SITE",
                                   "AGE", "ASSOC", "FAIRSHARE", "JOBSIZE", "PARTITION",
                                   "QOS", "NICE", "TRES"};
  struct Entry {
    const api::JobObject* job;
    JobRow row;
  };
  std::vector<Entry> entries;
  std::vector<JobRow> rows = BuildJobRows(jobs, core::Timestamp{}, false);
  for (const JobRow& r : rows) {
    if (r.state != core::JobState::kPending || !MatchesFilter(r, filter)) continue;
    for (const api::JobObject& j : jobs) {
      if (j.meta.name == r.name && j.meta.namespace_name == r.namespace_name) {
        entries.push_back({&j, r});
        break;
      }
    }
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::make_pair(-a.row.priority, a.row.job_id) < std::make_pair(-b.row.priority, b.row.job_id);
  });
  std::vector<std::vector<std::string>> table;
  for (const Entry& e : entries) {
    api::PriorityFactors f = e.job->status.priority_factors.value_or(api::PriorityFactors{});
    std::string part = SplitList(e.row.partition).empty() ? "" : SplitList(e.row.partition).front();
    table.push_back({e.row.id, part, e.row.user, std::to_string(e.row.priority), Round(f.site),
                     Round(f.age), Round(f.assoc), Round(f.fair_share), Round(f.job_size),
                     Round(f.partition), Round(f.qos), std::to_string(f.nice),
                     f.tres != 0 ? Round(f.tres) : ""});
  }
  return RenderTable(fmt, head, table, header);
}

std::string RenderSshare(const std::vector<api::AccountObject>& accounts,
                         const std::set<std::string>& users, bool header) {
  auto fmt = MustFormat("%-20s %10s %10s %11s %11s %13s %10s");
  std::vector<std::string> head = {"Account", "User", "RawShares", "NormShares",
                                   "RawUsage", "EffectvUsage", "FairShare"};
  std::map<std::string, std::vector<const api::AccountObject*>> children;
  double total_usage = 0;
  for (const auto& a : accounts) {
    children[a.spec.parent].push_back(&a);
    if (a.spec.parent.empty() || a.spec.parent == "root") total_usage += a.status.raw_usage;
  }
  for (auto& [p, list] : children) {
    std::sort(list.begin(), list.end(),
              [](const auto* x, const auto* y) { return x->meta.name < y->meta.name; });
  }
  std::vector<std::vector<std::string>> table;
  table.push_back({"root", "", "", "0.000000", Round(total_usage), "1.000000", ""});
  std::function<void(const std::string&, int)> walk = [&](const std::string& parent, int depth) {
    auto it = children.find(parent);
    if (it == children.end()) return;
    for (const api::AccountObject* a : it->second) {
      if (a->meta.name == "root") continue;
      const api::AccountStatus& s = a->status;
      double eff = total_usage > 0 ? s.raw_usage / total_usage : s.effective_usage;
      if (s.effective_usage != 0) eff = s.effective_usage;
      table.push_back({std::string(depth, ' ') + a->meta.name, "", std::to_string(a->spec.shares),
                       Fixed(s.normalized_shares, 6), Round(s.raw_usage), Fixed(eff, 6),
                       Fixed(s.fair_share_factor, 6)});
      int64_t user_share_sum = 0;
      for (const std::string& u : a->spec.users) {
        auto us = a->spec.user_shares.find(u);
        user_share_sum += us == a->spec.user_shares.end() ? 1 : us->second.shares;
      }
      std::vector<std::string> members = a->spec.users;
      std::sort(members.begin(), members.end());
      for (const std::string& u : members) {
        if (!users.empty() && users.count(u) == 0) continue;
        auto us = a->spec.user_shares.find(u);
        int64_t shares = us == a->spec.user_shares.end() ? 1 : us->second.shares;
        bool parent_share = us != a->spec.user_shares.end() && us->second.parent;
        double usage = 0;
        if (auto uu = s.user_usage.find(u); uu != s.user_usage.end()) usage = uu->second;
        double fs = 0;
        if (auto uf = s.user_fair_share.find(u); uf != s.user_fair_share.end()) fs = uf->second;
        double norm = user_share_sum > 0 ? s.normalized_shares * shares / user_share_sum : 0;
        table.push_back({std::string(depth + 1, ' ') + a->meta.name, u,
                         parent_share ? "parent" : std::to_string(shares), Fixed(norm, 6),
                         Round(usage), Fixed(total_usage > 0 ? usage / total_usage : 0, 6),
                         Fixed(fs, 6)});
      }
      walk(a->meta.name, depth + 1);
    }
  };
  walk("", 1);
  walk("root", 1);
  return RenderTable(fmt, head, table, header);
}

std::string RenderSacct(const std::vector<JobRow>& rows, core::Timestamp now, bool header) {
  auto fmt = MustFormat(
      "%-12s %-10s %-10s %-10s %9s %-10s %8s %-19s %-19s %10s %10s");
  std::vector<std::string> head = {"JobID", "JobName", "Partition", "Account",
                                   "AllocGPUS", "State", "ExitCode", "Start",
                                   "End", "Elapsed", "GPUSeconds"};
  std::vector<std::vector<std::string>> table;
  for (const JobRow& r : rows) {
    bool started = r.start_time.has_value();
    int64_t gpus = started ? r.gpus_per_node * r.nodes : 0;
    std::string exit_code = r.exit_code.has_value() ? std::to_string(*r.exit_code) + ":0" : "0:0";
    std::string state(core::JobStateName(r.state));
    table.push_back({r.id, r.name, SplitList(r.partition).empty() ? "" : SplitList(r.partition).front(),
                     r.account, std::to_string(gpus), state, exit_code,
                     started ? FormatTimestamp(r.start_time) : "Unknown",
                     r.end_time ? FormatTimestamp(r.end_time) : (started ? "Unknown" : "Unknown"),
                     SacctDuration(r.elapsed_s), std::to_string(gpus * r.elapsed_s)});
  }
  std::string out = RenderTable(fmt, head, {}, header);
  if (header) {
    std::string rule;
    for (const FormatItem& it : fmt) {
      if (it.code == 0) continue;
      if (!rule.empty()) rule += ' ';
      rule += std::string(static_cast<size_t>(it.width), '-');
    }
    out += rule + "\n";
  }
  out += RenderTable(fmt, head, table, false);
  (void)now;
  return out;
}

}  // namespace fairway::cli
