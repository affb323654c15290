#include "sandbox/pod_runtime.h"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/log.h"
#include "common/status_macros.h"
#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

namespace fs = std::filesystem;
using internal::GetPath;
using internal::GetString;

const Logger& Log() {
  static const Logger logger("sandbox.pod_runtime");
  return logger;
}

// The value of a fieldRef the kubelet resolves ("metadata.labels['app']" included); empty for
// paths it does not know.
std::string FieldRefValue(const nlohmann::json& pod, const std::string& field,
                          const std::string& node) {
  if (field == "spec.nodeName") return node;
  if (field == "status.podIP" || field == "status.hostIP") return "127.0.0.1";
  for (const char* map : {"labels", "annotations"}) {
    std::string prefix = std::string("metadata.") + map + "['";
    if (field.rfind(prefix, 0) == 0 && field.size() > prefix.size() + 2) {
      std::string key = field.substr(prefix.size(), field.size() - prefix.size() - 2);
      const nlohmann::json* v = GetPath(pod, {"metadata", map, key});
      return v != nullptr && v->is_string() ? v->get<std::string>() : "";
    }
  }
  if (field.rfind("metadata.", 0) == 0) return GetString(pod, {"metadata", field.substr(9)});
  return "";
}

// A directory name from the pod's identity (namespace and name are DNS labels/subdomains).
std::string PodDirName(const nlohmann::json& pod) {
  return internal::NamespaceOf(pod) + "_" + internal::NameOf(pod) + "_" +
         GetString(pod, {"metadata", "uid"});
}

// command + args of `container`, with words naming mounted ConfigMap files rewritten to copies
// of them under `work_dir`.
StatusOr<std::vector<std::string>> ContainerArgv(const nlohmann::json& container,
                                                 const std::string& work_dir,
                                                 const PodRuntime::MountedFile& files) {
  std::vector<std::string> argv;
  for (const char* f : {"command", "args"}) {
    for (const std::string& word : internal::GetStrings(container, f)) {
      std::optional<std::string> text = files ? files(container, word) : std::nullopt;
      if (!text.has_value()) {
        argv.push_back(word);
        continue;
      }
      fs::path copy = fs::path(work_dir) / ".mounts" / fs::path(word).relative_path();
      std::error_code ec;
      fs::create_directories(copy.parent_path(), ec);
      std::ofstream(copy, std::ios::binary) << *text;
      if (ec) return InternalError("cannot write " + copy.string() + ": " + ec.message());
      argv.push_back(copy.string());
    }
  }
  if (argv.empty()) {
    return FailedPreconditionError("container " + GetString(container, {"name"}) +
                                   " has no command: --run-pods does not pull images, so "
                                   "every container needs a command");
  }
  return argv;
}

}  // namespace

