#include "controllers/fenced_api_client.h"

#include <cstdio>
#include <utility>

#include "kube/leader_election.h"

namespace fairway::controllers {

namespace {

// "10s", "1.5s", "250ms".
std::string FormatDuration(Duration d) {
  char buf[32];
  double ms = std::chrono::duration<double, std::milli>(d).count();
  if (ms < 1000) {
    std::snprintf(buf, sizeof(buf), "%gms", ms);
  } else {
    std::snprintf(buf, sizeof(buf), "%gs", ms / 1000);
  }
  return buf;
}

// The name a write targets, for messages (generateName objects have none yet).
std::string NameOf(const kube::json& obj) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return "";
  std::string name = meta->value("name", "");
  return name.empty() ? meta->value("generateName", "") : name;
}

}  // namespace

LeaseFence::LeaseFence(std::function<MonotonicTime()> deadline, std::string lease,
                       Duration renew_deadline, Clock* clock)
    : deadline_(std::move(deadline)),
      lease_(std::move(lease)),
      renew_deadline_(renew_deadline),
      clock_(clock) {}

Status LeaseFence::Check(MonotonicTime* deadline_out) const {
  MonotonicTime deadline = deadline_();
  if (deadline_out != nullptr) *deadline_out = deadline;
  MonotonicTime now = clock_->Monotonic();
  if (now < deadline) return OkStatus();
  if (deadline == MonotonicTime::min()) {
    return AbortedError("not the leader: lease " + lease_ + " not held");
  }
  // The wall time of the last renewal, for people: now minus how long ago it was sent.
  MonotonicTime renewed = deadline - renew_deadline_;
  WallTime renewed_wall =
      clock_->Now() - std::chrono::duration_cast<WallTime::duration>(now - renewed);
  return AbortedError("not the leader: lease " + lease_ + " not renewed since " +
                      kube::FormatMicroTime(renewed_wall) + " (renew deadline " +
                      FormatDuration(renew_deadline_) + ")");
}

FencedApiClient::FencedApiClient(kube::ApiClient* inner, const LeaseFence* fence,
                                 OperatorMetrics* metrics,
                                 std::function<void(const Status&)> on_tripped)
    : inner_(inner), fence_(fence), metrics_(metrics), on_tripped_(std::move(on_tripped)) {}

Status FencedApiClient::Admit(const char* verb, const std::string& target,
                              MonotonicTime* deadline) {
  Status s = fence_->Check(deadline);
  if (s.ok()) return s;
  refused_.fetch_add(1);
  metrics_->WriteFenced(verb);
  if (!tripped_.exchange(true)) {
    FAIRWAY_LOG(log_, kError, "writes fenced: not the leader",
                {{"verb", verb}, {"target", target}, {"reason", s.message()}});
    if (on_tripped_) on_tripped_(s);
  } else {
    FAIRWAY_LOG(log_, kDebug, "write refused", {{"verb", verb}, {"target", target}});
  }
  return s.WithContext(std::string(verb) + " " + target);
}

template <typename Send>
auto FencedApiClient::Write(const char* verb, const kube::ResourceRef& r, const std::string& ns,
                            const std::string& name, Send send) -> decltype(send()) {
  std::string target = r.GroupResource() + " " + (ns.empty() ? name : ns + "/" + name);
  MonotonicTime deadline;
  if (Status s = Admit(verb, target, &deadline); !s.ok()) return s;
  auto result = send();
  // Replied after the deadline: the server may have applied it after another replica could
  // take over (see the header). Say which write, so it is not mistaken for a fencing failure.
  if (fence_->Passed(deadline)) {
    straddled_.fetch_add(1);
    FAIRWAY_LOG(log_, kWarn, "write was in flight when the lease deadline passed",
                {{"verb", verb}, {"target", target}});
  }
  return result;
}

StatusOr<kube::json> FencedApiClient::Get(const kube::ResourceRef& r, const std::string& ns,
                                          const std::string& name) {
  return inner_->Get(r, ns, name);
}

StatusOr<kube::ObjectList> FencedApiClient::List(const kube::ResourceRef& r, const std::string& ns,
                                                 const kube::ListOptions& o) {
  return inner_->List(r, ns, o);
}

StatusOr<kube::json> FencedApiClient::Create(const kube::ResourceRef& r, const std::string& ns,
                                             const kube::json& obj) {
  return Write("create", r, ns, NameOf(obj), [&] { return inner_->Create(r, ns, obj); });
}

StatusOr<kube::json> FencedApiClient::Update(const kube::ResourceRef& r, const std::string& ns,
                                             const kube::json& obj) {
  return Write("update", r, ns, NameOf(obj), [&] { return inner_->Update(r, ns, obj); });
}

StatusOr<kube::json> FencedApiClient::UpdateStatus(const kube::ResourceRef& r,
                                                   const std::string& ns, const kube::json& obj) {
  return Write("update", r, ns, NameOf(obj), [&] { return inner_->UpdateStatus(r, ns, obj); });
}

StatusOr<kube::json> FencedApiClient::Patch(const kube::ResourceRef& r, const std::string& ns,
                                            const std::string& name, kube::PatchType t,
                                            const kube::json& p, const std::string& sub) {
  return Write("patch", r, ns, name, [&] { return inner_->Patch(r, ns, name, t, p, sub); });
}

Status FencedApiClient::Delete(const kube::ResourceRef& r, const std::string& ns,
                               const std::string& name, const kube::DeleteOptions& o) {
  return Write("delete", r, ns, name, [&] { return inner_->Delete(r, ns, name, o); });
}

Status FencedApiClient::Bind(const std::string& ns, const std::string& pod, const std::string& node,
                             const std::string& uid) {
  return Write("bind", kube::ResourceRef::Pods(), ns, pod,
               [&] { return inner_->Bind(ns, pod, node, uid); });
}

Status FencedApiClient::Watch(const kube::ResourceRef& r, const std::string& ns,
                              const kube::WatchOptions& o, const kube::WatchHandler& h,
                              kube::CancelToken* cancel) {
  return inner_->Watch(r, ns, o, h, cancel);
}

}  // namespace fairway::controllers
