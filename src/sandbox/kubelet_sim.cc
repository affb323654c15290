#include "sandbox/kubelet_sim.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

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

// How a simulated container runs: for how long, and the code it exits with.
struct PodRun {
  std::optional<double> duration_s;  // nullopt: until the pod is deleted
  int exit_code = 0;
};

// `sleep`'s operand in seconds: a number, optionally with suffix s, m, h or d (GNU sleep);
// nullopt when it is not one.
std::optional<double> SleepSeconds(const std::string& word) {
  static const std::map<char, double> kUnits = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
  std::string number = word;
  double unit = 1;
  if (!number.empty() && kUnits.count(number.back()) > 0) {
    unit = kUnits.at(number.back());
    number.pop_back();
  }
  if (number.empty() || number.find_first_not_of("0123456789.") != std::string::npos) {
    return std::nullopt;
  }
  char* end = nullptr;
  double v = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size()) return std::nullopt;
  return v * unit;
}

// `exit`'s operand as the shell applies it: an integer modulo 256. A bare `exit`, or one whose
// operand is not a literal integer (`exit $rc`), returns the last command's status: 0, since
// every simulated command succeeds.
int ExitCode(const std::optional<std::string>& word) {
  if (!word.has_value()) return 0;
  const std::string& w = *word;
  size_t sign = !w.empty() && (w[0] == '-' || w[0] == '+') ? 1 : 0;
  if (w.size() == sign || w.size() > sign + 18 ||
      w.find_first_not_of("0123456789", sign) != std::string::npos) {
    return 0;
  }
  return static_cast<int>(std::stoll(w) & 0xff);
}

struct SimpleCommand {
  std::vector<std::string> words;
  bool skipped = false;  // it follows '||' (the command before succeeded)
};

// Shell text split into simple commands at newlines, ';', '&', '|', '&&' and '||'; '#' at the
// start of a word comments out the rest of the line. Quotes are not interpreted.
std::vector<SimpleCommand> SplitCommands(const std::string& text) {
  std::vector<SimpleCommand> out(1);
  std::string word;
  auto end_word = [&] {
    if (!word.empty()) out.back().words.push_back(std::move(word));
    word.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '#' && word.empty()) {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '\n' || c == ';' || c == '&' || c == '|') {
      bool doubled = (c == '&' || c == '|') && i + 1 < text.size() && text[i + 1] == c;
      if (doubled) ++i;
      end_word();
      out.push_back({{}, doubled && c == '|'});
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      end_word();
    } else {
      word += c;
    }
  }
  end_word();
  return out;
}

// Returns the text under `key` of ConfigMap `name` in the pod's namespace, or nullopt.
using ConfigMapReader =
    std::function<std::optional<std::string>(const std::string& name, const std::string& key)>;

