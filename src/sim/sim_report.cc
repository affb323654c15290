#include "sim/sim_report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

namespace fairway::sim {

SimReport BuildReport(const Workload& workload, const SimResult& result,
                      const std::string& policy) {
  SimReport r;
  r.workload = workload.name;
  r.policy = policy;
  r.jobs = static_cast<int64_t>(result.jobs.size());
  r.impossible = static_cast<int64_t>(workload.impossible.size());
  r.never_started = result.never_started;
  r.cycles = result.cycles;
  r.warnings = CountWarnings(workload.warnings);

  double capacity_gpus = 0;
  double capacity_cpus = 0;
  for (const core::Node& n : result.nodes) {
    capacity_gpus += static_cast<double>(n.allocatable.gpus);
    capacity_cpus += static_cast<double>(n.allocatable.cpu_millis) / 1000.0;
  }
  bool gpus = capacity_gpus > 0;
  r.utilization_unit = gpus ? "GPU" : "CPU";
  auto amount = [&](const JobOutcome& j) {
    double per = gpus ? static_cast<double>(j.per_node.gpus)
                      : static_cast<double>(j.per_node.cpu_millis) / 1000.0;
    return per * j.nodes;
  };
  if (result.jobs.empty()) return r;

  int64_t first_submit = result.jobs.front().submit_s;
  int64_t last_end = result.jobs.front().end_s;
  double wait_sum = 0;
  double slowdown_sum = 0;
  double used_total = 0;
  struct Acc {
    int64_t jobs = 0;
    double wait = 0;
    double used = 0;
  };
  std::map<std::string, Acc> per_account;
  for (const JobOutcome& j : result.jobs) {
    first_submit = std::min(first_submit, j.submit_s);
    last_end = std::max(last_end, j.end_s);
    double wait = static_cast<double>(j.start_s - j.submit_s);
    double run = static_cast<double>(j.end_s - j.start_s);
    wait_sum += wait;
    slowdown_sum += std::max(1.0, (wait + run) / std::max(run, 10.0));
    double used = amount(j) * run;
    used_total += used;
    Acc& a = per_account[j.account];
    a.jobs += 1;
    a.wait += wait;
    a.used += used;
  }
  double n = static_cast<double>(result.jobs.size());
  r.mean_wait_s = wait_sum / n;
  r.mean_bounded_slowdown = slowdown_sum / n;
  r.makespan_s = last_end - first_submit;
  double capacity = gpus ? capacity_gpus : capacity_cpus;
  if (r.makespan_s > 0 && capacity > 0) {
    r.utilization = used_total / (capacity * static_cast<double>(r.makespan_s));
  }

  std::map<std::string, uint32_t> shares;
  for (const auto& [name, s] : result.account_shares) shares[name] = s;
  double total_shares = 0;
  for (const auto& [name, a] : per_account) total_shares += shares.count(name) ? shares[name] : 1;
  double sum = 0;
  double sum_sq = 0;
  for (const auto& [name, a] : per_account) {
    AccountReport ar;
    ar.account = name;
    ar.jobs = a.jobs;
    ar.mean_wait_s = a.wait / static_cast<double>(a.jobs);
    ar.used_share = used_total > 0 ? a.used / used_total : 0;
    ar.configured_share = (shares.count(name) ? shares[name] : 1) / total_shares;
    double x = ar.configured_share > 0 ? ar.used_share / ar.configured_share : 0;
    sum += x;
    sum_sq += x * x;
    r.accounts.push_back(ar);
  }
  if (sum_sq > 0) r.jain_fairness = sum * sum / (static_cast<double>(r.accounts.size()) * sum_sq);
  r.fairness = ComputeFairness(result, result.account_shares, gpus);
  return r;
}

namespace {

std::string FormatFairnessText(const SimReport& r) {
  const FairnessReport& f = r.fairness;
  const InputWarningCounts& w = r.warnings;
  char buf[512];
  std::snprintf(
      buf, sizeof(buf),
      "share vs target      mean abs deviation %.3f, worst window %.3f (from %lld s) "
      "over %lld one-day windows\n"
      "user slowdown        %lld users, max/min %.2f, Jain %.3f\n"
      "input warnings       %lld negative run times, %lld negative submit times, %lld "
      "run times beyond their limit\n",
      f.share_mean_abs_deviation, f.share_worst_window_deviation,
      static_cast<long long>(f.share_worst_window_start_s), static_cast<long long>(f.share_windows),
      static_cast<long long>(f.users), f.user_slowdown_max_over_min, f.user_slowdown_jain,
      static_cast<long long>(w.negative_run_time), static_cast<long long>(w.negative_submit_time),
      static_cast<long long>(w.run_beyond_limit));
  return buf;
}

nlohmann::ordered_json FairnessJson(const SimReport& r) {
  const FairnessReport& f = r.fairness;
  return {{"shareWindows", f.share_windows},
          {"shareMeanAbsDeviation", f.share_mean_abs_deviation},
          {"shareWorstWindowDeviation", f.share_worst_window_deviation},
          {"shareWorstWindowStartSeconds", f.share_worst_window_start_s},
          {"users", f.users},
          {"userSlowdownMaxOverMin", f.user_slowdown_max_over_min},
          {"userSlowdownJain", f.user_slowdown_jain}};
}

}  // namespace

std::string FormatReportText(const SimReport& r) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "workload              %s\npolicy                %s\n",
                r.workload.c_str(), r.policy.c_str());
  out += line;
  std::snprintf(line, sizeof(line),
                "jobs                  %lld finished, %lld impossible, %lld never started\n",
                static_cast<long long>(r.jobs), static_cast<long long>(r.impossible),
                static_cast<long long>(r.never_started));
  out += line;
  std::snprintf(line, sizeof(line), "scheduling cycles     %lld\n",
                static_cast<long long>(r.cycles));
  out += line;
  std::snprintf(line, sizeof(line), "mean wait             %.1f s\n", r.mean_wait_s);
  out += line;
  std::snprintf(line, sizeof(line), "mean bounded slowdown %.2f\n", r.mean_bounded_slowdown);
  out += line;
  std::snprintf(line, sizeof(line), "%s utilization       %.3f\n", r.utilization_unit.c_str(),
                r.utilization);
  out += line;
  std::snprintf(line, sizeof(line), "makespan              %lld s\n",
                static_cast<long long>(r.makespan_s));
  out += line;
  std::snprintf(line, sizeof(line), "Jain fairness index   %.3f (used share / configured share)\n",
                r.jain_fairness);
  out += line;
  out += FormatFairnessText(r);
  out +=
      "\nACCOUNT              JOBS   MEAN_WAIT_S  USED_SHARE  CONFIGURED_SHARE  WAIT_P50_S  "
      "WAIT_P90_S  WAIT_P99_S\n";
  for (size_t i = 0; i < r.accounts.size(); ++i) {
    const AccountReport& a = r.accounts[i];
    const AccountWaits& w = r.fairness.account_waits[i];
    std::snprintf(line, sizeof(line), "%-18s %6lld %13.1f %11.3f %17.3f %11.0f %11.0f %11.0f\n",
                  a.account.c_str(), static_cast<long long>(a.jobs), a.mean_wait_s, a.used_share,
                  a.configured_share, w.p50_s, w.p90_s, w.p99_s);
    out += line;
  }
  return out;
}

