#include "cli/session_launch.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "cli/kubectl_process.h"
#include "cli/sbatch_script.h"
#include "cli/session_script.h"
#include "common/status_macros.h"
#include "kube/kube_config.h"

namespace fairway::cli {
namespace {

using nlohmann::json;

constexpr char kDefaultTimeLimit[] = "1:00:00";
constexpr auto kPollInterval = std::chrono::milliseconds(300);

std::string RandomSuffix() {
  static const char kChars[] = "bcdfghjklmnpqrstvwxz2456789";
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 5; ++i) s += kChars[rd() % (sizeof(kChars) - 1)];
  return s;
}

// The Job of a session: the sbatch manifest with the keeper as the command and no script volume.
StatusOr<json> SessionManifest(const SbatchOptions& opts, const std::string& name,
                               const std::string& ns, int64_t idle_grace_s) {
  JobManifestInput in;
  in.name = name;
  in.namespace_name = ns;
  in.config_map = name;
  FAIRWAY_ASSIGN_OR_RETURN(json job, BuildJobManifest(opts, in));
  json& pod = job["spec"]["template"]["spec"];
  pod.erase("volumes");
  json& c = pod["containers"][0];
  c.erase("volumeMounts");
  c["name"] = "session";
  c["command"] = json::array({"/bin/sh", "-c", SessionKeeperScript(idle_grace_s)});
  job["spec"]["interactive"] = true;
  return job;
}

// Queue position of a pending job among the pending jobs of its partition (priority, then
// jobID), as "position P of N"; empty when the queue cannot be listed.
std::string QueuePosition(kube::ApiClient& client, const json& job) {
  StatusOr<kube::ObjectList> all = client.List(kube::ResourceRef::FairwayJobs(), "");
  if (!all.ok()) return "";
  const json& st = job["status"];
  const std::string partition = st.value("partition", job["spec"].value("partition", ""));
  std::vector<std::pair<int64_t, int64_t>> queue;  // (-priority, jobID)
  for (const json& j : all->items) {
    const json s = j.value("status", json::object());
    if (s.value("state", "") != "PENDING" ||
        s.value("partition", j["spec"].value("partition", "")) != partition) {
      continue;
    }
    queue.emplace_back(-s.value("priority", int64_t{0}), s.value("jobID", int64_t{0}));
  }
  std::sort(queue.begin(), queue.end());
  std::pair<int64_t, int64_t> me{-st.value("priority", int64_t{0}), st.value("jobID", int64_t{0})};
  auto it = std::find(queue.begin(), queue.end(), me);
  if (it == queue.end()) return "";
  return "position " + std::to_string(it - queue.begin() + 1) + " of " +
         std::to_string(queue.size());
}

// The first pod of a running job (node index 0), when it runs.
std::optional<std::string> RunningFirstPod(kube::ApiClient& client, const Submitted& job) {
  kube::ListOptions o;
  o.label_selector = "fairway.dev/job=" + job.name + ",fairway.dev/node-index=0";
  StatusOr<kube::ObjectList> pods = client.List(kube::ResourceRef::Pods(), job.ns, o);
  if (!pods.ok()) return std::nullopt;
  for (const json& p : pods->items) {
    if (p.value("status", json::object()).value("phase", "") == "Running" &&
        !p["metadata"].contains("deletionTimestamp")) {
      return p["metadata"].value("name", "");
    }
  }
  return std::nullopt;
}

bool Terminal(const std::string& state) {
  return !state.empty() && state != "PENDING" && state != "RUNNING" && state != "SUSPENDED";
}

// Prints a pending job's reason, queue position and expected start when they change. The
// position needs a cluster-wide list, so it is refreshed at most every few seconds.
class PendingReporter {
 public:
  PendingReporter(std::string prog, const CliEnvironment& env)
      : prog_(std::move(prog)), env_(env) {}

  void Report(kube::ApiClient& client, int64_t job_id, const json& job) {
    const json st = job.value("status", json::object());
    auto now = std::chrono::steady_clock::now();
    if (now >= next_position_) {
      position_ = QueuePosition(client, job);
      next_position_ = now + std::chrono::seconds(5);
    }
    std::string detail = "Reason: " + st.value("reason", "None");
    if (!position_.empty()) detail += ", " + position_;
    if (std::string at = st.value("expectedStartTime", ""); !at.empty()) {
      detail += ", expected start " + at;
    }
    if (detail != last_) *env_.err << prog_ << ": job " << job_id << " " << detail << std::endl;
    last_ = detail;
  }

