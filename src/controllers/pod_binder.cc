#include "controllers/pod_binder.h"

#include <algorithm>
#include <chrono>

#include "controllers/kube_objects.h"

namespace fairway::controllers {

using nlohmann::json;

namespace {

kube::ResourceRef Services() { return {"", "v1", "services", true}; }

}  // namespace

Status PodBinder::CreateAndBind(const api::JobObject& job, const PodPlan& plan, const Logger& log) {
  PodPlan with_grace = plan;
  with_grace.interactive_idle_grace = interactive_idle_grace_;
  JobPods built = BuildJobPods(job, with_grace);
  const std::string& ns = job.meta.namespace_name;
  if (built.service.has_value()) {
    StatusOr<json> s = client_->Create(Services(), ns, *built.service);
    if (!s.ok() && s.status().code() != StatusCode::kAlreadyExists) {
      FAIRWAY_LOG(log, kWarn, "headless service create failed",
                  {{"job", job.meta.Key()}, {"error", s.status().ToString()}});
    }
  }
  std::vector<std::pair<std::string, std::string>> created;  // (name, uid)
  Status failure = OkStatus();
  for (size_t rank = 0; rank < built.pods.size() && failure.ok(); ++rank) {
    const std::string name = JsonString(built.pods[rank], {"metadata", "name"});
    StatusOr<json> pod = client_->Create(kube::ResourceRef::Pods(), ns, built.pods[rank]);
    if (!pod.ok() && pod.status().code() == StatusCode::kAlreadyExists) {
      pod = client_->Get(kube::ResourceRef::Pods(), ns, name);  // a retry after a crash
    }
    if (!pod.ok()) {
      failure = pod.status().WithContext("create pod " + ns + "/" + name);
      break;
    }
    const std::string uid = JsonString(*pod, {"metadata", "uid"});
    created.emplace_back(name, uid);
    const std::string bound = JsonString(*pod, {"spec", "nodeName"});
    if (bound == plan.nodes[rank]) continue;
    if (!bound.empty()) {
      failure = AbortedError("pod " + name + " is already bound to " + bound);
      break;
    }
    Status b = client_->Bind(ns, name, plan.nodes[rank], uid);
    if (!b.ok()) failure = b.WithContext("bind pod " + ns + "/" + name + " to " + plan.nodes[rank]);
  }
  if (failure.ok()) {
    metrics_->PodsBound(static_cast<int64_t>(built.pods.size()));
    if (job.meta.creation_timestamp) {
      const auto since = clock_->Now() - *job.meta.creation_timestamp;
      metrics_->ObserveCreateToBound(std::max(0.0, std::chrono::duration<double>(since).count()));
    }
    return OkStatus();
  }
  metrics_->BindFailed(std::string(StatusCodeName(failure.code())));
  RollBack(ns, created);
  return failure;
}

void PodBinder::RollBack(const std::string& ns,
                         const std::vector<std::pair<std::string, std::string>>& created) {
  for (const auto& [name, uid] : created) {
    kube::DeleteOptions opts;
    opts.grace_period_seconds = 0;
    (void)client_->Delete(kube::ResourceRef::Pods(), ns, name, opts);
  }
}

}  // namespace fairway::controllers
