// Fluent builders for core model objects in tests (after kueue's testing wrappers):
//   Job j = JobBuilder("a").Gpus(8).Partition("gpu").Account("physics").Build();
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/model.h"

namespace fairway::testing {

inline core::Timestamp T(int64_t seconds) { return core::Timestamp(core::Seconds(seconds)); }
constexpr int64_t kGiB = 1024LL * 1024 * 1024;

class NodeBuilder {
 public:
  explicit NodeBuilder(std::string name) {
    n_.name = core::NodeName(std::move(name));
    n_.allocatable = {64000, 512 * kGiB, 8};
    n_.gpu_type = "a100";
  }
  NodeBuilder& Gpus(int64_t g) {
    n_.allocatable.gpus = g;
    return *this;
  }
  NodeBuilder& Cpu(int64_t millis) {
    n_.allocatable.cpu_millis = millis;
    return *this;
  }
  NodeBuilder& MemoryGiB(int64_t g) {
    n_.allocatable.memory_bytes = g * kGiB;
    return *this;
  }
  NodeBuilder& GpuType(std::string t) {
    n_.gpu_type = std::move(t);
    return *this;
  }
  NodeBuilder& Label(std::string k, std::string v) {
    n_.labels[k] = v;
    return *this;
  }
  NodeBuilder& Taint(std::string k, std::string v,
                     core::TaintEffect e = core::TaintEffect::kNoSchedule) {
    n_.taints.push_back({std::move(k), std::move(v), e});
    return *this;
  }
  NodeBuilder& NotReady() {
    n_.ready = false;
    return *this;
  }
  NodeBuilder& Cordoned() {
    n_.unschedulable = true;
    return *this;
  }
  NodeBuilder& UsedByOthers(core::Resources r) {
    n_.used_by_other_pods = r;
    return *this;
  }
  core::Node Build() const { return n_; }

 private:
  core::Node n_;
};

class PartitionBuilder {
 public:
  explicit PartitionBuilder(std::string name) { p_.name = core::PartitionName(std::move(name)); }
  PartitionBuilder& Default() {
    p_.is_default = true;
    return *this;
  }
  PartitionBuilder& Nodes(std::vector<std::string> names) {
    for (auto& n : names) p_.node_names.emplace_back(n);
    return *this;
  }
  PartitionBuilder& Selector(std::string k, std::string v) {
    p_.node_selector.match_labels[k] = v;
    return *this;
  }
  PartitionBuilder& State(core::PartitionState s) {
    p_.state = s;
    return *this;
  }
  PartitionBuilder& MaxTime(int64_t s) {
    p_.max_time = core::Seconds(s);
    return *this;
  }
  PartitionBuilder& DefaultTime(int64_t s) {
    p_.default_time = core::Seconds(s);
    return *this;
  }
  PartitionBuilder& MaxNodes(int32_t n) {
    p_.max_nodes = n;
    return *this;
  }
  PartitionBuilder& AllowAccounts(std::vector<std::string> a) {
    for (auto& x : a) p_.allow_accounts.emplace_back(x);
    return *this;
  }
  PartitionBuilder& DenyAccounts(std::vector<std::string> a) {
    for (auto& x : a) p_.deny_accounts.emplace_back(x);
    return *this;
  }
  PartitionBuilder& AllowGroups(std::vector<std::string> g) {
    for (auto& x : g) p_.allow_groups.emplace_back(x);
    return *this;
  }
  PartitionBuilder& AllowQos(std::vector<std::string> q) {
    for (auto& x : q) p_.allow_qos.emplace_back(x);
    return *this;
  }
  PartitionBuilder& JobFactor(uint32_t f) {
    p_.priority_job_factor = f;
    return *this;
  }
  PartitionBuilder& Tier(uint32_t t) {
    p_.priority_tier = t;
    return *this;
  }
  core::Partition Build() const { return p_; }

 private:
  core::Partition p_;
};

class AccountBuilder {
 public:
  explicit AccountBuilder(std::string name) { a_.name = core::AccountName(std::move(name)); }
  AccountBuilder& Parent(std::string p) {
    a_.parent = core::AccountName(std::move(p));
    return *this;
  }
  AccountBuilder& Shares(uint32_t s) {
    a_.shares = s;
    return *this;
  }
  AccountBuilder& User(std::string u, uint32_t shares = 1) {
    return Member(std::move(u), shares, false, {});
  }
  AccountBuilder& ParentUser(std::string u) { return Member(std::move(u), 1, true, {}); }
  // A member user with limits of its own (a user association's MaxJobs, MaxSubmitJobs, GrpTRES).
  AccountBuilder& UserWithLimits(std::string u, core::UserLimits limits) {
    return Member(std::move(u), 1, false, limits);
  }
  AccountBuilder& Group(std::string g) {
    a_.groups.emplace_back(std::move(g));
    return *this;
  }
  AccountBuilder& GrpGpus(int64_t n) {
    a_.limits.grp_gpus = n;
    return *this;
  }
  AccountBuilder& GrpJobs(int64_t n) {
    a_.limits.grp_jobs = n;
    return *this;
  }
  AccountBuilder& GrpSubmitJobs(int64_t n) {
    a_.limits.grp_submit_jobs = n;
    return *this;
  }
  AccountBuilder& MaxJobsPerUser(int64_t n) {
    a_.limits.max_jobs_per_user = n;
    return *this;
  }
  AccountBuilder& MaxSubmitJobsPerUser(int64_t n) {
    a_.limits.max_submit_jobs_per_user = n;
    return *this;
  }
  AccountBuilder& MaxGpusPerUser(int64_t n) {
    a_.limits.max_gpus_per_user = n;
    return *this;
  }
  AccountBuilder& MaxWall(int64_t s) {
    a_.limits.max_wall = core::Seconds(s);
    return *this;
  }
  AccountBuilder& DefaultQos(std::string q) {
    a_.default_qos = core::QosName(std::move(q));
    return *this;
  }
  AccountBuilder& AllowedQos(std::vector<std::string> q) {
    for (auto& x : q) a_.allowed_qos.emplace_back(x);
    return *this;
  }
  core::Account Build() const { return a_; }