std::string FormatReportJson(const SimReport& r) {
  nlohmann::ordered_json j;
  j["workload"] = r.workload;
  j["policy"] = r.policy;
  j["jobs"] = r.jobs;
  j["impossible"] = r.impossible;
  j["neverStarted"] = r.never_started;
  j["cycles"] = r.cycles;
  j["meanWaitSeconds"] = r.mean_wait_s;
  j["meanBoundedSlowdown"] = r.mean_bounded_slowdown;
  j["utilization"] = r.utilization;
  j["utilizationUnit"] = r.utilization_unit;
  j["makespanSeconds"] = r.makespan_s;
  j["jainFairness"] = r.jain_fairness;
  j["fairness"] = FairnessJson(r);
  j["inputWarnings"] = {{"negativeRunTime", r.warnings.negative_run_time},
                        {"negativeSubmitTime", r.warnings.negative_submit_time},
                        {"runBeyondLimit", r.warnings.run_beyond_limit}};
  nlohmann::ordered_json accounts = nlohmann::ordered_json::array();
  for (size_t i = 0; i < r.accounts.size(); ++i) {
    const AccountReport& a = r.accounts[i];
    const AccountWaits& w = r.fairness.account_waits[i];
    accounts.push_back({{"account", a.account},
                        {"jobs", a.jobs},
                        {"meanWaitSeconds", a.mean_wait_s},
                        {"usedShare", a.used_share},
                        {"configuredShare", a.configured_share},
                        {"waitP50Seconds", w.p50_s},
                        {"waitP90Seconds", w.p90_s},
                        {"waitP99Seconds", w.p99_s}});
  }
  j["accounts"] = accounts;
  return j.dump(2) + "\n";
}

