#include "sandbox/kubelet_sim.h"

#include <cmath>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include "common/log.h"
#include "common/status_macros.h"
#include "sandbox/internal/quantity.h"
#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

using internal::FormatTime;
using internal::GetPath;
using internal::GetString;

const Logger& Log() {
  static const Logger logger("sandbox.kubelet");
  return logger;
}

constexpr char kGpu[] = "nvidia.com/gpu";
constexpr char kDurationAnnotation[] = "fairway.dev/sim-duration";
constexpr char kExitCodeAnnotation[] = "fairway.dev/sim-exit-code";

std::string CpuQuantity(int64_t milli) {
  return milli % 1000 == 0 ? std::to_string(milli / 1000) : std::to_string(milli) + "m";
}

nlohmann::json NodeObject(const SimNodeSpec& n, size_t index, const std::string& now) {
  nlohmann::json labels = {{"kubernetes.io/hostname", n.name},
                           {"kubernetes.io/os", "linux"},
                           {"kubernetes.io/arch", "amd64"},
                           {"node.kubernetes.io/instance-type", "fairway-sim"},
                           {"fairway.dev/simulated", "true"}};
  if (n.gpus > 0) {
    labels["nvidia.com/gpu.present"] = "true";
    labels["nvidia.com/gpu.count"] = std::to_string(n.gpus);
    if (!n.gpu_type.empty()) {
      labels["nvidia.com/gpu.product"] = n.gpu_type;
      labels["fairway.dev/gpu-type"] = n.gpu_type;
    }
  }
  for (const auto& [k, v] : n.labels) labels[k] = v;
  nlohmann::json capacity = {{"cpu", CpuQuantity(n.cpu_milli)},
                             {"memory", std::to_string(n.memory_mib) + "Mi"},
                             {"pods", std::to_string(n.max_pods)},
                             {"ephemeral-storage", "1Ti"}};
  if (n.gpus > 0) capacity[kGpu] = std::to_string(n.gpus);
  nlohmann::json taints = nlohmann::json::array();
  for (const auto& t : n.taints) taints.push_back(t);
  nlohmann::json spec = nlohmann::json::object();
  if (!taints.empty()) spec["taints"] = taints;
  char ip[32];
  std::snprintf(ip, sizeof(ip), "10.%zu.%zu.%zu", (index >> 16) & 0xff, (index >> 8) & 0xff,
                index & 0xff);
  auto cond = [&](const char* type, const char* status, const char* reason, const char* msg) {
    return nlohmann::json{
        {"type", type},   {"status", status},         {"reason", reason},
        {"message", msg}, {"lastHeartbeatTime", now}, {"lastTransitionTime", now}};
  };
  return {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", {{"name", n.name}, {"labels", labels}}},
      {"spec", spec},
      {"status",
       {{"capacity", capacity},
        {"allocatable", capacity},
        {"conditions",
         {cond("MemoryPressure", "False", "KubeletHasSufficientMemory",
               "kubelet has sufficient memory available"),
          cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
          cond("PIDPressure", "False", "KubeletHasSufficientPID",
               "kubelet has sufficient PID available"),
          cond("Ready", "True", "KubeletReady", "kubelet is posting ready status")}},
        {"addresses",
         {{{"type", "InternalIP"}, {"address", ip}}, {{"type", "Hostname"}, {"address", n.name}}}},
        {"nodeInfo",
         {{"kubeletVersion", "v1.32.0-fairway-sim"},
          {"kubeProxyVersion", "v1.32.0-fairway-sim"},
          {"containerRuntimeVersion", "fairway-sim://1.0"},
          {"operatingSystem", "linux"},
          {"architecture", "amd64"},
          {"osImage", "Fairway simulated node"},
          {"kernelVersion", "6.1.0"},
          {"machineID", n.name},
          {"systemUUID", n.name},
          {"bootID", n.name}}}}}};
}

