#include "controllers/accounting.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <map>

#include "api/common_types.h"
#include "api/job_types.h"
#include "controllers/kube_objects.h"
#include "controllers/names.h"
#include "core/fair_share.h"
#include "core/limits.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

std::string RunKey(uint64_t job_id, int32_t restarts) {
  return std::to_string(job_id) + "." + std::to_string(restarts);
}

std::optional<core::Timestamp> TimeAt(const json& obj, std::initializer_list<const char*> path) {
  std::string text = JsonString(obj, path);
  if (text.empty()) return std::nullopt;
  StatusOr<core::Timestamp> t = api::ParseRfc3339(text);
  if (!t.ok()) return std::nullopt;
  return *t;
}

// What a run's record (Job status or array task record) says about it.
struct RunRecord {
  std::optional<core::Timestamp> start;
  std::optional<core::Timestamp> end;  // set once the record shows the run ended
};

std::map<std::string, RunRecord> RecordsOf(const api::JobObject& job) {
  std::map<std::string, RunRecord> records;
  const api::JobStatus& st = job.status;
  if (st.job_id == 0) return records;
  if (!st.array.has_value()) {
    if (!st.start_time.has_value()) return records;
    bool ended = st.state.has_value() && core::IsTerminal(*st.state);
    records[RunKey(st.job_id, st.restarts)] = {st.start_time, ended ? st.end_time : std::nullopt};
    return records;
  }
  for (const api::ArrayTaskRecord& r : st.array->tasks) {
    if (!r.start_time.has_value()) continue;
    bool ended = r.state != core::JobState::kRunning;
    records[RunKey(r.job_id, r.restarts)] = {r.start_time, ended ? r.end_time : std::nullopt};
  }
  return records;
}

// A pod's part of its run: from the earliest container start to the latest container end. A pod
// that never started has no span; `over` tells whether its end is known.
struct PodTimes {
  std::optional<PodSpan> span;
  bool over = false;
};

PodTimes PodTimesOf(const json& pod, std::optional<core::Timestamp> record_end) {
  std::optional<core::Timestamp> start, finished;
  bool running = false;
  if (const json* cs = JsonAt(pod, {"status", "containerStatuses"}); cs && cs->is_array()) {
    for (const json& c : *cs) {
      std::optional<core::Timestamp> s = TimeAt(c, {"state", "running", "startedAt"});
      running = running || s.has_value();
      if (!s.has_value()) s = TimeAt(c, {"state", "terminated", "startedAt"});
      std::optional<core::Timestamp> f = TimeAt(c, {"state", "terminated", "finishedAt"});
      if (s.has_value()) start = start.has_value() ? std::min(*start, *s) : *s;
      if (f.has_value()) finished = finished.has_value() ? std::max(*finished, *f) : *f;
    }
  }
  PodTimes out;
  std::optional<core::Timestamp> end;
  if (finished.has_value() && (!running || PodIsTerminal(pod))) {
    end = finished;
  } else if (PodIsTerminal(pod)) {
    // Ended without a finishedAt (node lost): at the recorded end, else no later than charged.
    end = record_end.has_value() ? record_end : start;
  } else if (PodIsDeleting(pod)) {
    end = TimeAt(pod, {"metadata", "deletionTimestamp"});  // stopped by then at the latest
  }
  out.over = end.has_value() || PodIsTerminal(pod);
  if (start.has_value()) out.span = PodSpan{*start, end.has_value() ? std::max(*end, *start) : end};
  return out;
}

// Billing units per pod per second, times the UsageFactor of the QoS the job runs under
// (core::EffectiveQosName). nullopt if the spec does not convert.
std::optional<double> RateOf(const api::JobObject& job, const core::ClusterState& cluster,
                             const core::BillingWeights& billing) {
  StatusOr<core::Job> cj = api::ToCoreJob(job);
  if (!cj.ok()) return std::nullopt;
  const core::Account* account = nullptr;
  for (const core::Account& a : cluster.accounts) {
    if (a.name == cj->account) account = &a;
  }
  const core::QosName normal(core::kDefaultQos);
  bool normal_exists = std::any_of(cluster.qos.begin(), cluster.qos.end(),
                                   [&](const core::Qos& q) { return q.name == normal; });
  core::QosName qos = core::EffectiveQosName(*cj, account, normal_exists);
  double usage_factor = 1.0;
  for (const core::Qos& q : cluster.qos) {
    if (q.name == qos) usage_factor = q.usage_factor;
  }
  return core::BillingOf(cj->per_node, 1, billing) * usage_factor;
}

