#include "webhook/informer_cluster_view.h"

#include <string>

namespace fairway::webhook {
namespace {

constexpr const char* kJobIdIndex = "namespace/jobID";
constexpr const char* kSubmittedIndex = "submitted";

// Index value of a Job: "namespace/jobID" once the operator assigned one.
std::vector<std::string> JobIdIndexValue(const nlohmann::json& job) {
  const nlohmann::json* id = nullptr;
  if (auto s = job.find("status"); s != job.end() && s->is_object()) {
    if (auto i = s->find("jobID"); i != s->end() && i->is_number_unsigned()) id = &*i;
  }
  if (id == nullptr) return {};
  std::string ns;
  if (auto m = job.find("metadata"); m != job.end() && m->is_object()) {
    ns = m->value("namespace", "");
  }
  return {ns + "/" + std::to_string(id->get<uint64_t>())};
}

// Decodes a cached object; nullopt when absent or when it does not decode.
template <typename T, typename Decode>
std::optional<T> DecodeCached(const kube::ObjectPtr& obj, Decode decode) {
  if (!obj) return std::nullopt;
  StatusOr<T> decoded = decode(*obj);
  if (!decoded.ok()) return std::nullopt;
  return std::move(decoded).value();
}

template <typename T, typename Decode>
std::vector<T> DecodeAll(const kube::Informer& informer, Decode decode) {
  std::vector<T> out;
  for (const kube::ObjectPtr& obj : informer.cache().List()) {
    if (std::optional<T> t = DecodeCached<T>(obj, decode)) out.push_back(std::move(*t));
  }
  return out;
}

}  // namespace

InformerClusterView::InformerClusterView(kube::ApiClient* client, Clock* clock)
    : client_(client),
      accounts_(std::make_unique<kube::Informer>(client, kube::ResourceRef::FairwayAccounts(), "",
                                                 clock)),
      partitions_(std::make_unique<kube::Informer>(client, kube::ResourceRef::FairwayPartitions(),
                                                   "", clock)),
      qos_(std::make_unique<kube::Informer>(client, kube::ResourceRef::FairwayQoses(), "", clock)),
      jobs_(std::make_unique<kube::Informer>(client, kube::ResourceRef::FairwayJobs(), "", clock)) {
  jobs_->AddIndex(kJobIdIndex, &JobIdIndexValue);
  jobs_->AddIndex(kSubmittedIndex, &SubmittedJobIndexValues);
}

InformerClusterView::~InformerClusterView() { Stop(); }

Status InformerClusterView::Start(Duration timeout) {
  for (kube::Informer* i : {accounts_.get(), partitions_.get(), qos_.get(), jobs_.get()}) {
    i->Start();
  }
  for (kube::Informer* i : {accounts_.get(), partitions_.get(), qos_.get(), jobs_.get()}) {
    if (!i->WaitForSync(timeout)) {
      return UnavailableError("admission: " + i->resource().GroupResource() +
                              " did not sync; are the CRDs installed?");
    }
  }
  return OkStatus();
}

void InformerClusterView::Stop() {
  for (kube::Informer* i : {accounts_.get(), partitions_.get(), qos_.get(), jobs_.get()}) {
    i->Stop();
  }
}

bool InformerClusterView::HasSynced() const {
  return accounts_->HasSynced() && partitions_->HasSynced() && qos_->HasSynced() &&
         jobs_->HasSynced();
}

std::optional<api::AccountObject> InformerClusterView::GetAccount(const std::string& name) const {
  return DecodeCached<api::AccountObject>(accounts_->cache().Get("", name), &api::AccountFromJson);
}

std::vector<api::AccountObject> InformerClusterView::ListAccounts() const {
  return DecodeAll<api::AccountObject>(*accounts_, &api::AccountFromJson);
}

std::optional<api::PartitionObject> InformerClusterView::GetPartition(
    const std::string& name) const {
  return DecodeCached<api::PartitionObject>(partitions_->cache().Get("", name),
                                            &api::PartitionFromJson);
}

std::vector<api::PartitionObject> InformerClusterView::ListPartitions() const {
  return DecodeAll<api::PartitionObject>(*partitions_, &api::PartitionFromJson);
}

std::optional<api::QosObject> InformerClusterView::GetQos(const std::string& name) const {
  return DecodeCached<api::QosObject>(qos_->cache().Get("", name), &api::QosFromJson);
}

std::optional<api::JobObject> InformerClusterView::GetJob(const std::string& ns,
                                                          const std::string& name) const {
  if (kube::ObjectPtr cached = jobs_->cache().Get(ns, name)) {
    return DecodeCached<api::JobObject>(cached, &api::JobFromJson);
  }
  StatusOr<nlohmann::json> live = client_->Get(kube::ResourceRef::FairwayJobs(), ns, name);
  if (!live.ok()) return std::nullopt;
  return DecodeCached<api::JobObject>(std::make_shared<const nlohmann::json>(std::move(*live)),
                                      &api::JobFromJson);
}

std::optional<api::JobObject> InformerClusterView::GetJobById(const std::string& ns,
                                                              uint64_t job_id) const {
  std::vector<kube::ObjectPtr> found =
      jobs_->cache().ByIndex(kJobIdIndex, ns + "/" + std::to_string(job_id));
  if (found.empty()) return std::nullopt;
  return DecodeCached<api::JobObject>(found.front(), &api::JobFromJson);
}

std::vector<SubmittedJob> InformerClusterView::UnfinishedJobs(JobGroup group,
                                                              const std::string& name) const {
  std::vector<SubmittedJob> out;
  for (const kube::ObjectPtr& obj :
       jobs_->cache().ByIndex(kSubmittedIndex, JobGroupKey(group, name))) {
    if (std::optional<SubmittedJob> s = SubmittedJobOf(*obj)) out.push_back(std::move(*s));
  }
  return out;
}

}  // namespace fairway::webhook