// GPUs a pod requests (max of init containers vs sum of containers).
int64_t PodGpus(const nlohmann::json& pod) {
  auto sum = [&](const char* list, bool max_instead) {
    int64_t total = 0;
    const nlohmann::json* cs = GetPath(pod, {"spec", list});
    if (cs == nullptr || !cs->is_array()) return total;
    for (const auto& c : *cs) {
      const nlohmann::json* q = GetPath(c, {"resources", "requests", kGpu});
      if (q == nullptr) q = GetPath(c, {"resources", "limits", kGpu});
      if (q == nullptr) continue;
      int64_t v = static_cast<int64_t>(internal::ParseQuantity(*q).value_or(0));
      total = max_instead ? std::max(total, v) : total + v;
    }
    return total;
  };
  return std::max(sum("containers", false), sum("initContainers", true));
}

// The run time of a pod: the annotation, else `sleep N` in the first container.
std::optional<double> PodDuration(const nlohmann::json& pod) {
  std::string ann = GetString(pod, {"metadata", "annotations", kDurationAnnotation});
  if (!ann.empty()) {
    try {
      return std::stod(ann);
    } catch (...) {
      return std::nullopt;
    }
  }
  const nlohmann::json* cs = GetPath(pod, {"spec", "containers"});
  if (cs == nullptr || !cs->is_array() || cs->empty()) return std::nullopt;
  std::string words;
  for (const char* f : {"command", "args"}) {
    if (const auto* v = GetPath((*cs)[0], {f}); v && v->is_array()) {
      for (const auto& w : *v) {
        if (w.is_string()) words += " " + w.get<std::string>();
      }
    }
  }
  std::istringstream in(words);
  std::string w;
  while (in >> w) {
    if (w == "sleep" || (w.size() > 6 && w.substr(w.size() - 6) == "/sleep")) {
      std::string n;
      if (in >> n) {
        try {
          return std::stod(n);
        } catch (...) {
          return std::nullopt;
        }
      }
    }
  }
  return std::nullopt;
}

std::string PodPath(const std::string& ns, const std::string& name) {
  return "/api/v1/namespaces/" + ns + "/pods/" + name;
}

}  // namespace

std::vector<SimNodeSpec> UniformSimNodes(int count, int64_t gpus, const std::string& gpu_type,
                                         const std::string& prefix) {
  std::vector<SimNodeSpec> out;
  for (int i = 0; i < count; ++i) {
    SimNodeSpec n;
    n.name = prefix + std::to_string(i);
    n.gpus = gpus;
    n.gpu_type = gpu_type;
    n.cpu_milli = std::max<int64_t>(8, gpus * 8) * 1000;
    n.memory_mib = std::max<int64_t>(64, gpus * 64) * 1024;
    out.push_back(n);
  }
  return out;
}

class KubeletSimulator::Impl : public std::enable_shared_from_this<KubeletSimulator::Impl> {
 public:
  Impl(ApiServer* api, Clock* clock, Options options)
      : api_(api), clock_(clock), options_(options) {}

  struct PodTrack {
    std::string ns;
    std::string name;
    std::string node;
    std::string phase;  // what the simulator last wrote ("" = not started); set with SetPhase
    int64_t gpus = 0;
    int exit_code = 0;  // fairway.dev/sim-exit-code, read when the pod starts
    bool deleting = false;
    std::unique_ptr<TimerHandle> timer;         // start or finish
    std::unique_ptr<TimerHandle> delete_timer;  // graceful deletion
  };