 private:
  AccountBuilder& Member(std::string name, uint32_t shares, bool parent, core::UserLimits limits) {
    core::AccountUser u;
    u.name = core::UserName(std::move(name));
    u.shares = shares;
    u.shares_parent = parent;
    u.limits = limits;
    a_.users.push_back(std::move(u));
    return *this;
  }

  core::Account a_;
};

class QosBuilder {
 public:
  explicit QosBuilder(std::string name) { q_.name = core::QosName(std::move(name)); }
  QosBuilder& Priority(uint32_t p) {
    q_.priority = p;
    return *this;
  }
  QosBuilder& GrpGpus(int64_t n) {
    q_.limits.grp_gpus = n;
    return *this;
  }
  QosBuilder& GrpJobs(int64_t n) {
    q_.limits.grp_jobs = n;
    return *this;
  }
  QosBuilder& GrpSubmitJobs(int64_t n) {
    q_.limits.grp_submit_jobs = n;
    return *this;
  }
  QosBuilder& MaxJobsPerUser(int64_t n) {
    q_.limits.max_jobs_per_user = n;
    return *this;
  }
  QosBuilder& MaxSubmitJobsPerUser(int64_t n) {
    q_.limits.max_submit_jobs_per_user = n;
    return *this;
  }
  QosBuilder& MaxGpusPerUser(int64_t n) {
    q_.limits.max_gpus_per_user = n;
    return *this;
  }
  QosBuilder& MaxWall(int64_t s) {
    q_.limits.max_wall = core::Seconds(s);
    return *this;
  }
  QosBuilder& UsageFactor(double f) {
    q_.usage_factor = f;
    return *this;
  }
  core::Qos Build() const { return q_; }

 private:
  core::Qos q_;
};

class JobBuilder {
 public:
  explicit JobBuilder(std::string name) {
    j_.key = "default/" + name;
    j_.name = std::move(name);
    j_.user = core::UserName("alice");
    j_.account = core::AccountName("research");
    j_.per_node = {1000, kGiB, 1};
  }
  JobBuilder& Id(uint64_t id) {
    j_.id.value = id;
    return *this;
  }
  JobBuilder& User(std::string u) {
    j_.user = core::UserName(std::move(u));
    return *this;
  }
  JobBuilder& Group(std::string g) {
    j_.groups.emplace_back(std::move(g));
    return *this;
  }
  JobBuilder& Account(std::string a) {
    j_.account = core::AccountName(std::move(a));
    return *this;
  }
  JobBuilder& Qos(std::string q) {
    j_.qos = core::QosName(std::move(q));
    return *this;
  }
  JobBuilder& Partition(std::string p) {
    j_.partitions.emplace_back(std::move(p));
    return *this;
  }
  JobBuilder& Nodes(int32_t n) {
    j_.node_count = n;
    return *this;
  }
  JobBuilder& Gpus(int64_t g) {
    j_.per_node.gpus = g;
    return *this;
  }
  JobBuilder& Cpu(int64_t millis) {
    j_.per_node.cpu_millis = millis;
    return *this;
  }
  JobBuilder& MemoryGiB(int64_t g) {
    j_.per_node.memory_bytes = g * kGiB;
    return *this;
  }
  JobBuilder& GpuType(std::string t) {
    j_.gpu_type = std::move(t);
    return *this;
  }
  JobBuilder& Constraint(std::string k, std::string v) {
    j_.constraint[k] = v;
    return *this;
  }
  JobBuilder& Tolerate(std::string k, std::string v) {
    j_.tolerations.push_back({std::move(k), core::Toleration::Operator::kEqual, std::move(v), {}});
    return *this;
  }
  JobBuilder& Exclusive() {
    j_.exclusive = true;
    return *this;
  }
  JobBuilder& TimeLimit(int64_t s) {
    j_.time_limit = core::Seconds(s);
    return *this;
  }
  JobBuilder& Submit(int64_t s) {
    j_.submit_time = T(s);
    return *this;
  }
  JobBuilder& Begin(int64_t s) {
    j_.begin_time = T(s);
    return *this;
  }
  JobBuilder& Eligible(int64_t s) {
    j_.eligible_time = T(s);
    return *this;
  }
  JobBuilder& Nice(int64_t n) {
    j_.nice = n;
    return *this;
  }
  JobBuilder& Hold(core::HoldKind h = core::HoldKind::kUser) {
    j_.hold = h;
    return *this;
  }
  JobBuilder& Running(int64_t start, std::vector<std::string> nodes, std::string partition = "") {
    j_.state = core::JobState::kRunning;
    j_.start_time = T(start);
    for (auto& n : nodes) j_.allocated_nodes.emplace_back(n);
    j_.running_partition = core::PartitionName(std::move(partition));
    return *this;
  }
  core::Job Build() const { return j_; }

 private:
  core::Job j_;
};

}  // namespace fairway::testing