std::vector<std::string> ContainerEnv(const nlohmann::json& pod, const nlohmann::json& container,
                                      const std::string& node) {
  std::map<std::string, std::string> env;
  for (const char* name : {"PATH", "HOME", "LANG", "USER"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  env["HOSTNAME"] = internal::NameOf(pod);
  if (const nlohmann::json* list = GetPath(container, {"env"}); list && list->is_array()) {
    for (const nlohmann::json& e : *list) {
      std::string name = GetString(e, {"name"});
      if (name.empty()) continue;
      std::string field = GetString(e, {"valueFrom", "fieldRef", "fieldPath"});
      env[name] = field.empty() ? GetString(e, {"value"}) : FieldRefValue(pod, field, node);
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

PodRuntime::PodRuntime(std::string root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(root_, ec);
}

PodRuntime::~PodRuntime() { StopAll(); }

Status PodRuntime::Start(const nlohmann::json& pod, const std::string& node,
                         const MountedFile& files, OnExit on_exit) {
  const std::string uid = GetString(pod, {"metadata", "uid"});
  const fs::path dir = fs::path(root_) / PodDirName(pod);
  PodState state;
  state.ns = internal::NamespaceOf(pod);
  state.name = internal::NameOf(pod);
  state.on_exit = std::move(on_exit);
  state.view.uid = uid;
  state.view.node = node;
  state.view.work_dir = (dir / "work").string();
  std::error_code ec;
  fs::create_directories(state.view.work_dir, ec);
  if (ec) return InternalError("cannot create " + state.view.work_dir + ": " + ec.message());

  std::vector<ProcessSpec> specs;
  const nlohmann::json* containers = GetPath(pod, {"spec", "containers"});
  if (containers == nullptr || !containers->is_array() || containers->empty()) {
    return FailedPreconditionError("pod has no containers");
  }
  for (const nlohmann::json& c : *containers) {
    ProcessSpec spec;
    FAIRWAY_ASSIGN_OR_RETURN(spec.argv, ContainerArgv(c, state.view.work_dir, files));
    spec.env = ContainerEnv(pod, c, node);
    spec.work_dir = state.view.work_dir;
    spec.hostname = node;
    std::string name = GetString(c, {"name"});
    spec.log_path = (dir / (name + ".log")).string();
    if (specs.empty()) state.view.env = spec.env;
    state.view.containers.push_back(name);
    state.view.log_path[name] = spec.log_path;
    specs.push_back(std::move(spec));
  }
  MutexLock lock(&mu_);
  PodState& s = pods_[uid] = std::move(state);
  std::weak_ptr<PodRuntime> weak = weak_from_this();
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string container = s.view.containers[i];
    StatusOr<std::shared_ptr<Process>> p =
        Process::Start(specs[i], [weak, uid, container](int code) {
          if (auto self = weak.lock()) self->OnContainerExit(uid, container, code);
        });
    if (!p.ok()) {
      // The containers already started stop; the pod fails as a whole.
      for (auto& started : s.processes) started->Signal(SIGKILL);
      pods_.erase(uid);
      return p.status();
    }
    s.processes.push_back(*std::move(p));
  }
  s.view.running = true;
  FAIRWAY_LOG(Log(), kInfo, "pod processes started",
              {{"pod", s.ns + "/" + s.name}, {"node", node}, {"dir", dir.string()}});
  return OkStatus();
}

void PodRuntime::OnContainerExit(const std::string& uid, const std::string& container, int code) {
  OnExit done;
  std::vector<ContainerExit> exits;
  {
    MutexLock lock(&mu_);
    auto it = pods_.find(uid);
    if (it == pods_.end()) return;
    PodState& s = it->second;
    s.exits.push_back({container, code});
    if (s.exits.size() < s.processes.size()) return;
    s.view.running = false;
    exits = s.exits;
    done = std::move(s.on_exit);
  }
  if (done) done(exits);
}

void PodRuntime::Stop(const std::string& uid, std::chrono::milliseconds grace) {
  MutexLock lock(&mu_);
  auto it = pods_.find(uid);
  if (it == pods_.end()) return;
  for (auto& p : it->second.processes) p->Terminate(grace);
}

void PodRuntime::Forget(const std::string& uid) {
  MutexLock lock(&mu_);
  auto it = pods_.find(uid);
  if (it == pods_.end()) return;
  for (auto& p : it->second.processes) p->Signal(SIGKILL);
  pods_.erase(it);
}

void PodRuntime::StopAll() {
  MutexLock lock(&mu_);
  for (auto& [uid, s] : pods_) {
    for (auto& p : s.processes) p->Signal(SIGKILL);
  }
}

std::optional<PodRuntime::PodView> PodRuntime::Find(const std::string& ns,
                                                    const std::string& name) const {
  MutexLock lock(&mu_);
  for (const auto& [uid, s] : pods_) {
    if (s.ns == ns && s.name == name) return s.view;
  }
  return std::nullopt;
}

}  // namespace fairway::sandbox