  // Runs fn under mu_ unless stopped.
  template <typename Fn>
  void Guarded(Fn fn) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    fn();
  }

  std::unique_ptr<TimerHandle> After(Duration d, std::function<void()> fn) {
    std::weak_ptr<Impl> weak = shared_from_this();
    return clock_->Schedule(d, [weak, fn = std::move(fn)] {
      if (auto self = weak.lock()) self->Guarded(fn);
    });
  }

  Status Start() {
    std::lock_guard<std::mutex> lock(mu_);
    if (watcher_ || stopped_) return OkStatus();
    Result<std::shared_ptr<StoreWatcher>> w = api_->store().Watch("/pods", "", std::nullopt);
    if (!w.ok()) return w.error().ToStatus();
    watcher_ = std::move(w).value();
    std::weak_ptr<Impl> weak = shared_from_this();
    watcher_->SetWakeup([weak] {
      if (auto self = weak.lock()) self->ScheduleDrain();
    });
    ScheduleDrain();
    return OkStatus();
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [uid, p] : pods_) {
      if (p.timer) p.timer->Cancel();
      if (p.delete_timer) p.delete_timer->Cancel();
    }
    pods_.clear();
    running_gpus_.clear();
    if (watcher_) {
      watcher_->SetWakeup(nullptr);
      api_->store().StopWatch(*watcher_);
    }
    std::lock_guard<std::mutex> dlock(drain_mu_);
    if (drain_timer_) drain_timer_->Cancel();
  }

  void ScheduleDrain() {
    std::lock_guard<std::mutex> lock(drain_mu_);
    if (drain_scheduled_) return;
    drain_scheduled_ = true;
    std::weak_ptr<Impl> weak = shared_from_this();
    drain_timer_ = clock_->Schedule(Duration::zero(), [weak] {
      if (auto self = weak.lock()) {
        {
          std::lock_guard<std::mutex> dl(self->drain_mu_);
          self->drain_scheduled_ = false;
        }
        self->Guarded([&] { self->Drain(); });
      }
    });
  }

  // REQUIRES: mu_ held.
  void Drain() {
    if (!watcher_) return;
    std::vector<StoreEvent> events;
    bool closed = false;
    api_->store().Drain(*watcher_, &events, &closed);
    for (const StoreEvent& e : events) OnPod(*e.object, e.type == EventType::kDeleted);
  }

  // REQUIRES: mu_ held.
  void OnPod(const nlohmann::json& pod, bool deleted) {
    std::string uid = GetString(pod, {"metadata", "uid"});
    if (deleted) {
      auto it = pods_.find(uid);
      if (it != pods_.end()) {
        if (it->second.timer) it->second.timer->Cancel();
        if (it->second.delete_timer) it->second.delete_timer->Cancel();
        SetPhase(it->second, "");  // its GPUs are free
        pods_.erase(it);
      }
      return;
    }
    std::string node = GetString(pod, {"spec", "nodeName"});
    if (node.empty() || nodes_.count(node) == 0) return;
    std::string phase = GetString(pod, {"status", "phase"});
    auto it = pods_.find(uid);
    if (it == pods_.end()) {
      PodTrack t;
      t.ns = internal::NamespaceOf(pod);
      t.name = internal::NameOf(pod);
      t.node = node;
      t.gpus = PodGpus(pod);
      it = pods_.emplace(uid, std::move(t)).first;
      SetPhase(it->second, phase == "Pending" ? "" : phase);
      if (phase == "Pending" && GetString(pod, {"metadata", "deletionTimestamp"}).empty()) {
        if (failed_nodes_.count(node) > 0) {
          FailPod(
              uid, "NodeLost",
              "Node " + node + " which was running pod " + it->second.name + " is unresponsive");
        } else {
          it->second.timer = After(options_.start_delay, [this, uid] { StartPod(uid); });
        }
      }
    }
    PodTrack& t = it->second;
    std::string deletion = GetString(pod, {"metadata", "deletionTimestamp"});
    if (!deletion.empty() && !t.deleting) {
      t.deleting = true;
      if (t.timer) t.timer->Cancel();
      Duration wait = Duration::zero();
      if (auto when = internal::ParseTime(deletion); when && *when > clock_->Now()) {
        wait = std::chrono::duration_cast<Duration>(*when - clock_->Now());
      }
      // Containers stop at once in the simulation; the deletion finishes at the deadline.
      t.delete_timer = After(std::min<Duration>(wait, std::chrono::seconds(2)),
                             [this, uid] { CompleteDeletion(uid); });
    }
  }

  // Records the phase the simulator last wrote for a pod, keeping running_gpus_ in step: a pod
  // start then costs a lookup instead of a walk over every pod seen (quadratic over a run).
  // REQUIRES: mu_ held.
  void SetPhase(PodTrack& t, const std::string& phase) {
    if (t.phase == "Running") running_gpus_[t.node] -= t.gpus;
    if (phase == "Running") running_gpus_[t.node] += t.gpus;
    t.phase = phase;
  }

  // REQUIRES: mu_ held.
  int64_t GpusInUse(const std::string& node) const {
    auto it = running_gpus_.find(node);
    return it == running_gpus_.end() ? 0 : it->second;
  }

  Status PatchStatus(const PodTrack& t, const std::string& uid, nlohmann::json status) {
    nlohmann::json patch = {{"metadata", {{"uid", uid}}}, {"status", std::move(status)}};
    Result<nlohmann::json> r = api_->Call("PATCH", PodPath(t.ns, t.name) + "/status", patch,
                                          "application/merge-patch+json");
    if (!r.ok()) {
      FAIRWAY_LOG(Log(), kWarn, "pod status update failed",
                  {{"pod", t.ns + "/" + t.name}, {"error", r.error().message()}});
      return r.error().ToStatus();
    }
    return OkStatus();
  }

  // REQUIRES: mu_ held.
  void StartPod(const std::string& uid) {
    auto it = pods_.find(uid);
    if (it == pods_.end() || it->second.deleting) return;
    PodTrack& t = it->second;
    const SimNodeSpec& node = nodes_[t.node];
    if (GpusInUse(t.node) + t.gpus > node.gpus) {
      FailPod(uid, std::string("OutOf") + kGpu,
              "Pod was rejected: Node didn't have enough resource: " + std::string(kGpu) +
                  ", requested: " + std::to_string(t.gpus) + ", used: " +
                  std::to_string(GpusInUse(t.node)) + ", capacity: " + std::to_string(node.gpus));
      return;
    }
    Result<nlohmann::json> pod = api_->Call("GET", PodPath(t.ns, t.name));
    if (!pod.ok()) return;
    std::string now = FormatTime(clock_->Now());
    nlohmann::json statuses = nlohmann::json::array();
    if (const auto* cs = GetPath(*pod, {"spec", "containers"}); cs && cs->is_array()) {
      for (const auto& c : *cs) {
        statuses.push_back({{"name", c.value("name", "")},
                            {"image", c.value("image", "")},
                            {"imageID", ""},
                            {"containerID", "fairway-sim://" + uid},
                            {"ready", true},
                            {"started", true},
                            {"restartCount", 0},
                            {"state", {{"running", {{"startedAt", now}}}}}});
      }
    }
    auto cond = [&](const char* type, const char* status) {
      return nlohmann::json{{"type", type},
                            {"status", status},
                            {"lastProbeTime", nullptr},
                            {"lastTransitionTime", now}};
    };
    nlohmann::json status = {
        {"phase", "Running"},
        {"startTime", now},
        {"hostIP", "10.0.0.1"},
        {"podIP", "10.244.0.1"},
        {"conditions",
         {cond("PodReadyToStartContainers", "True"), cond("Initialized", "True"),
          cond("Ready", "True"), cond("ContainersReady", "True"), cond("PodScheduled", "True")}},
        {"containerStatuses", statuses}};
    if (!PatchStatus(t, uid, status).ok()) return;
    SetPhase(t, "Running");
    std::optional<double> duration = PodDuration(*pod);
    if (duration.has_value()) {
      auto d = std::chrono::duration_cast<Duration>(
          std::chrono::duration<double>(std::max(0.0, *duration)));
      std::string exit = GetString(*pod, {"metadata", "annotations", kExitCodeAnnotation});
      t.timer = After(d, [this, uid] { FinishPod(uid); });
      t.exit_code = exit.empty() ? 0 : std::atoi(exit.c_str());
    }
  }

  // REQUIRES: mu_ held.
  void FinishPod(const std::string& uid) {
    auto it = pods_.find(uid);
    if (it == pods_.end() || it->second.deleting || it->second.phase != "Running") return;
    PodTrack& t = it->second;
    const int code = t.exit_code;
    Result<nlohmann::json> pod = api_->Call("GET", PodPath(t.ns, t.name));
    if (!pod.ok()) return;
    std::string now = FormatTime(clock_->Now());
    nlohmann::json statuses = nlohmann::json::array();
    if (const auto* cs = GetPath(*pod, {"status", "containerStatuses"}); cs && cs->is_array()) {
      for (auto c : *cs) {
        std::string started = GetString(c, {"state", "running", "startedAt"});
        c["ready"] = false;
        c["started"] = false;
        c["state"] = {{"terminated",
                       {{"exitCode", code},
                        {"reason", code == 0 ? "Completed" : "Error"},
                        {"startedAt", started},
                        {"finishedAt", now},
                        {"containerID", "fairway-sim://" + uid}}}};
        statuses.push_back(c);
      }
    }
    nlohmann::json conditions = nlohmann::json::array();
    if (const auto* cs = GetPath(*pod, {"status", "conditions"}); cs && cs->is_array()) {
      for (auto c : *cs) {
        std::string type = c.value("type", "");
        if (type == "Ready" || type == "ContainersReady" || type == "PodReadyToStartContainers") {
          c["status"] = "False";
          c["reason"] = "PodCompleted";
          c["lastTransitionTime"] = now;
        }
        conditions.push_back(c);
      }
    }
    std::string phase = code == 0 ? "Succeeded" : "Failed";
    if (PatchStatus(t, uid,
                    {{"phase", phase}, {"conditions", conditions}, {"containerStatuses", statuses}})
            .ok()) {
      SetPhase(t, phase);
    }
  }

  // REQUIRES: mu_ held.
  void FailPod(const std::string& uid, const std::string& reason, const std::string& message) {
    auto it = pods_.find(uid);
    if (it == pods_.end()) return;
    PodTrack& t = it->second;
    if (t.timer) t.timer->Cancel();
    if (PatchStatus(t, uid, {{"phase", "Failed"}, {"reason", reason}, {"message", message}}).ok()) {
      SetPhase(t, "Failed");
    }
  }

  // REQUIRES: mu_ held.
  void CompleteDeletion(const std::string& uid) {
    auto it = pods_.find(uid);
    if (it == pods_.end()) return;
    nlohmann::json opts = {{"apiVersion", "v1"},
                           {"kind", "DeleteOptions"},
                           {"gracePeriodSeconds", 0},
                           {"preconditions", {{"uid", uid}}}};
    Result<nlohmann::json> r = api_->Call("DELETE", PodPath(it->second.ns, it->second.name), opts);
    if (!r.ok() && r.error().code() != 404) {
      FAIRWAY_LOG(Log(), kWarn, "graceful deletion failed", {{"error", r.error().message()}});
    }
  }

  Status AddNodes(const std::vector<SimNodeSpec>& nodes) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string now = FormatTime(clock_->Now());
    for (const SimNodeSpec& n : nodes) {
      nlohmann::json obj = NodeObject(n, nodes_.size() + 1, now);
      Result<nlohmann::json> r = api_->Apply(obj);
      if (!r.ok()) return r.error().ToStatus().WithContext("creating node " + n.name);
      nodes_[n.name] = n;
    }
    return OkStatus();
  }

  Status SetNodeReady(const std::string& name, bool ready) {
    if (nodes_.count(name) == 0) return NotFoundError("no simulated node \"" + name + "\"");
    std::string path = "/api/v1/nodes/" + name;
    Result<nlohmann::json> node = api_->Call("GET", path);
    if (!node.ok()) return node.error().ToStatus();
    std::string now = FormatTime(clock_->Now());
    nlohmann::json conditions = nlohmann::json::array();
    if (const auto* cs = GetPath(*node, {"status", "conditions"}); cs && cs->is_array()) {
      for (auto c : *cs) {
        if (c.value("type", "") == "Ready") {
          c["status"] = ready ? "True" : "Unknown";
          c["reason"] = ready ? "KubeletReady" : "NodeStatusUnknown";
          c["message"] =
              ready ? "kubelet is posting ready status" : "Kubelet stopped posting node status.";
          c["lastTransitionTime"] = now;
          c["lastHeartbeatTime"] = now;
        }
        conditions.push_back(c);
      }
    }
    Result<nlohmann::json> st =
        api_->Call("PATCH", path + "/status", {{"status", {{"conditions", conditions}}}},
                   "application/merge-patch+json");
    if (!st.ok()) return st.error().ToStatus();
    nlohmann::json taints = nlohmann::json::array();
    if (const auto* ts = GetPath(*node, {"spec", "taints"}); ts && ts->is_array()) {
      for (const auto& t : *ts) {
        if (t.value("key", "") != "node.kubernetes.io/unreachable") taints.push_back(t);
      }
    }
    if (!ready) {
      taints.push_back({{"key", "node.kubernetes.io/unreachable"},
                        {"effect", "NoSchedule"},
                        {"timeAdded", now}});
      taints.push_back(
          {{"key", "node.kubernetes.io/unreachable"}, {"effect", "NoExecute"}, {"timeAdded", now}});
    }
    Result<nlohmann::json> sp = api_->Call(
        "PATCH", path, {{"spec", {{"taints", taints.empty() ? nlohmann::json() : taints}}}},
        "application/merge-patch+json");
    if (!sp.ok()) return sp.error().ToStatus();
    return OkStatus();
  }

  Status FailNode(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return FailedPreconditionError("kubelet simulator stopped");
    FAIRWAY_RETURN_IF_ERROR(SetNodeReady(name, false));
    failed_nodes_.insert(name);
    std::vector<std::string> victims;
    for (const auto& [uid, p] : pods_) {
      if (p.node == name && p.phase != "Succeeded" && p.phase != "Failed") victims.push_back(uid);
    }
    for (const std::string& uid : victims) {
      FailPod(uid, "NodeLost",
              "Node " + name + " which was running pod " + pods_[uid].name + " is unresponsive");
    }
    return OkStatus();
  }

  Status RecoverNode(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return FailedPreconditionError("kubelet simulator stopped");
    FAIRWAY_RETURN_IF_ERROR(SetNodeReady(name, true));
    failed_nodes_.erase(name);
    return OkStatus();
  }

  std::vector<std::string> node_names() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& [n, spec] : nodes_) out.push_back(n);
    return out;
  }

  ApiServer* api_;
  Clock* clock_;
  Options options_;
  mutable std::mutex mu_;
  bool stopped_ = false;                      // GUARDED_BY(mu_)
  std::map<std::string, SimNodeSpec> nodes_;  // GUARDED_BY(mu_)
  std::set<std::string> failed_nodes_;        // GUARDED_BY(mu_)
  std::map<std::string, PodTrack> pods_;      // GUARDED_BY(mu_), by uid
  // GPUs of the pods the simulator runs (phase Running), by node; kept by SetPhase.
  std::map<std::string, int64_t> running_gpus_;  // GUARDED_BY(mu_)
  std::shared_ptr<StoreWatcher> watcher_;        // GUARDED_BY(mu_)
  // Lock order: mu_ before drain_mu_.
  std::mutex drain_mu_;
  bool drain_scheduled_ = false;              // GUARDED_BY(drain_mu_)
  std::unique_ptr<TimerHandle> drain_timer_;  // GUARDED_BY(drain_mu_)
};