// The facts of one run of `job`: its visible pods, and for pods that are gone the record's span
// once the record shows the run ended.
RunFacts FactsOf(const api::JobObject& job, const std::string& key, double rate,
                 const std::vector<const json*>& pods, const std::optional<RunRecord>& record) {
  RunFacts f;
  f.key = key;
  f.job_id = std::strtoull(key.c_str(), nullptr, 10);
  f.account = core::AccountName(job.spec.account);
  f.user = core::UserName(job.spec.user);
  f.rate = rate;
  std::optional<core::Timestamp> record_end = record ? record->end : std::nullopt;
  bool known = true;
  for (const json* p : pods) {
    PodTimes t = PodTimesOf(*p, record_end);
    if (t.span.has_value()) f.spans.push_back(*t.span);
    known = known && t.over;
  }
  int64_t missing = std::max<int64_t>(0, job.spec.nodes - static_cast<int64_t>(pods.size()));
  if (missing > 0) {
    if (record_end.has_value() && record->start.has_value()) {
      for (int64_t i = 0; i < missing; ++i) {
        f.spans.push_back({*record->start, std::max(*record->start, *record_end)});
      }
    } else {
      known = false;  // not created yet, or gone before the run's end was recorded
    }
  }
  f.ended = known;
  return f;
}

}  // namespace

std::vector<RunFacts> RunsOf(const ClusterObjects& objects, const core::ClusterState& cluster,
                             const core::BillingWeights& billing) {
  // Pods by job key, then by run key.
  std::map<std::string, std::map<std::string, std::vector<const json*>>> pods_of;
  for (const json& p : objects.pods) {
    std::string job = PodLabel(p, kLabelJob);
    std::string id = PodLabel(p, kLabelJobId);
    if (job.empty() || id.empty()) continue;
    std::string restarts = PodLabel(p, kLabelRestarts);
    std::string key = id + "." + (restarts.empty() ? "0" : restarts);
    pods_of[JsonString(p, {"metadata", "namespace"}) + "/" + job][key].push_back(&p);
  }
  std::vector<RunFacts> runs;
  for (const api::JobObject& job : objects.jobs) {
    auto pods = pods_of.find(job.meta.Key());
    std::map<std::string, RunRecord> records = RecordsOf(job);
    if (records.empty() && pods == pods_of.end()) continue;
    std::optional<double> rate = RateOf(job, cluster, billing);
    if (!rate.has_value()) continue;
    std::map<std::string, std::vector<const json*>> by_run;
    if (pods != pods_of.end()) by_run = pods->second;
    for (const auto& [key, record] : records) by_run[key];  // runs whose pods are all gone
    for (const auto& [key, run_pods] : by_run) {
      auto record = records.find(key);
      runs.push_back(FactsOf(
          job, key, *rate, run_pods,
          record == records.end() ? std::nullopt : std::optional<RunRecord>(record->second)));
    }
  }
  return runs;
}

JobIdRanges LiveInstanceIds(const ClusterObjects& objects) {
  JobIdRanges ranges;
  for (const api::JobObject& job : objects.jobs) {
    if (job.status.job_id == 0) continue;
    uint64_t count = job.status.array.has_value() ? job.status.array->task_count : 1;
    ranges[job.status.job_id] = job.status.job_id + std::max<uint64_t>(count, 1) - 1;
  }
  return ranges;
}

bool ContainsJobId(const JobIdRanges& ranges, uint64_t job_id) {
  auto it = ranges.upper_bound(job_id);
  if (it == ranges.begin()) return false;
  return job_id <= std::prev(it)->second;
}

double DecayedUsage(double rate, core::Timestamp a, core::Timestamp b, core::Timestamp t,
                    double lambda) {
  double length = static_cast<double>((b - a).count());
  if (lambda <= 0) return rate * length;
  double age = static_cast<double>((t - b).count());
  // r * d^(t - b) * (1 - d^(b - a)) / lambda, with expm1 for precision when lambda is tiny.
  return rate * std::exp(-lambda * age) * -std::expm1(-lambda * length) / lambda;
}

