#include "sim/simulator.h"

#include <algorithm>
#include <limits>
#include <map>
#include <queue>

#include "core/account_context.h"
#include "core/account_tree.h"
#include "core/cycle.h"
#include "core/runtime_prediction.h"
#include "core/usage_ledger.h"

namespace fairway::sim {
namespace {

using core::Seconds;
using core::Timestamp;

Timestamp At(int64_t s) { return Timestamp(Seconds(s)); }

core::Job ToCoreJob(const SimJob& s) {
  core::Job j;
  j.id.value = s.id;
  j.key = std::to_string(s.id);
  j.user = core::UserName(s.user);
  j.account = core::AccountName(s.account);
  j.node_count = s.nodes;
  j.per_node = s.per_node;
  if (s.limit_s > 0) j.time_limit = Seconds(s.limit_s);
  j.submit_time = At(s.submit_s);
  return j;
}

// Running job bookkeeping beside its core::Job in the cluster's running list.
struct Running {
  size_t workload_index;
  int64_t start_s;
  int64_t end_s;
};

class Simulation {
 public:
  Simulation(const Workload& workload, const SimOptions& options)
      : workload_(workload), options_(options) {
    cluster_.nodes = workload.nodes;
    cluster_.partitions = options.partitions;
    if (cluster_.partitions.empty()) {
      core::Partition batch;
      batch.name = core::PartitionName("batch");
      batch.is_default = true;
      cluster_.partitions.push_back(batch);
    }
    cluster_.accounts = workload.accounts;
    for (core::Account& a : cluster_.accounts) {
      for (const auto& [name, shares] : options.account_shares) {
        if (a.name.str() == name) a.shares = shares;
      }
    }
    tree_ = core::BuildAccountTree(cluster_, {}, nullptr);
    for (const core::Node& n : cluster_.nodes) gpus_ |= n.allocatable.gpus > 0;
  }

  SimResult Run() {
    size_t limit = options_.max_jobs == 0 ? workload_.jobs.size()
                                          : std::min(options_.max_jobs, workload_.jobs.size());
    size_t next_arrival = 0;
    if (limit > 0) ledger_.set_last_update(At(workload_.jobs[0].submit_s));
    while (next_arrival < limit || !running_.empty() || (!pending_.empty() && backfill_due_ > 0)) {
      int64_t now = std::numeric_limits<int64_t>::max();
      if (next_arrival < limit) now = workload_.jobs[next_arrival].submit_s;
      for (const Running& r : running_) now = std::min(now, r.end_s);
      // A backfill pass skipped at an earlier event runs at its interval even without an event.
      if (backfill_due_ > 0) now = std::min(now, backfill_due_);
      ChargeUsage(now);
      FinishJobsEndingAt(now);
      while (next_arrival < limit && workload_.jobs[next_arrival].submit_s == now) {
        pending_.push_back(ToCoreJob(workload_.jobs[next_arrival]));
        pending_index_.push_back(next_arrival);
        ++next_arrival;
      }
      Schedule(now);
      Sample(now);
    }
    result_.never_started = static_cast<int64_t>(pending_.size());
    result_.nodes = workload_.nodes;
    result_.final_accounts =
        core::ComputeAccountContext(tree_, &ledger_, options_.config.fair_share);
    for (const core::Account& a : cluster_.accounts) {
      result_.account_shares.emplace_back(a.name.str(), a.shares);
    }
    return std::move(result_);
  }

 private:
  void Sample(int64_t now) {
    double busy = 0;
    for (const core::Job& j : cluster_.running) {
      double per = gpus_ ? static_cast<double>(j.per_node.gpus)
                         : static_cast<double>(j.per_node.cpu_millis) / 1000.0;
      busy += per * j.node_count;
    }
    result_.samples.push_back({now, static_cast<int64_t>(pending_.size()), busy});
  }

  // Adds the usage of every running job since the ledger's last update, decayed, up to `now`.
  void ChargeUsage(int64_t now) {
    std::vector<core::UsageCharge> charges;
    int64_t last = ledger_.last_update().time_since_epoch().count();
    for (size_t i = 0; i < running_.size(); ++i) {
      const core::Job& j = cluster_.running[i];
      int64_t from = std::max(last, running_[i].start_s);
      int64_t to = std::min(now, running_[i].end_s);
      if (to <= from) continue;
      double billing =
          core::BillingOf(j.per_node, j.node_count, options_.config.fair_share.billing);
      charges.push_back({j.account, j.user, billing, 1.0, Seconds(to - from)});
    }
    ledger_.Advance(At(now), options_.config.fair_share.decay_half_life, *tree_, charges);
  }