KubeletSimulator::KubeletSimulator(ApiServer* api, Clock* clock, Options options)
    : impl_(std::make_shared<Impl>(api, clock, options)) {}
KubeletSimulator::KubeletSimulator(ApiServer* api, Clock* clock)
    : KubeletSimulator(api, clock, Options{}) {}
KubeletSimulator::~KubeletSimulator() { Stop(); }

Status KubeletSimulator::AddNodes(const std::vector<SimNodeSpec>& nodes) {
  return impl_->AddNodes(nodes);
}
Status KubeletSimulator::Start() { return impl_->Start(); }
void KubeletSimulator::Stop() { impl_->Stop(); }
Status KubeletSimulator::FailNode(const std::string& name) { return impl_->FailNode(name); }
Status KubeletSimulator::RecoverNode(const std::string& name) { return impl_->RecoverNode(name); }
std::vector<std::string> KubeletSimulator::node_names() const { return impl_->node_names(); }

void KubeletSimulator::RegisterAdminRoutes() {
  std::weak_ptr<Impl> weak = impl_;
  impl_->api_->AddAdminRoute("nodes/", [weak](const HttpRequest& req, const std::string& rest) {
    auto self = weak.lock();
    if (!self) return ErrorResponse(ServiceUnavailable("kubelet simulator stopped"));
    size_t slash = rest.find('/');
    if (req.method != "POST" || slash == std::string::npos) return ErrorResponse(PathNotFound());
    std::string name = rest.substr(0, slash);
    std::string action = rest.substr(slash + 1);
    Status s = action == "fail"      ? self->FailNode(name)
               : action == "recover" ? self->RecoverNode(name)
                                     : NotFoundError("unknown action " + action);
    if (!s.ok()) {
      return ErrorResponse(s.code() == StatusCode::kNotFound
                               ? ApiError(404, "NotFound", s.message())
                               : InternalError(s.message()));
    }
    return JsonResponse(200, {{"node", name}, {"action", action}});
  });
}

}  // namespace fairway::sandbox