std::set<std::string> AccountsToFlush(const UsageAccounting& accounting,
                                      const std::vector<api::AccountObject>& accounts) {
  std::map<std::string, std::string> parent;
  for (const api::AccountObject& a : accounts) parent[a.meta.name] = a.spec.parent;
  std::set<std::string> flush;
  for (const api::AccountObject& a : accounts) {
    if (!accounting.NeedsFlush(a.meta.name)) continue;
    // Up to the root; a cycle in the parents (rejected at admission) ends at a repeat.
    for (std::string name = a.meta.name; !name.empty() && flush.insert(name).second;) {
      auto it = parent.find(name);
      name = it == parent.end() ? "" : it->second;
    }
  }
  return flush;
}

UsageCheckpoint CheckpointFromStatus(const api::AccountStatus& status) {
  UsageCheckpoint cp;
  cp.as_of = status.last_decay_time;
  cp.user_usage = status.user_usage;
  cp.charged = status.charged;
  cp.horizon = status.charged_horizon.value_or(status.last_decay_time.value_or(core::Timestamp{}));
  return cp;
}

void PutCheckpoint(const UsageCheckpoint& checkpoint, api::AccountStatus* status) {
  status->last_decay_time = checkpoint.as_of;
  status->user_usage = checkpoint.user_usage;
  status->charged = checkpoint.charged;
  status->charged_horizon = checkpoint.horizon;
}

void UsageAccounting::Restore(const std::string& account, const std::string& uid,
                              const api::AccountStatus& status) {
  AccountState& st = accounts_[account];
  st.uid = uid;
  st.current = CheckpointFromStatus(status);
  st.persisted = st.current;
  st.run_ended = false;
}

UsageAccounting::AccountState& UsageAccounting::StateOf(const std::string& account,
                                                        core::Timestamp now) {
  auto it = accounts_.find(account);
  if (it != accounts_.end()) return it->second;
  AccountState& st = accounts_[account];  // no Account object (yet): nothing persisted
  st.current.as_of = now;
  return st;
}

bool UsageAccounting::Knows(const std::string& account, const std::string& uid) const {
  auto it = accounts_.find(account);
  return it != accounts_.end() && it->second.uid == uid;
}

void UsageAccounting::Charge(const std::vector<RunFacts>& runs, const JobIdRanges& live_ids,
                             core::Timestamp now, const AccountingOptions& options) {
  double d = core::DecayFactorPerSecond(options.half_life);
  double lambda = d < 1.0 ? -std::log(d) : 0.0;
  for (auto& [name, st] : accounts_) {
    UsageCheckpoint& cp = st.current;
    if (cp.as_of.has_value() && now <= *cp.as_of) continue;
    if (cp.as_of.has_value() && lambda > 0) {
      double decay = std::exp(-lambda * static_cast<double>((now - *cp.as_of).count()));
      for (auto& [user, usage] : cp.user_usage) usage *= decay;
    }
    cp.as_of = now;
  }
  for (const RunFacts& run : runs) ChargeRun(run, now, options, lambda);
  Prune(live_ids, now, options);
}

void UsageAccounting::ChargeRun(const RunFacts& run, core::Timestamp now,
                                const AccountingOptions& options, double lambda) {
  if (run.spans.empty()) return;
  AccountState& st = StateOf(run.account.str(), now);
  UsageCheckpoint& cp = st.current;
  auto cursor = cp.charged.find(run.key);
  const core::Timestamp from = cursor != cp.charged.end() ? cursor->second : cp.horizon;
  core::Timestamp end = now - options.settle;
  if (run.ended) {  // every span has an end: the run's is the latest
    end = *run.spans.front().end;
    for (const PodSpan& s : run.spans) end = std::max(end, *s.end);
  }
  const core::Timestamp to = std::min(end, now);
  if (to <= from) return;
  double usage = 0;
  bool started = false;
  for (const PodSpan& s : run.spans) {
    started = started || s.start < to;
    core::Timestamp a = std::max(s.start, from);
    core::Timestamp b = std::min(s.end.value_or(to), to);
    if (a < b) usage += DecayedUsage(run.rate, a, b, now, lambda);
  }
  if (!started) return;  // nothing ran yet: no entry
  cp.user_usage[run.user.str()] += usage;
  cp.charged[run.key] = to;
  if (run.ended && to == end) st.run_ended = true;
}

void UsageAccounting::Prune(const JobIdRanges& live_ids, core::Timestamp now,
                            const AccountingOptions& options) {
  const core::Timestamp horizon = now - options.retention;
  for (auto& [name, st] : accounts_) {
    UsageCheckpoint& cp = st.current;
    bool aged_out = false;
    for (auto it = cp.charged.begin(); it != cp.charged.end();) {
      uint64_t job_id = std::strtoull(it->first.c_str(), nullptr, 10);
      bool old = it->second <= horizon;
      if (ContainsJobId(live_ids, job_id) && !old) {
        ++it;
        continue;
      }
      aged_out = aged_out || old;
      it = cp.charged.erase(it);
    }
    if (aged_out) cp.horizon = std::max(cp.horizon, horizon);
  }
}

