#include "sandbox/autoscaler_sim.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/node_pool.h"
#include "api/tolerations.h"
#include "common/log.h"
#include "common/mutex.h"
#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

using nlohmann::json;

const Logger& Log() {
  static const Logger logger("sandbox.autoscaler");
  return logger;
}

struct Pool {
  std::string key;  // "PARTITION/POOL"
  api::NodePool spec;
  std::vector<core::Taint> taints;  // what its nodes carry
};

// A pool toleration that names a key and a hard effect stands for a taint of the pool's nodes.
std::vector<core::Taint> PoolTaints(const api::NodePool& pool) {
  std::vector<core::Taint> taints;
  for (const core::Toleration& t : pool.tolerations) {
    if (t.key.empty() || !t.effect.has_value() ||
        *t.effect == core::TaintEffect::kPreferNoSchedule) {
      continue;
    }
    taints.push_back({t.key, t.value, *t.effect});
  }
  return taints;
}

std::vector<Pool> PoolsOf(const json& partitions) {
  std::vector<Pool> pools;
  std::set<core::Labels> seen;  // a selector shared by several partitions is one node group
  for (const json& p : partitions.value("items", json::array())) {
    const json* list = internal::GetPath(p, {"spec", "nodePools"});
    if (list == nullptr) continue;
    auto decoded = api::NodePoolsFromJson(*list, "spec.nodePools");
    if (!decoded.ok()) continue;  // the webhook rejects these; nothing to scale
    for (api::NodePool& spec : *decoded) {
      if (!seen.insert(spec.node_selector).second) continue;
      Pool pool{internal::NameOf(p) + "/" + spec.name, std::move(spec), {}};
      pool.taints = PoolTaints(pool.spec);
      pools.push_back(std::move(pool));
    }
  }
  return pools;
}

