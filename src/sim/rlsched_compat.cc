#include "sim/rlsched_compat.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <utility>

#include "common/status_macros.h"

namespace fairway::sim {
namespace {

// The orders the queue can be sorted by: the policy keys, and FCFS for the backfill scan.
enum class QueueOrder { kFcfs, kSjf, kF1 };

QueueOrder OrderFor(CompatPolicy policy) {
  switch (policy) {
    case CompatPolicy::kSjf:
      return QueueOrder::kSjf;
    case CompatPolicy::kF1:
      return QueueOrder::kF1;
    case CompatPolicy::kFcfs:
      break;
  }
  return QueueOrder::kFcfs;
}

// F1 = log10(e) * n + 870 * log10(s), e and s replaced by 0.1 when not positive (Zhang et al.).
double F1Score(const CompatJob& job) {
  const double e = job.estimate_s > 0 ? static_cast<double>(job.estimate_s) : 0.1;
  const double s = job.submit_time_s > 0 ? static_cast<double>(job.submit_time_s) : 0.1;
  return std::log10(e) * static_cast<double>(job.procs) + 870.0 * std::log10(s);
}

// Nodes a job occupies: ceil(procs / procs_per_node), computed in double as the original does.
int64_t NodesFor(int64_t procs, double procs_per_node) {
  return static_cast<int64_t>(std::ceil(static_cast<double>(procs) / procs_per_node));
}

// One window's simulation state. Jobs are referred to by their index in the window (0..n-1).
class WindowSim {
 public:
  WindowSim(const CompatWorkload& workload, std::span<const CompatJob> jobs, CompatPolicy policy,
            bool backfill)
      : jobs_(jobs),
        order_(OrderFor(policy)),
        backfill_(backfill),
        procs_per_node_(static_cast<double>(workload.max_procs) /
                        static_cast<double>(workload.max_nodes)),
        free_nodes_(workload.max_nodes),
        nodes_(jobs.size()),
        f1_(jobs.size()),
        start_(jobs.size(), -1) {
    for (size_t i = 0; i < jobs.size(); ++i) {
      nodes_[i] = NodesFor(jobs[i].procs, procs_per_node_);
      f1_[i] = F1Score(jobs[i]);
    }
  }

  // Runs the dispatch loop to the end (protocol step 4).
  Status Run() {
    const int n = static_cast<int>(jobs_.size());
    if (n == 0) {
      return OkStatus();
    }
    now_ = jobs_[0].submit_time_s;
    queue_.push_back(0);
    next_arrival_ = 1;
    while (true) {
      SortQueue(order_);
      const int head = queue_.front();
      if (!Fits(head)) {
        FAIRWAY_RETURN_IF_ERROR(backfill_ ? BackfillUntilFits(head) : SkipUntilFits(head));
      }
      Start(head);
      if (!WaitForJob()) {
        break;
      }
    }
    return OkStatus();
  }

  const std::vector<int64_t>& start_times() const { return start_; }
  int64_t now() const { return now_; }

 private:
  struct Running {
    int job;
    int64_t end_s;      // start + run time
    int64_t est_end_s;  // start + estimate
  };

  bool Fits(int job) const { return nodes_[job] <= free_nodes_; }

  // Starts `job` now and removes it from the queue (first occurrence, like list.remove).
  void Start(int job) {
    start_[job] = now_;
    free_nodes_ -= nodes_[job];
    running_.push_back({job, now_ + jobs_[job].run_time_s, now_ + jobs_[job].estimate_s});
    queue_.erase(std::find(queue_.begin(), queue_.end(), job));
  }

  // Strict total order of the queue: the key, then arrival order (the window index), which is
  // what a stable sort of a queue kept in arrival order yields (README step 4).
  bool Before(QueueOrder order, int a, int b) const {
    const CompatJob& x = jobs_[a];
    const CompatJob& y = jobs_[b];
    switch (order) {
      case QueueOrder::kFcfs:
        if (x.submit_time_s != y.submit_time_s) {
          return x.submit_time_s < y.submit_time_s;
        }
        break;
      case QueueOrder::kSjf:
        if (x.estimate_s != y.estimate_s) {
          return x.estimate_s < y.estimate_s;
        }
        if (x.submit_time_s != y.submit_time_s) {
          return x.submit_time_s < y.submit_time_s;
        }
        break;
      case QueueOrder::kF1:
        if (f1_[a] != f1_[b]) {
          return f1_[a] < f1_[b];
        }
        break;
    }
    return a < b;
  }

  void SortQueue(QueueOrder order) {
    std::stable_sort(queue_.begin(), queue_.end(),
                     [this, order](int a, int b) { return Before(order, a, b); });
  }

  void Append(int job) { queue_.push_back(job); }

  void SortRunningByEnd() {
    std::stable_sort(running_.begin(), running_.end(),
                     [](const Running& a, const Running& b) { return a.end_s < b.end_s; });
  }