std::string FormatReportSvg(const SimReport& report, const SimResult& result) {
  constexpr int kWidth = 900;
  constexpr int kHeight = 340;
  constexpr int kLeft = 60;
  constexpr int kRight = 60;
  constexpr int kTop = 40;
  constexpr int kBottom = 40;
  constexpr size_t kBuckets = 600;
  double capacity = 0;
  for (const core::Node& n : result.nodes) {
    capacity += report.utilization_unit == "GPU"
                    ? static_cast<double>(n.allocatable.gpus)
                    : static_cast<double>(n.allocatable.cpu_millis) / 1000.0;
  }
  std::string svg;
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                "font-family=\"sans-serif\" font-size=\"12\">\n"
                "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                kWidth, kHeight);
  svg += buf;
  std::string title = report.workload + " - " + report.policy;
  std::string escaped;
  for (char c : title) {
    if (c == '<')
      escaped += "&lt;";
    else if (c == '>')
      escaped += "&gt;";
    else if (c == '&')
      escaped += "&amp;";
    else
      escaped += c;
  }
  std::snprintf(buf, sizeof(buf), "<text x=\"%d\" y=\"20\">%s</text>\n", kLeft, escaped.c_str());
  svg += buf;
  if (result.samples.size() < 2 || capacity <= 0) return svg + "</svg>\n";

  int64_t t0 = result.samples.front().time_s;
  int64_t t1 = std::max(result.samples.back().time_s, t0 + 1);
  struct Bucket {
    double queue = 0;
    double busy = 0;
    int64_t n = 0;
  };
  std::vector<Bucket> buckets(kBuckets);
  for (const TimeSample& s : result.samples) {
    size_t b = static_cast<size_t>(static_cast<double>(s.time_s - t0) /
                                   static_cast<double>(t1 - t0) * (kBuckets - 1));
    buckets[b].queue += static_cast<double>(s.pending_jobs);
    buckets[b].busy += s.busy;
    buckets[b].n += 1;
  }
  double max_queue = 1;
  for (const Bucket& b : buckets) {
    if (b.n > 0) max_queue = std::max(max_queue, b.queue / static_cast<double>(b.n));
  }
  const double plot_w = kWidth - kLeft - kRight;
  const double plot_h = kHeight - kTop - kBottom;
  auto x_of = [&](size_t b) { return kLeft + plot_w * static_cast<double>(b) / (kBuckets - 1); };
  std::string queue_points;
  std::string util_points;
  for (size_t b = 0; b < kBuckets; ++b) {
    if (buckets[b].n == 0) continue;
    double q = buckets[b].queue / static_cast<double>(buckets[b].n);
    double u = std::min(1.0, buckets[b].busy / static_cast<double>(buckets[b].n) / capacity);
    std::snprintf(buf, sizeof(buf), "%.1f,%.1f ", x_of(b), kTop + plot_h * (1 - q / max_queue));
    queue_points += buf;
    std::snprintf(buf, sizeof(buf), "%.1f,%.1f ", x_of(b), kTop + plot_h * (1 - u));
    util_points += buf;
  }
  std::snprintf(buf, sizeof(buf),
                "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
                "stroke=\"#999\"/>\n",
                kLeft, kTop, plot_w, plot_h);
  svg += buf;
  svg += "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.2\" points=\"" +
         queue_points + "\"/>\n";
  svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.2\" points=\"" + util_points +
         "\"/>\n";
  std::snprintf(buf, sizeof(buf),
                "<text x=\"5\" y=\"%d\" fill=\"#d62728\">%.0f</text>"
                "<text x=\"5\" y=\"%d\" fill=\"#d62728\">0</text>\n"
                "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">100%%</text>"
                "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">0%%</text>\n"
                "<text x=\"%d\" y=\"%d\" fill=\"#d62728\">pending jobs</text>"
                "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">%s utilization</text>\n"
                "<text x=\"%d\" y=\"%d\">%lld s</text><text x=\"%d\" y=\"%d\">0 s</text>\n",
                kTop + 4, max_queue, kTop + static_cast<int>(plot_h), kWidth - kRight + 5, kTop + 4,
                kWidth - kRight + 5, kTop + static_cast<int>(plot_h), kLeft + 440, 20, kLeft + 540,
                20, report.utilization_unit.c_str(), kWidth - kRight - 60, kHeight - 15,
                static_cast<long long>(t1 - t0), kLeft, kHeight - 15);
  svg += buf;
  return svg + "</svg>\n";
}

}  // namespace fairway::sim