 private:
  const std::string prog_;
  const CliEnvironment& env_;
  std::string position_;
  std::chrono::steady_clock::time_point next_position_{};
  std::string last_;
};

StatusOr<Started> PollUntilStarted(kube::ApiClient& client, const Submitted& job,
                                   const std::string& prog, bool salloc_lines,
                                   const CliEnvironment& env, const InterruptFlag& interrupt) {
  Started started;
  PendingReporter pending(prog, env);
  bool queued_said = false;
  for (;; std::this_thread::sleep_for(kPollInterval)) {
    if (interrupt.raised()) {
      CancelSession(client, job, prog);
      *env.err << prog << ": Job allocation "
               << (started.job_id ? std::to_string(started.job_id) : job.name)
               << " has been revoked." << std::endl;
      return Status(StatusCode::kCancelled, "cancelled while pending");
    }
    StatusOr<json> got = client.Get(kube::ResourceRef::FairwayJobs(), job.ns, job.name);
    if (!got.ok()) return got.status();
    const json st = got->value("status", json::object());
    const std::string state = st.value("state", "");
    if (started.job_id == 0 && st.value("jobID", int64_t{0}) != 0) {
      started.job_id = st.value("jobID", int64_t{0});
      if (salloc_lines)
        *env.err << prog << ": Pending job allocation " << started.job_id << std::endl;
    }
    if (Terminal(state)) {
      return FailedPreconditionError("job " + std::to_string(started.job_id) + " ended (" + state +
                                     ") before the session started: " + st.value("reason", ""));
    }
    if (state == "RUNNING") {
      if (std::optional<std::string> pod = RunningFirstPod(client, job)) {
        started.pod = *pod;
        if (queued_said) {
          *env.err << prog << ": job " << started.job_id << " has been allocated resources"
                   << std::endl;
        }
        return started;
      }
      continue;
    }
    if (state != "PENDING" || started.job_id == 0) continue;
    if (!queued_said) {
      *env.err << prog << ": job " << started.job_id << " queued and waiting for resources"
               << std::endl;
      queued_said = true;
    }
    pending.Report(client, started.job_id, *got);
  }
}

}  // namespace

StatusOr<std::unique_ptr<kube::ApiClient>> ConnectSession(const SessionArgs& args,
                                                          const CliEnvironment& env,
                                                          std::string* ns) {
  FAIRWAY_ASSIGN_OR_RETURN(kube::RestConfig config,
                           kube::ResolveRestConfig(args.kubeconfig, env.clock, args.context));
  config.qps = 0;  // an interactive command: no client-side throttling
  if (int t = std::atoi(args.request_timeout.c_str()); t > 0)
    config.timeout = std::chrono::seconds(t);
  *ns = args.ns.empty() ? config.namespace_name : args.ns;
  FAIRWAY_ASSIGN_OR_RETURN(auto client, kube::RestApiClient::Create(config, env.clock, {}));
  return std::unique_ptr<kube::ApiClient>(std::move(client));
}

StatusOr<Submitted> SubmitSession(kube::ApiClient& client, const SessionArgs& args,
                                  const std::string& ns, const std::string& image,
                                  const CliEnvironment& env) {
  SbatchOptions opts;
  FAIRWAY_RETURN_IF_ERROR(ApplySbatchArgs(args.sbatch, "", /*allow_positional=*/false, &opts));
  for (const std::string& n : opts.notes) *env.err << n << "\n";
  if (opts.time_limit.empty()) opts.time_limit = kDefaultTimeLimit;
  if (!image.empty()) opts.image = image;
  if (opts.qos.empty() && client.Get(kube::ResourceRef::FairwayQoses(), "", kInteractiveQos).ok()) {
    opts.qos = kInteractiveQos;
  }
  core::Timestamp now = std::chrono::time_point_cast<core::Seconds>(env.clock->Now());
  FAIRWAY_RETURN_IF_ERROR(ValidateSbatchOptions(opts, now));
  const bool named = !opts.job_name.empty();
  for (int attempt = 0;; ++attempt) {
    std::string name = named ? opts.job_name : "interactive-" + RandomSuffix();
    FAIRWAY_ASSIGN_OR_RETURN(json job, SessionManifest(opts, name, ns, args.idle_grace_s));
    StatusOr<json> created = client.Create(kube::ResourceRef::FairwayJobs(), ns, job);
    if (created.ok()) return Submitted{ns, name};
    if (created.status().code() != StatusCode::kAlreadyExists || named || attempt >= 4) {
      return created.status();
    }
  }
}

StatusOr<Started> WaitForStart(kube::ApiClient& client, const Submitted& job,
                               const std::string& prog, bool salloc_lines,
                               const CliEnvironment& env) {
  InterruptFlag interrupt;
  return PollUntilStarted(client, job, prog, salloc_lines, env, interrupt);
}

void CancelSession(kube::ApiClient& client, const Submitted& job, const std::string& by) {
  StatusOr<json> got = client.Get(kube::ResourceRef::FairwayJobs(), job.ns, job.name);
  if (got.ok() && Terminal(got->value("status", json::object()).value("state", ""))) return;
  // scancel's way: the operator records the job CANCELLED (sacct shows it).
  (void)client.Patch(kube::ResourceRef::FairwayJobs(), job.ns, job.name, kube::PatchType::kMerge,
                     {{"metadata", {{"annotations", {{"fairway.dev/cancel", by}}}}}});
}

void AwaitEnd(kube::ApiClient& client, const Submitted& job) {
  for (int i = 0; i < 50; ++i) {
    StatusOr<json> got = client.Get(kube::ResourceRef::FairwayJobs(), job.ns, job.name);
    if (!got.ok() || Terminal(got->value("status", json::object()).value("state", ""))) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace fairway::cli