  void SortRunningByEstimatedEnd() {
    std::stable_sort(running_.begin(), running_.end(),
                     [](const Running& a, const Running& b) { return a.est_end_s < b.est_end_s; });
  }

  bool HasArrivals() const { return next_arrival_ < static_cast<int>(jobs_.size()); }

  void TakeArrival() {
    now_ = std::max(now_, jobs_[next_arrival_].submit_time_s);
    Append(next_arrival_);
    ++next_arrival_;
  }

  void CompleteFirstRunning() {
    now_ = std::max(now_, running_.front().end_s);
    free_nodes_ += nodes_[running_.front().job];
    running_.erase(running_.begin());
  }

  // One event while the head waits: the next arrival if it is not later than the next
  // completion, else that completion.
  Status AdvanceOneEvent() {
    if (running_.empty()) {
      return InternalError("compat: a job waits on an idle machine");  // excluded by validation
    }
    SortRunningByEnd();
    if (HasArrivals() && jobs_[next_arrival_].submit_time_s <= running_.front().end_s) {
      TakeArrival();
    } else {
      CompleteFirstRunning();
    }
    return OkStatus();
  }

  Status SkipUntilFits(int head) {
    while (!Fits(head)) {
      FAIRWAY_RETURN_IF_ERROR(AdvanceOneEvent());
    }
    return OkStatus();
  }

  // Earliest estimated end of running jobs at which the head's processors are free.
  int64_t ReservationTime(int head) {
    SortRunningByEstimatedEnd();
    double free_procs = static_cast<double>(free_nodes_) * procs_per_node_;
    int64_t reservation = now_;
    for (const Running& r : running_) {
      free_procs += static_cast<double>(nodes_[r.job]) * procs_per_node_;
      reservation = r.est_end_s;
      if (free_procs >= static_cast<double>(jobs_[head].procs)) {
        break;
      }
    }
    return reservation;
  }

  Status BackfillUntilFits(int head) {
    const int64_t reservation = ReservationTime(head);
    while (!Fits(head)) {
      SortQueue(QueueOrder::kFcfs);
      scan_.assign(queue_.begin(), queue_.end());
      for (int job : scan_) {
        if (now_ + jobs_[job].estimate_s < reservation && Fits(job)) {
          Start(job);
        }
      }
      FAIRWAY_RETURN_IF_ERROR(AdvanceOneEvent());
    }
    return OkStatus();
  }

  // After a start: true when the queue has a job (advancing time until one arrives if needed),
  // false when the queue is empty and every window job has arrived.
  bool WaitForJob() {
    if (!queue_.empty()) {
      return true;
    }
    if (!HasArrivals()) {
      return false;
    }
    while (true) {
      int64_t release = std::numeric_limits<int64_t>::max();
      if (!running_.empty()) {
        SortRunningByEnd();
        release = running_.front().end_s;
      }
      if (jobs_[next_arrival_].submit_time_s <= release) {
        TakeArrival();
        return true;
      }
      CompleteFirstRunning();
    }
  }

  std::span<const CompatJob> jobs_;
  QueueOrder order_;
  bool backfill_;
  double procs_per_node_;
  int64_t free_nodes_;
  std::vector<int64_t> nodes_;
  std::vector<double> f1_;
  std::vector<int64_t> start_;

