#include "sim/fairness.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace fairway::sim {
namespace {

double Amount(const JobOutcome& j, bool gpus) {
  double per = gpus ? static_cast<double>(j.per_node.gpus)
                    : static_cast<double>(j.per_node.cpu_millis) / 1000.0;
  return per * j.nodes;
}

double BoundedSlowdown(const JobOutcome& j) {
  double wait = static_cast<double>(j.start_s - j.submit_s);
  double run = static_cast<double>(j.end_s - j.start_s);
  return std::max(1.0, (wait + run) / std::max(run, 10.0));
}

// Per account and hourly bucket: resource-seconds used, and whether it had a job waiting or
// running. Both as prefix sums over buckets, so any window's totals are one subtraction.
struct BucketTable {
  int64_t t0 = 0;
  size_t buckets = 0;
  std::vector<std::string> accounts;          // sorted
  std::vector<std::vector<double>> used;      // [account][bucket + 1], prefix sums
  std::vector<std::vector<int64_t>> present;  // [account][bucket + 1], prefix sums of flags
};

size_t BucketOf(const BucketTable& t, int64_t time_s) {
  return static_cast<size_t>((time_s - t.t0) / kShareBucketSeconds);
}

BucketTable BuildBuckets(const std::vector<JobOutcome>& jobs, bool gpus) {
  BucketTable t;
  std::map<std::string, size_t> index;
  int64_t t1 = jobs.front().end_s;
  t.t0 = jobs.front().submit_s;
  for (const JobOutcome& j : jobs) {
    index.emplace(j.account, 0);
    t.t0 = std::min(t.t0, j.submit_s);
    t1 = std::max(t1, j.end_s);
  }
  for (auto& [name, i] : index) {
    i = t.accounts.size();
    t.accounts.push_back(name);
  }
  t.buckets = BucketOf(t, t1) + 1;
  t.used.assign(t.accounts.size(), std::vector<double>(t.buckets + 1, 0));
  std::vector<std::vector<int64_t>> open(t.accounts.size(), std::vector<int64_t>(t.buckets + 1));
  for (const JobOutcome& j : jobs) {
    size_t a = index[j.account];
    // Waiting or running from submit to end: a difference array over buckets.
    open[a][BucketOf(t, j.submit_s)] += 1;
    open[a][BucketOf(t, std::max(j.submit_s, j.end_s - 1)) + 1] -= 1;
    double amount = Amount(j, gpus);
    for (int64_t s = j.start_s; s < j.end_s;) {
      size_t b = BucketOf(t, s);
      int64_t bucket_end = t.t0 + static_cast<int64_t>(b + 1) * kShareBucketSeconds;
      int64_t until = std::min(bucket_end, j.end_s);
      t.used[a][b + 1] += amount * static_cast<double>(until - s);
      s = until;
    }
  }
  t.present.assign(t.accounts.size(), std::vector<int64_t>(t.buckets + 1, 0));
  for (size_t a = 0; a < t.accounts.size(); ++a) {
    int64_t depth = 0;
    for (size_t b = 0; b < t.buckets; ++b) {
      depth += open[a][b];
      t.present[a][b + 1] = t.present[a][b] + (depth > 0 ? 1 : 0);
      t.used[a][b + 1] += t.used[a][b];
    }
  }
  return t;
}

void MeasureShares(const BucketTable& t, const std::map<std::string, uint32_t>& shares,
                   FairnessReport* r) {
  const size_t width = static_cast<size_t>(kShareWindowSeconds / kShareBucketSeconds);
  const size_t span = std::min(width, t.buckets);
  double deviation_sum = 0;
  std::vector<size_t> competing;
  for (size_t w = 0; w + span <= t.buckets; ++w) {
    competing.clear();
    double total_used = 0;
    double total_shares = 0;
    for (size_t a = 0; a < t.accounts.size(); ++a) {
      if (t.present[a][w + span] == t.present[a][w]) continue;
      competing.push_back(a);
      total_used += t.used[a][w + span] - t.used[a][w];
      auto it = shares.find(t.accounts[a]);
      total_shares += it == shares.end() ? 1.0 : static_cast<double>(it->second);
    }
    if (competing.size() < 2 || total_used <= 0 || total_shares <= 0) continue;
    double deviation = 0;
    for (size_t a : competing) {
      auto it = shares.find(t.accounts[a]);
      double target = (it == shares.end() ? 1.0 : static_cast<double>(it->second)) / total_shares;
      double delivered = (t.used[a][w + span] - t.used[a][w]) / total_used;
      deviation += std::abs(delivered - target);
    }
    deviation /= static_cast<double>(competing.size());
    ++r->share_windows;
    deviation_sum += deviation;
    if (deviation > r->share_worst_window_deviation) {
      r->share_worst_window_deviation = deviation;
      r->share_worst_window_start_s = t.t0 + static_cast<int64_t>(w) * kShareBucketSeconds;
    }
  }
  if (r->share_windows > 0) {
    r->share_mean_abs_deviation = deviation_sum / static_cast<double>(r->share_windows);
  }
}

void MeasureUsers(const std::vector<JobOutcome>& jobs, FairnessReport* r) {
  std::map<std::string, std::pair<double, int64_t>> per_user;  // slowdown sum, jobs
  for (const JobOutcome& j : jobs) {
    auto& [sum, count] = per_user[j.user];
    sum += BoundedSlowdown(j);
    count += 1;
  }
  double lo = std::numeric_limits<double>::infinity();
  double hi = 0;
  double sum = 0;
  double sum_sq = 0;
  for (const auto& [user, acc] : per_user) {
    double mean = acc.first / static_cast<double>(acc.second);
    lo = std::min(lo, mean);
    hi = std::max(hi, mean);
    sum += mean;
    sum_sq += mean * mean;
  }
  r->users = static_cast<int64_t>(per_user.size());
  if (!per_user.empty()) r->user_slowdown_max_over_min = hi / lo;  // means are >= 1
  if (sum_sq > 0) r->user_slowdown_jain = sum * sum / (static_cast<double>(r->users) * sum_sq);
}

// Nearest-rank percentile of sorted values.
double Percentile(const std::vector<double>& sorted, double p) {
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

void MeasureWaits(const std::vector<JobOutcome>& jobs, FairnessReport* r) {
  std::map<std::string, std::vector<double>> waits;
  for (const JobOutcome& j : jobs) {
    waits[j.account].push_back(static_cast<double>(j.start_s - j.submit_s));
  }
  for (auto& [account, w] : waits) {
    std::sort(w.begin(), w.end());
    r->account_waits.push_back({account, Percentile(w, 50), Percentile(w, 90), Percentile(w, 99)});
  }
}

}  // namespace

FairnessReport ComputeFairness(const SimResult& result,
                               const std::vector<std::pair<std::string, uint32_t>>& shares,
                               bool gpus) {
  FairnessReport r;
  if (result.jobs.empty()) return r;
  std::map<std::string, uint32_t> share_of(shares.begin(), shares.end());
  MeasureShares(BuildBuckets(result.jobs, gpus), share_of, &r);
  MeasureUsers(result.jobs, &r);
  MeasureWaits(result.jobs, &r);
  return r;
}

}  // namespace fairway::sim
