#include "cli/reports.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>

#include "cli/format.h"
#include "cli/print_fields.h"

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

}  // namespace

std::string RenderSprio(const std::vector<api::JobObject>& jobs, const JobFilter& filter,
                        bool header) {
  auto fmt =
      MustFormat("%.15i %9r %.8u %.10Y %.10S %.10a %.10A %.10F %.10J %.10P %.10Q %.6N %.20T");
  std::vector<std::string> head = {"JOBID", "PARTITION", "USER",      "PRIORITY", "SITE",
                                   "AGE",   "ASSOC",     "FAIRSHARE", "JOBSIZE",  "PARTITION",
                                   "QOS",   "NICE",      "TRES"};
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
    return std::make_pair(-a.row.priority, a.row.job_id) <
           std::make_pair(-b.row.priority, b.row.job_id);
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

namespace {

// One sshare line: the account (indented by depth) and, on a user line, the user.
struct ShareLine {
  std::string account;
  std::string user;  // "" on an account line
  int depth = 0;
  std::string raw_shares;
  double norm_shares = 0, raw_usage = 0, norm_usage = 0, effective_usage = 0;
  std::optional<double> fair_share;  // root has none
};

std::vector<PrintField> ShareFields(bool long_format) {
  std::vector<PrintField> f = {
      {"Account", 20, true}, {"User", 10}, {"RawShares", 10}, {"NormShares", 11}, {"RawUsage", 11}};
  if (long_format) f.push_back({"NormUsage", 11});
  f.push_back({"EffectvUsage", 13});
  f.push_back({"FairShare", 10});
  if (long_format) {
    f.push_back({"LevelFS", 10});
    f.push_back({"GrpTRESMins", 30});
    f.push_back({"TRESRunMins", 30});
  }
  return f;
}

std::vector<std::string> ShareCells(const ShareLine& l, bool root, bool long_format) {
  std::vector<std::string> c = {std::string(static_cast<size_t>(l.depth), ' ') + l.account, l.user,
                                l.raw_shares, Fixed(l.norm_shares, 6), Round(l.raw_usage)};
  if (long_format) c.push_back(root ? "" : Fixed(l.norm_usage, 6));
  c.push_back(Fixed(l.effective_usage, 6));
  c.push_back(l.fair_share ? Fixed(*l.fair_share, 6) : "");
  if (long_format) {
    // Fair Tree's level fair-share LF = S / U (NormShares over EffectvUsage at the level).
    std::string level = root                    ? ""
                        : l.effective_usage > 0 ? Fixed(l.norm_shares / l.effective_usage, 6)
                                                : "inf";
    c.insert(c.end(), {level, "", ""});  // no TRES-minute limits or counters in Fairway
  }
  return c;
}

// A user's raw shares: its spec.userShares entry, else 1 (FairShare=parent: none of its own).
int64_t UserShareCount(const api::AccountSpec& spec, const std::string& user) {
  auto us = spec.user_shares.find(user);
  if (us == spec.user_shares.end()) return 1;
  return us->second.parent ? 0 : us->second.shares;
}

// The lines of account `a` (its line, then its users'), with Fair Tree's per-level columns
// (fair_share.h). An account's NormShares and EffectvUsage are the operator's (its share among
// its siblings, which may include root's user association, and its usage over its parent's); a
// user's are computed here the same way: its share among the account's users and sub-accounts,
// its usage over the account's. NormUsage is global, usage over root's. A FairShare=parent
// user shows its account's.
void AppendAccountLines(const api::AccountObject& a, int depth, double total,
                        const std::vector<const api::AccountObject*>& sub_accounts,
                        std::vector<ShareLine>* lines) {
  const api::AccountStatus& s = a.status;
  auto fraction = [](double part, double whole) { return whole > 0 ? part / whole : 0.0; };
  const double account_eff = s.effective_usage;
  lines->push_back({a.meta.name, "", depth, std::to_string(a.spec.shares), s.normalized_shares,
                    s.raw_usage, fraction(s.raw_usage, total), account_eff, s.fair_share_factor});
  int64_t level_shares = 0;
  for (const std::string& u : a.spec.users) level_shares += UserShareCount(a.spec, u);
  for (const api::AccountObject* sub : sub_accounts) level_shares += sub->spec.shares;
  std::vector<std::string> members = a.spec.users;
  std::sort(members.begin(), members.end());
  for (const std::string& u : members) {
    auto us = a.spec.user_shares.find(u);
    const bool parent_share = us != a.spec.user_shares.end() && us->second.parent;
    double usage = 0, fs = 0;
    if (auto uu = s.user_usage.find(u); uu != s.user_usage.end()) usage = uu->second;
    if (auto uf = s.user_fair_share.find(u); uf != s.user_fair_share.end()) fs = uf->second;
    const double norm = parent_share ? s.normalized_shares
                                     : fraction(static_cast<double>(UserShareCount(a.spec, u)),
                                                static_cast<double>(level_shares));
    lines->push_back({a.meta.name, u, depth + 1,
                      parent_share ? "parent" : std::to_string(UserShareCount(a.spec, u)), norm,
                      usage, fraction(usage, total),
                      parent_share ? account_eff : fraction(usage, s.raw_usage), fs});
  }
}

// The tree in sshare's order: root, then each account followed by its users and its children.
std::vector<ShareLine> ShareLines(const std::vector<api::AccountObject>& accounts) {
  std::map<std::string, std::vector<const api::AccountObject*>> children;
  double total = 0;
  for (const auto& a : accounts) {
    const std::string parent = a.spec.parent == "root" ? "" : a.spec.parent;
    children[parent].push_back(&a);
    if (parent.empty()) total += a.status.raw_usage;
  }
  for (auto& [p, list] : children) {
    std::sort(list.begin(), list.end(),
              [](const auto* x, const auto* y) { return x->meta.name < y->meta.name; });
  }
  std::vector<ShareLine> lines = {{"root", "", 0, "", 0, total, 1, 1, std::nullopt}};
  std::function<void(const std::string&, int)> walk = [&](const std::string& parent, int depth) {
    auto it = children.find(parent);
    if (it == children.end()) return;
    for (const api::AccountObject* a : it->second) {
      if (a->meta.name == "root") continue;
      auto subs = children.find(a->meta.name);
      AppendAccountLines(
          *a, depth, total,
          subs == children.end() ? std::vector<const api::AccountObject*>{} : subs->second, &lines);
      walk(a->meta.name, depth + 1);
    }
  };
  walk("", 1);
  return lines;
}

}  // namespace

std::string RenderSshare(const std::vector<api::AccountObject>& accounts,
                         const SshareOptions& options) {
  std::vector<std::vector<std::string>> table;
  const std::vector<ShareLine> lines = ShareLines(accounts);
  for (size_t i = 0; i < lines.size(); ++i) {
    const ShareLine& l = lines[i];
    const bool root = i == 0;
    // -A: only those accounts' lines (Slurm drops root too); -u: only those users' lines.
    if (!options.accounts.empty() && (root || options.accounts.count(l.account) == 0)) continue;
    if (!l.user.empty() && !options.users.empty() && options.users.count(l.user) == 0) continue;
    table.push_back(ShareCells(l, root, options.long_format));
  }
  PrintOptions print;
  print.header = options.header;
  return PrintFields(ShareFields(options.long_format), table, print);
}

}  // namespace fairway::cli