  int64_t now_ = 0;
  int next_arrival_ = 0;
  std::vector<int> queue_;  // ordered list, re-sorted in place
  std::vector<Running> running_;
  std::vector<int> scan_;  // scratch copy for the backfill scan
};

}  // namespace

std::string_view CompatPolicyName(CompatPolicy policy) {
  switch (policy) {
    case CompatPolicy::kFcfs:
      return "fcfs";
    case CompatPolicy::kSjf:
      return "sjf";
    case CompatPolicy::kF1:
      return "f1";
  }
  return "unknown";
}

StatusOr<CompatPolicy> ParseCompatPolicy(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (CompatPolicy p : {CompatPolicy::kFcfs, CompatPolicy::kSjf, CompatPolicy::kF1}) {
    if (lower == CompatPolicyName(p)) {
      return p;
    }
  }
  return InvalidArgumentError("unknown compat policy '" + std::string(name) +
                              "' (want fcfs, sjf or f1)");
}

StatusOr<CompatWorkload> LoadCompatWorkload(const SwfTrace& trace) {
  CompatWorkload w;
  w.source = trace.source;
  if (!trace.max_nodes && !trace.max_procs) {
    return InvalidArgumentError(trace.source + ": SWF header has neither MaxNodes nor MaxProcs");
  }
  w.max_nodes = trace.max_nodes ? *trace.max_nodes : *trace.max_procs;
  w.max_procs = trace.max_procs ? *trace.max_procs : w.max_nodes;
  w.jobs.reserve(trace.records.size());
  for (const SwfRecord& r : trace.records) {
    CompatJob job;
    job.job_number = r.job_number;
    job.submit_time_s = r.submit_time_s;
    job.procs = std::max(r.allocated_procs, r.requested_procs);
    // Estimate from the raw run time, before the -1 -> 10 s default (as the original loader).
    job.estimate_s = r.requested_time_s == -1 ? r.run_time_s : r.requested_time_s;
    job.run_time_s = r.run_time_s;
    if (job.run_time_s < 0) {
      job.run_time_s = 10;
      ++w.defaulted_run_time;
    }
    if (job.run_time_s == 0) {
      ++w.dropped_zero_run_time;
      continue;
    }
    job.line_number = r.line_number;
    w.jobs.push_back(job);
  }
  std::stable_sort(w.jobs.begin(), w.jobs.end(), [](const CompatJob& a, const CompatJob& b) {
    return a.job_number < b.job_number;
  });
  return w;
}

StatusOr<CompatWindowResult> RunCompatWindow(const CompatWorkload& workload, CompatPolicy policy,
                                             bool backfill, int64_t first_job, int64_t job_count) {
  const int64_t size = static_cast<int64_t>(workload.jobs.size());
  if (first_job < 0 || job_count <= 0 || first_job > size - job_count) {
    return OutOfRangeError(workload.source + ": window [" + std::to_string(first_job) + ", " +
                           std::to_string(first_job + job_count) + ") is outside the " +
                           std::to_string(size) + " loaded jobs");
  }
  if (workload.max_nodes <= 0 || workload.max_procs <= 0) {
    return InvalidArgumentError(workload.source + ": machine has no processors");
  }
  const std::span<const CompatJob> jobs(workload.jobs.data() + first_job,
                                        static_cast<size_t>(job_count));
  const double procs_per_node =
      static_cast<double>(workload.max_procs) / static_cast<double>(workload.max_nodes);
  for (const CompatJob& job : jobs) {
    if (job.procs < 1 || NodesFor(job.procs, procs_per_node) > workload.max_nodes) {
      return InvalidArgumentError(workload.source + ":" + std::to_string(job.line_number) +
                                  ": job " + std::to_string(job.job_number) + " needs " +
                                  std::to_string(job.procs) + " processors; the machine has " +
                                  std::to_string(workload.max_procs) +
                                  " (the protocol cannot schedule it)");
    }
  }

  WindowSim sim(workload, jobs, policy, backfill);
  FAIRWAY_RETURN_IF_ERROR(sim.Run());

  CompatWindowResult result;
  result.first_job = first_job;
  result.job_count = job_count;
  result.start_times_s = sim.start_times();
  result.first_submit_s = jobs.front().submit_time_s;
  result.last_start_s = sim.now();
  double bsld_sum = 0;
  double work = 0;  // processor-seconds
  for (size_t i = 0; i < jobs.size(); ++i) {
    const CompatJob& job = jobs[i];
    const double wait = static_cast<double>(result.start_times_s[i] - job.submit_time_s);
    const double run = static_cast<double>(job.run_time_s);
    bsld_sum += std::max(1.0, (wait + run) / std::max(run, 10.0));
    work += run * static_cast<double>(job.procs);
  }
  result.avg_bounded_slowdown = bsld_sum / static_cast<double>(job_count);
  const double span_s = static_cast<double>(result.last_start_s - result.first_submit_s);
  result.utilization = span_s > 0 ? work / (span_s * static_cast<double>(workload.max_procs)) : 0.0;
  return result;
}

StatusOr<CompatResult> RunCompatWindows(const CompatWorkload& workload, CompatPolicy policy,
                                        bool backfill, std::span<const int64_t> window_starts,
                                        int64_t window_jobs) {
  if (window_starts.empty()) {
    return InvalidArgumentError("compat: no windows given");
  }
  CompatResult result;
  result.policy = policy;
  result.backfill = backfill;
  double bsld = 0;
  double util = 0;
  for (int64_t first : window_starts) {
    FAIRWAY_ASSIGN_OR_RETURN(CompatWindowResult window,
                             RunCompatWindow(workload, policy, backfill, first, window_jobs));
    bsld += window.avg_bounded_slowdown;
    util += window.utilization;
    result.windows.push_back(std::move(window));
  }
  const double n = static_cast<double>(window_starts.size());
  result.avg_bounded_slowdown = bsld / n;
  result.avg_utilization = util / n;
  return result;
}

StatusOr<CompatResult> RunCompatWindows(const SwfTrace& trace, CompatPolicy policy, bool backfill) {
  FAIRWAY_ASSIGN_OR_RETURN(CompatWorkload workload, LoadCompatWorkload(trace));
  return RunCompatWindows(workload, policy, backfill);
}

}  // namespace fairway::sim