  void FinishJobsEndingAt(int64_t now) {
    size_t kept = 0;
    for (size_t i = 0; i < running_.size(); ++i) {
      if (running_[i].end_s <= now) {
        const SimJob& s = workload_.jobs[running_[i].workload_index];
        result_.jobs.push_back({s.id, s.account, s.user, s.submit_s, running_[i].start_s,
                                running_[i].end_s, s.run_s, s.nodes, s.per_node});
        history_.Record(cluster_.running[i].user, Seconds(running_[i].end_s - running_[i].start_s));
        continue;
      }
      if (kept != i) {
        running_[kept] = running_[i];
        cluster_.running[kept] = std::move(cluster_.running[i]);
      }
      ++kept;
    }
    running_.resize(kept);
    cluster_.running.resize(kept);
  }

  // Main pass at every event; the backfill planner at most every backfill.interval, as Slurm's
  // separate backfill loop. A skipped planner pass is made up at the interval's end.
  void Schedule(int64_t now) {
    if (backfill_due_ > 0 && backfill_due_ <= now) backfill_due_ = 0;
    if (pending_.empty()) return;
    cycle_config_ = options_.config;
    if (options_.config.backfill.enabled) {
      int64_t interval = options_.config.backfill.interval.count();
      bool due = last_backfill_ < 0 || now - last_backfill_ >= interval;
      cycle_config_.backfill.enabled = due;
      if (due) {
        last_backfill_ = now;
      } else if (backfill_due_ == 0) {
        backfill_due_ = last_backfill_ + interval;
      }
    }
    // Fair share is recomputed at each priority pass (PriorityCalcPeriod), as Slurm does, on
    // the same passes the core computes ages at.
    const core::Timestamp pass =
        core::PriorityPassTime(At(now), options_.config.priority.calc_period);
    if (accounts_ == nullptr || pass != accounts_pass_) {
      accounts_ = core::ComputeAccountContext(tree_, &ledger_, options_.config.fair_share);
      accounts_pass_ = pass;
    }
    core::CycleInput in;
    in.now = At(now);
    in.cluster = &cluster_;
    in.pending = &pending_;
    in.config = &cycle_config_;
    in.usage = &ledger_;
    in.accounts = accounts_;
    in.history = &history_;
    core::CycleResult decisions = core::RunCycle(in);
    ++result_.cycles;
    if (decisions.started.empty()) return;
    std::vector<bool> started(pending_.size(), false);
    for (const core::StartDecision& d : decisions.started) {
      started[d.pending_index] = true;
      core::Job job = pending_[d.pending_index];
      job.state = core::JobState::kRunning;
      job.start_time = At(now);
      job.allocated_nodes = d.nodes;
      job.running_partition = d.partition;
      size_t index = pending_index_[d.pending_index];
      running_.push_back({index, now, now + workload_.jobs[index].run_s});
      cluster_.running.push_back(std::move(job));
    }
    size_t kept = 0;
    for (size_t i = 0; i < pending_.size(); ++i) {
      if (started[i]) continue;
      if (kept != i) {
        pending_[kept] = std::move(pending_[i]);
        pending_index_[kept] = pending_index_[i];
      }
      ++kept;
    }
    pending_.resize(kept);
    pending_index_.resize(kept);
  }

  const Workload& workload_;
  const SimOptions& options_;
  core::ClusterState cluster_;
  std::shared_ptr<const core::AccountTree> tree_;  // accounts never change during a replay
  core::UsageLedger ledger_;
  core::RuntimeHistory history_;  // run times of ended jobs, in end order (as the operator's)
  std::vector<core::Job> pending_;
  std::vector<size_t> pending_index_;  // workload index of each pending job
  std::vector<Running> running_;       // parallel to cluster_.running
  core::SchedulerConfig cycle_config_;
  std::shared_ptr<const core::AccountContext> accounts_;
  core::Timestamp accounts_pass_{};  // the priority pass accounts_ was computed at
  bool gpus_ = false;                // measure busy resources in GPUs (else CPUs)
  int64_t last_backfill_ = -1;       // time of the last cycle with the planner
  int64_t backfill_due_ = 0;         // when a skipped planner pass is due (0: none)
  SimResult result_;
};

}  // namespace

StatusOr<SimResult> RunSimulation(const Workload& workload, const SimOptions& options) {
  Status valid = core::ValidateSchedulerConfig(options.config);
  if (!valid.ok()) return valid.WithContext("simulation settings");
  if (workload.nodes.empty()) return InvalidArgumentError("the simulated cluster has no nodes");
  Simulation sim(workload, options);
  return sim.Run();
}

}  // namespace fairway::sim