core::UsageLedger UsageAccounting::OwnUsage() const {
  core::UsageLedger own;
  for (const auto& [name, st] : accounts_) {
    for (const auto& [user, usage] : st.current.user_usage) {
      own.Set({core::AccountName(name), core::UserName(user)}, usage);
    }
  }
  return own;
}

core::UsageLedger UsageAccounting::Ledger(const core::AccountTree& tree,
                                          core::Timestamp now) const {
  core::UsageLedger ledger(now);
  for (const auto& [name, st] : accounts_) {
    for (const auto& [user, usage] : st.current.user_usage) {
      ledger.Charge(tree, core::AccountName(name), core::UserName(user), usage);
    }
  }
  return ledger;
}

namespace {

// The pod-time of `run` in (from, to], as of `t` (open spans run through `to`).
double RunUsageBetween(const RunFacts& run, core::Timestamp from, core::Timestamp to,
                       core::Timestamp t, double lambda) {
  double usage = 0;
  for (const PodSpan& s : run.spans) {
    const core::Timestamp a = std::max(s.start, from);
    const core::Timestamp b = std::min(s.end.value_or(to), to);
    if (a < b) usage += DecayedUsage(run.rate, a, b, t, lambda);
  }
  return usage;
}

}  // namespace

core::UsageLedger UsageAccounting::OwnUsageAt(const std::vector<RunFacts>& runs, core::Timestamp at,
                                              core::Seconds half_life) const {
  const double d = core::DecayFactorPerSecond(half_life);
  const double lambda = d < 1.0 ? -std::log(d) : 0.0;
  // (account, user) -> usage as of the account's as_of (every account's is the last Charge's).
  std::map<std::pair<std::string, std::string>, double> own;
  for (const auto& [name, st] : accounts_) {
    for (const auto& [user, usage] : st.current.user_usage) own[{name, user}] = usage;
  }
  for (const RunFacts& run : runs) {
    auto st = accounts_.find(run.account.str());
    if (st == accounts_.end() || !st->second.current.as_of) continue;
    const UsageCheckpoint& cp = st->second.current;
    auto cursor = cp.charged.find(run.key);
    const core::Timestamp charged = cursor != cp.charged.end() ? cursor->second : cp.horizon;
    double& usage = own[{run.account.str(), run.user.str()}];
    if (charged > at) usage -= RunUsageBetween(run, at, charged, *cp.as_of, lambda);
    if (charged < at) usage += RunUsageBetween(run, charged, at, *cp.as_of, lambda);
  }
  core::UsageLedger out(at);
  for (const auto& [key, usage] : own) {
    const UsageCheckpoint& cp = accounts_.at(key.first).current;
    const double age = static_cast<double>((cp.as_of.value_or(at) - at).count());
    // Rounding may leave a hair below zero where everything was taken out.
    out.Set({core::AccountName(key.first), core::UserName(key.second)},
            std::max(0.0, usage * std::exp(lambda * age)));
  }
  return out;
}

core::UsageLedger SubtreeLedger(const core::AccountTree& tree, const core::UsageLedger& own,
                                core::Timestamp as_of) {
  core::UsageLedger ledger(as_of);
  for (const auto& [key, usage] : own.entries()) {
    ledger.Charge(tree, key.account, key.user, usage);
  }
  return ledger;
}

const UsageCheckpoint& UsageAccounting::Checkpoint(const std::string& account) const {
  return accounts_.at(account).current;
}

const UsageCheckpoint* UsageAccounting::Persisted(const std::string& account) const {
  auto it = accounts_.find(account);
  if (it == accounts_.end() || !it->second.persisted.has_value()) return nullptr;
  return &*it->second.persisted;
}

bool UsageAccounting::NeedsFlush(const std::string& account) const {
  auto it = accounts_.find(account);
  return it != accounts_.end() && it->second.run_ended;
}

void UsageAccounting::MarkPersisted(const std::string& account, const UsageCheckpoint& checkpoint) {
  AccountState& st = accounts_[account];
  st.persisted = checkpoint;
  st.run_ended = false;
}

}  // namespace fairway::controllers