// Where `path` lies in a ConfigMap volume mounted in `container`: (ConfigMap name, key), or
// nullopt. Honours the volume's `items` and a mount's `subPath`.
std::optional<std::pair<std::string, std::string>> ConfigMapFileOf(const nlohmann::json& pod,
                                                                   const nlohmann::json& container,
                                                                   const std::string& path) {
  const nlohmann::json* mounts = GetPath(container, {"volumeMounts"});
  const nlohmann::json* volumes = GetPath(pod, {"spec", "volumes"});
  if (mounts == nullptr || !mounts->is_array() || volumes == nullptr || !volumes->is_array()) {
    return std::nullopt;
  }
  for (const nlohmann::json& m : *mounts) {
    std::string at = GetString(m, {"mountPath"});
    std::string sub = GetString(m, {"subPath"});
    std::string file;  // the path inside the volume
    if (!sub.empty() && path == at) {
      file = sub;
    } else if (sub.empty() && !at.empty() && path.size() > at.size() + 1 &&
               path.compare(0, at.size(), at) == 0 && path[at.size()] == '/') {
      file = path.substr(at.size() + 1);
    } else {
      continue;
    }
    for (const nlohmann::json& v : *volumes) {
      if (GetString(v, {"name"}) != GetString(m, {"name"})) continue;
      std::string config_map = GetString(v, {"configMap", "name"});
      if (config_map.empty()) return std::nullopt;
      const nlohmann::json* items = GetPath(v, {"configMap", "items"});
      if (items == nullptr || !items->is_array()) return std::make_pair(config_map, file);
      for (const nlohmann::json& item : *items) {
        if (GetString(item, {"path"}) == file) {
          return std::make_pair(config_map, GetString(item, {"key"}));
        }
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Reads the first container's command and args, joined, as a shell script as far as the
// simulator cares: `sleep N` runs for N, `exit C` ends the container with code C, other commands
// take no time and succeed. In each simple command the first `sleep` or `exit` word counts
// wherever it stands, so `sh -c "sleep 5; exit 3"` and `timeout 60 sleep 5` read as meant.
// A word naming a file of a mounted ConfigMap stands for that file's text, which `read` returns
// for (ConfigMap name, key): that is how an sbatch script reaches its pod
// (`/bin/sh /fairway/script/script`). Without a sleep or exit (or after `sleep infinity`) the
// container runs until deleted.
PodRun CommandRun(const nlohmann::json& pod, const ConfigMapReader& read) {
  PodRun run;
  const nlohmann::json* cs = GetPath(pod, {"spec", "containers"});
  if (cs == nullptr || !cs->is_array() || cs->empty()) return run;
  std::string text;
  for (const char* f : {"command", "args"}) {
    if (const auto* v = GetPath((*cs)[0], {f}); v && v->is_array()) {
      for (const auto& w : *v) {
        if (!w.is_string()) continue;
        const std::string& word = w.get_ref<const std::string&>();
        std::optional<std::string> file;
        if (auto at = ConfigMapFileOf(pod, (*cs)[0], word)) file = read(at->first, at->second);
        text += file.has_value() ? "\n" + *file + "\n" : " " + word;
      }
    }
  }
  auto is_sleep = [](const std::string& w) {
    return w == "sleep" || (w.size() > 6 && w.compare(w.size() - 6, 6, "/sleep") == 0);
  };
  double slept = 0;
  bool timed = false;
  for (const SimpleCommand& cmd : SplitCommands(text)) {
    if (cmd.skipped) continue;
    auto it = std::find_if(cmd.words.begin(), cmd.words.end(),
                           [&](const std::string& w) { return w == "exit" || is_sleep(w); });
    if (it == cmd.words.end()) continue;
    std::optional<std::string> operand;
    if (it + 1 != cmd.words.end()) operand = *(it + 1);
    if (*it == "exit") {
      run.exit_code = ExitCode(operand);
      run.duration_s = slept;
      return run;
    }
    if (operand == "infinity" || operand == "inf") return run;
    std::optional<double> s = operand ? SleepSeconds(*operand) : std::nullopt;
    if (!s.has_value()) continue;  // an invalid sleep fails at once
    slept += *s;
    timed = true;
  }
  if (timed) run.duration_s = slept;
  return run;
}

// The pod's run: the command's (CommandRun), with annotations fairway.dev/sim-duration (seconds)
// and fairway.dev/sim-exit-code taking precedence over what it says.
PodRun RunOf(const nlohmann::json& pod, const ConfigMapReader& read) {
  PodRun run = CommandRun(pod, read);
  std::string duration = GetString(pod, {"metadata", "annotations", kDurationAnnotation});
  if (!duration.empty()) {
    char* end = nullptr;
    double v = std::strtod(duration.c_str(), &end);
    run.duration_s = end == duration.c_str() + duration.size() && std::isfinite(v)
                         ? std::optional<double>(v)
                         : std::nullopt;
  }
  std::string exit = GetString(pod, {"metadata", "annotations", kExitCodeAnnotation});
  if (!exit.empty()) run.exit_code = std::atoi(exit.c_str());
  return run;
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
      : api_(api),
        clock_(clock),
        options_(options),
        runtime_(options_.run_pods_dir.empty()
                     ? nullptr
                     : std::make_shared<PodRuntime>(options_.run_pods_dir)) {}

  struct PodTrack {
    std::string ns;
    std::string name;
    std::string node;
    std::string phase;  // what the simulator last wrote ("" = not started); set with SetPhase
    int64_t gpus = 0;
    int exit_code = 0;  // from the command (exit C) or fairway.dev/sim-exit-code, at start
    std::map<std::string, int> container_codes;  // --run-pods: each container's real exit code
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
    Subscribe(std::move(w).value());
    return OkStatus();
  }

  // REQUIRES: mu_ held.
  void Subscribe(std::shared_ptr<StoreWatcher> watcher) {
    watcher_ = std::move(watcher);
    std::weak_ptr<Impl> weak = shared_from_this();
    watcher_->SetWakeup([weak] {
      if (auto self = weak.lock()) self->ScheduleDrain();
    });
    ScheduleDrain();
  }

  // The store closed the watch (POST /sandbox/watches/drop, a queue overflow): resume from the
  // last revision seen, as a client-go reflector does, so that bound pods keep starting. When
  // that history is gone (410) start over from the current pods and forget those that went
  // meanwhile. The new watch registers before the list is read: a pod deleted in between shows
  // up as its DELETED event.
  // REQUIRES: mu_ held.
  void Resubscribe() {
    watcher_->SetWakeup(nullptr);
    api_->store().StopWatch(*watcher_);
    Result<std::shared_ptr<StoreWatcher>> w = api_->store().Watch("/pods", "", seen_rv_);
    if (!w.ok()) {
      w = api_->store().Watch("/pods", "", std::nullopt);
      if (!w.ok()) {
        FAIRWAY_LOG(Log(), kError, "pod watch lost", {{"error", w.error().message()}});
        watcher_.reset();
        return;
      }
      std::set<std::string> present;
      for (const ObjectPtr& pod : api_->store().List("/pods", "").items) {
        present.insert(GetString(*pod, {"metadata", "uid"}));
      }
      std::vector<std::string> gone;
      for (const auto& [uid, t] : pods_) {
        if (present.count(uid) == 0) gone.push_back(uid);
      }
      for (const std::string& uid : gone) ForgetPod(uid);
    }
    FAIRWAY_LOG(Log(), kInfo, "pod watch closed by the store, resumed",
                {{"after_revision", seen_rv_}});
    Subscribe(std::move(w).value());
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
    if (runtime_) runtime_->StopAll();
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
    const int64_t drained_at = api_->store().Drain(*watcher_, &events, &closed);
    for (const StoreEvent& e : events) {
      OnPod(*e.object, e.type == EventType::kDeleted);
      seen_rv_ = std::max(seen_rv_, e.rv);
    }
    // An open watcher has queued every pod event up to the drain's revision; a closed one
    // stopped receiving at some earlier point.
    if (!closed) {
      seen_rv_ = std::max(seen_rv_, drained_at);
      return;
    }
    Resubscribe();
  }

  // Stops tracking a pod that is gone; its GPUs are free.
  // REQUIRES: mu_ held.
  void ForgetPod(const std::string& uid) {
    auto it = pods_.find(uid);
    if (it == pods_.end()) return;
    if (it->second.timer) it->second.timer->Cancel();
    if (it->second.delete_timer) it->second.delete_timer->Cancel();
    SetPhase(it->second, "");  // its GPUs are free
    pods_.erase(it);
    if (runtime_) runtime_->Forget(uid);
  }

  // REQUIRES: mu_ held.
  void OnPod(const nlohmann::json& pod, bool deleted) {
    std::string uid = GetString(pod, {"metadata", "uid"});
    if (deleted) {
      ForgetPod(uid);
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
      const bool deleting = !GetString(pod, {"metadata", "deletionTimestamp"}).empty();
      if (phase == "Running" && !deleting) ResumeRunning(it->second, uid, pod);
      if (phase == "Pending" && !deleting) {
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
      if (runtime_ && t.phase == "Running") {
        // Real processes get the grace period: SIGTERM now, SIGKILL at its end; the deletion
        // completes when they have exited (RunProcesses) or at the deadline.
        runtime_->Stop(uid, std::chrono::duration_cast<std::chrono::milliseconds>(wait));
        t.delete_timer =
            After(wait + std::chrono::seconds(1), [this, uid] { CompleteDeletion(uid); });
      } else {
        // Containers stop at once in the simulation; the deletion finishes at the deadline.
        t.delete_timer = After(std::min<Duration>(wait, std::chrono::seconds(2)),
                               [this, uid] { CompleteDeletion(uid); });
      }
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
        // --run-pods: a pod's ports are the host's.
        {"podIP", runtime_ ? "127.0.0.1" : "10.244.0.1"},
        {"conditions",
         {cond("PodReadyToStartContainers", "True"), cond("Initialized", "True"),
          cond("Ready", "True"), cond("ContainersReady", "True"), cond("PodScheduled", "True")}},
        {"containerStatuses", statuses}};
    if (!PatchStatus(t, uid, status).ok()) return;
    SetPhase(t, "Running");
    if (runtime_) return RunProcesses(uid, *pod);
    ScheduleFinish(t, uid, *pod, 0.0);
  }

  // Schedules the end of a simulated run that has been going for `elapsed_s` seconds.
  // REQUIRES: mu_ held.
  void ScheduleFinish(PodTrack& t, const std::string& uid, const nlohmann::json& pod,
                      double elapsed_s) {
    PodRun run = RunOf(pod, ConfigMaps(t.ns));
    // Beyond a year nothing a test or demo waits for ends; not scheduling it also keeps the
    // conversion to the clock's Duration in range.
    constexpr double kMaxRunS = 365.0 * 86400;
    if (run.duration_s.has_value() && *run.duration_s <= kMaxRunS) {
      auto d = std::chrono::duration_cast<Duration>(
          std::chrono::duration<double>(std::max(0.0, *run.duration_s - elapsed_s)));
      t.timer = After(d, [this, uid] { FinishPod(uid); });
      t.exit_code = run.exit_code;
    }
  }

  // A pod found Running that this simulator did not start (the sandbox restarted from
  // --data-dir): its run goes on from status.startTime, so it still ends when it would have.
  // REQUIRES: mu_ held.
  void ResumeRunning(PodTrack& t, const std::string& uid, const nlohmann::json& pod) {
    if (runtime_) return;  // --run-pods: the processes did not survive the restart
    double elapsed_s = 0;
    if (auto started = internal::ParseTime(GetString(pod, {"status", "startTime"}))) {
      elapsed_s = std::max(0.0, std::chrono::duration<double>(clock_->Now() - *started).count());
    }
    ScheduleFinish(t, uid, pod, elapsed_s);
  }

  // Reads ConfigMaps of namespace `ns`.
  ConfigMapReader ConfigMaps(const std::string& ns) {
    return [this, ns](const std::string& config_map, const std::string& key) {
      Result<nlohmann::json> cm =
          api_->Call("GET", "/api/v1/namespaces/" + ns + "/configmaps/" + config_map);
      std::optional<std::string> text;
      if (cm.ok()) {
        if (const nlohmann::json* v = GetPath(*cm, {"data", key}); v != nullptr && v->is_string()) {
          text = v->get<std::string>();
        }
      }
      return text;
    };
  }

  // --run-pods: starts the containers' processes; when the last exits the pod finishes with
  // their codes (or, being deleted, its deletion completes). A pod whose containers cannot
  // start fails with exit code 128 (the kubelet's StartError).
  // REQUIRES: mu_ held.
  void RunProcesses(const std::string& uid, const nlohmann::json& pod) {
    PodTrack& t = pods_[uid];
    ConfigMapReader read = ConfigMaps(t.ns);
    auto files = [&](const nlohmann::json& container, const std::string& word) {
      std::optional<std::string> text;
      if (auto at = ConfigMapFileOf(pod, container, word)) text = read(at->first, at->second);
      return text;
    };
    std::weak_ptr<Impl> weak = shared_from_this();
    auto on_exit = [weak, uid](const std::vector<PodRuntime::ContainerExit>& exits) {
      auto self = weak.lock();
      if (!self) return;
      self->Guarded([&] {
        auto it = self->pods_.find(uid);
        if (it == self->pods_.end()) return;
        if (it->second.deleting) return self->CompleteDeletion(uid);
        for (const auto& e : exits) {
          it->second.container_codes[e.name] = e.exit_code;
          if (it->second.exit_code == 0) it->second.exit_code = e.exit_code;
        }
        self->FinishPod(uid);
      });
    };
    Status s = runtime_->Start(pod, t.node, files, on_exit);
    if (!s.ok()) {
      FAIRWAY_LOG(Log(), kWarn, "pod processes did not start",
                  {{"pod", t.ns + "/" + t.name}, {"error", s.message()}});
      t.exit_code = 128;
      FinishPod(uid);
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
        auto own = t.container_codes.find(c.value("name", ""));
        int container_code = own == t.container_codes.end() ? code : own->second;
        c["ready"] = false;
        c["started"] = false;
        c["state"] = {{"terminated",
                       {{"exitCode", container_code},
                        {"reason", container_code == 0 ? "Completed" : "Error"},
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
    if (runtime_) runtime_->Stop(uid, std::chrono::milliseconds(0));
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
  const std::shared_ptr<PodRuntime> runtime_;  // --run-pods, else null
  mutable std::mutex mu_;
  bool stopped_ = false;                      // GUARDED_BY(mu_)
  std::map<std::string, SimNodeSpec> nodes_;  // GUARDED_BY(mu_)
  std::set<std::string> failed_nodes_;        // GUARDED_BY(mu_)
  std::map<std::string, PodTrack> pods_;      // GUARDED_BY(mu_), by uid
  // GPUs of the pods the simulator runs (phase Running), by node; kept by SetPhase.
  std::map<std::string, int64_t> running_gpus_;  // GUARDED_BY(mu_)
  std::shared_ptr<StoreWatcher> watcher_;        // GUARDED_BY(mu_)
  // Store revision up to which the pod watch delivered everything (where a new watch resumes).
  int64_t seen_rv_ = 0;  // GUARDED_BY(mu_)
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
std::shared_ptr<PodRuntime> KubeletSimulator::runtime() const { return impl_->runtime_; }

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
