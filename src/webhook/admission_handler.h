// The admission endpoints over HTTP bodies: parses an AdmissionReview, runs the admission
// function of the route, and serialises the answer. The transport (webhook_server.h) hands it
// the path and body of each POST.
//
//   /mutate-jobs               job_mutation.h        fairway.dev jobs, CREATE
//   /validate-jobs             job_validation.h      fairway.dev jobs, CREATE/UPDATE/DELETE
//   /validate-cluster-objects  cluster_object_validation.h
//                                                    fairway.dev accounts, partitions, qoses
// Replies: 200 with an AdmissionReview for every well-formed review (a request for a resource
// the route does not admit is denied with code 400, never allowed unchecked); 400 when the body
// is not JSON or not an AdmissionReview v1; 404 for an unknown path; 500 if an admission
// function failed unexpectedly (the API server then applies failurePolicy Fail). Never throws.
//
// Thread-safety: thread-safe. Handle may run concurrently with itself and with SetSettings.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "config/admission_settings.h"
#include "webhook/cluster_view.h"

namespace fairway::webhook {

inline constexpr std::string_view kMutateJobsPath = "/mutate-jobs";
inline constexpr std::string_view kValidateJobsPath = "/validate-jobs";
inline constexpr std::string_view kValidateClusterObjectsPath = "/validate-cluster-objects";

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class AdmissionHandler {
 public:
  // REQUIRES: `view` outlives the handler.
  AdmissionHandler(const ClusterView* view, config::AdmissionSettings settings);

  HttpReply Handle(const std::string& path, const std::string& body) const;

  // Replaces the settings for requests that start afterwards (settings file reloaded).
  void SetSettings(config::AdmissionSettings settings);
  config::AdmissionSettings settings() const;

 private:
  std::shared_ptr<const config::AdmissionSettings> Snapshot() const;

  const ClusterView* const view_;
  mutable std::mutex mu_;
  std::shared_ptr<const config::AdmissionSettings> settings_;  // GUARDED_BY(mu_)
};

}  // namespace fairway::webhook