core::Labels StringMap(const json* obj) {
  core::Labels out;
  if (obj == nullptr || !obj->is_object()) return out;
  for (const auto& [k, v] : obj->items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

bool Unschedulable(const json& pod) {
  const json* conditions = internal::GetPath(pod, {"status", "conditions"});
  if (conditions == nullptr || !conditions->is_array()) return false;
  return std::any_of(conditions->begin(), conditions->end(), [](const json& c) {
    return c.value("type", "") == "PodScheduled" && c.value("status", "") == "False" &&
           c.value("reason", "") == "Unschedulable";
  });
}

// True if `pod` is a signal a node of `pool` would take.
bool SignalsPool(const json& pod, const Pool& pool) {
  if (!internal::GetString(pod, {"spec", "nodeName"}).empty() ||
      internal::GetPath(pod, {"metadata", "deletionTimestamp"}) != nullptr || !Unschedulable(pod)) {
    return false;
  }
  const core::Labels selector = StringMap(internal::GetPath(pod, {"spec", "nodeSelector"}));
  if (!core::LabelsInclude(pool.spec.node_selector, selector)) return false;
  const json* list = internal::GetPath(pod, {"spec", "tolerations"});
  auto tolerations = list
                         ? api::TolerationsFromJson(*list, "spec.tolerations")
                         : StatusOr<std::vector<core::Toleration>>(std::vector<core::Toleration>{});
  return tolerations.ok() && core::ToleratesAllHardTaints(*tolerations, pool.taints);
}

// Nodes running a pod that has not ended.
std::set<std::string> BusyNodes(const json& pods) {
  std::set<std::string> busy;
  for (const json& p : pods.value("items", json::array())) {
    const std::string node = internal::GetString(p, {"spec", "nodeName"});
    const std::string phase = internal::GetString(p, {"status", "phase"});
    if (!node.empty() && phase != "Succeeded" && phase != "Failed") busy.insert(node);
  }
  return busy;
}

const char* EffectName(core::TaintEffect e) {
  return e == core::TaintEffect::kNoExecute ? "NoExecute" : "NoSchedule";
}

SimNodeSpec NodeOf(const Pool& pool, const std::string& name) {
  SimNodeSpec n;
  n.name = name;
  n.gpus = pool.spec.gpus_per_node;
  if (pool.spec.cpus_per_node) n.cpu_milli = *pool.spec.cpus_per_node * 1000;
  if (pool.spec.memory_per_node_bytes) n.memory_mib = *pool.spec.memory_per_node_bytes >> 20;
  n.labels = pool.spec.node_selector;  // over the simulated GPU labels
  for (const core::Taint& t : pool.taints) {
    n.taints.push_back({{"key", t.key}, {"value", t.value}, {"effect", EffectName(t.effect)}});
  }
  return n;
}

}  // namespace

class AutoscalerSimulator::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(ApiServer* api, KubeletSimulator* kubelet, Clock* clock, AutoscalerSimOptions options)
      : api_(api), kubelet_(kubelet), clock_(clock), options_(options) {}

  void Start() {
    MutexLock lock(&mu_);
    if (started_ || stopped_) return;
    started_ = true;
    ScheduleTick();
  }

  void Stop() {
    MutexLock lock(&mu_);
    stopped_ = true;
    if (timer_) timer_->Cancel();
  }

 private:
  struct Booting {
    std::string pool;  // Pool::key
    MonotonicTime ready_at;
  };

  void ScheduleTick() FAIRWAY_REQUIRES(mu_) {
    std::weak_ptr<Impl> weak = weak_from_this();
    timer_ = clock_->Schedule(options_.interval, [weak] {
      if (auto self = weak.lock()) self->Tick();
    });
  }

  void Tick() {
    MutexLock lock(&mu_);
    if (stopped_) return;
    Reconcile();
    ScheduleTick();
  }

  void Reconcile() FAIRWAY_REQUIRES(mu_) {
    Result<json> partitions = api_->Call("GET", "/apis/fairway.dev/v1alpha1/partitions");
    Result<json> nodes = api_->Call("GET", "/api/v1/nodes");
    Result<json> pods = api_->Call("GET", "/api/v1/pods");
    if (!partitions.ok() || !nodes.ok() || !pods.ok()) return;  // the next tick tries again
    const std::set<std::string> busy = BusyNodes(*pods);
    std::set<std::string> names;
    for (const json& n : nodes->value("items", json::array())) names.insert(internal::NameOf(n));
    for (const Pool& pool : PoolsOf(*partitions)) {
      std::vector<std::string> members;
      for (const json& n : nodes->value("items", json::array())) {
        if (api::InPool(pool.spec, StringMap(internal::GetPath(n, {"metadata", "labels"})))) {
          members.push_back(internal::NameOf(n));
        }
      }
      int64_t signals = 0;
      for (const json& p : pods->value("items", json::array())) signals += SignalsPool(p, pool);
      BootReady(pool, &members, &names);
      ScalePool(pool, members, busy, signals, &names);
    }
  }

  // Nodes whose boot delay has passed join the cluster.
  void BootReady(const Pool& pool, std::vector<std::string>* members, std::set<std::string>* names)
      FAIRWAY_REQUIRES(mu_) {
    const MonotonicTime now = clock_->Monotonic();
    for (auto it = booting_.begin(); it != booting_.end();) {
      if (it->second.pool != pool.key || it->second.ready_at > now) {
        ++it;
        continue;
      }
      Status s = kubelet_->AddNodes({NodeOf(pool, it->first)});
      if (!s.ok()) {
        FAIRWAY_LOG(Log(), kWarn, "node boot failed",
                    {{"node", it->first}, {"error", s.ToString()}});
        ++it;  // tried again next tick
        continue;
      }
      FAIRWAY_LOG(Log(), kInfo, "node joined", {{"node", it->first}, {"pool", pool.key}});
      members->push_back(it->first);
      names->insert(it->first);
      it = booting_.erase(it);
    }
  }

  void ScalePool(const Pool& pool, const std::vector<std::string>& members,
                 const std::set<std::string>& busy, int64_t signals, std::set<std::string>* names)
      FAIRWAY_REQUIRES(mu_) {
    const auto booting =
        static_cast<int64_t>(std::count_if(booting_.begin(), booting_.end(), [&](const auto& b) {
          return b.second.pool == pool.key;
        }));
    const auto idle = static_cast<int64_t>(std::count_if(
        members.begin(), members.end(), [&](const std::string& n) { return busy.count(n) == 0; }));
    const int64_t size = static_cast<int64_t>(members.size()) + booting;
    const int64_t unmet = std::max<int64_t>(0, signals - idle - booting);
    const int64_t add =
        std::min(pool.spec.max_nodes - size, std::max(unmet, pool.spec.min_nodes - size));
    for (int64_t i = 0; i < add; ++i) {
      std::string name;
      for (int64_t n = 0; name.empty() || names->count(name) > 0 || booting_.count(name) > 0; ++n) {
        name = pool.spec.name + "-dy-" + std::to_string(n);
      }
      booting_[name] = {pool.key, clock_->Monotonic() + options_.boot_delay};
      FAIRWAY_LOG(Log(), kInfo, "scale up", {{"node", name}, {"pool", pool.key}});
    }
    ScaleDown(pool, members, busy, signals > 0, size);
  }

  // Removes nodes idle for scaledown_idle, keeping minNodes; none while a signal asks for the
  // pool's nodes.
  void ScaleDown(const Pool& pool, const std::vector<std::string>& members,
                 const std::set<std::string>& busy, bool demanded, int64_t size)
      FAIRWAY_REQUIRES(mu_) {
    const MonotonicTime now = clock_->Monotonic();
    for (const std::string& node : members) {
      if (busy.count(node) > 0 || demanded) {
        idle_since_.erase(node);
        continue;
      }
      const MonotonicTime since = idle_since_.emplace(node, now).first->second;
      if (now - since < options_.scaledown_idle || size <= pool.spec.min_nodes) continue;
      Result<json> r = api_->Call("DELETE", "/api/v1/nodes/" + node);
      if (!r.ok()) {
        FAIRWAY_LOG(Log(), kWarn, "scale down failed",
                    {{"node", node}, {"error", r.error().message()}});
        continue;
      }
      FAIRWAY_LOG(Log(), kInfo, "scale down", {{"node", node}, {"pool", pool.key}});
      idle_since_.erase(node);
      --size;
    }
  }

  ApiServer* const api_;
  KubeletSimulator* const kubelet_;
  Clock* const clock_;
  const AutoscalerSimOptions options_;
  Mutex mu_;
  bool started_ FAIRWAY_GUARDED_BY(mu_) = false;
  bool stopped_ FAIRWAY_GUARDED_BY(mu_) = false;
  std::unique_ptr<TimerHandle> timer_ FAIRWAY_GUARDED_BY(mu_);
  std::map<std::string, Booting> booting_ FAIRWAY_GUARDED_BY(mu_);  // by node name
  std::map<std::string, MonotonicTime> idle_since_ FAIRWAY_GUARDED_BY(mu_);
};

AutoscalerSimulator::AutoscalerSimulator(ApiServer* api, KubeletSimulator* kubelet, Clock* clock,
                                         AutoscalerSimOptions options)
    : impl_(std::make_shared<Impl>(api, kubelet, clock, options)) {}

AutoscalerSimulator::~AutoscalerSimulator() { Stop(); }

void AutoscalerSimulator::Start() { impl_->Start(); }
void AutoscalerSimulator::Stop() { impl_->Stop(); }

}  // namespace fairway::sandbox
