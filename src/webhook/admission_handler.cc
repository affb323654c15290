#include "webhook/admission_handler.h"

#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

#include "webhook/admission_review.h"
#include "webhook/cluster_object_validation.h"
#include "webhook/job_mutation.h"
#include "webhook/job_validation.h"

namespace fairway::webhook {

using nlohmann::json;

namespace {

HttpReply ErrorReply(int status, const std::string& message) {
  json body = {{"kind", "Status"},
               {"apiVersion", "v1"},
               {"status", "Failure"},
               {"message", message},
               {"code", status}};
  return HttpReply{status, "application/json",
                   body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

bool IsFairway(const AdmissionRequest& r, std::initializer_list<std::string_view> resources) {
  if (r.resource.group != "fairway.dev") return false;
  for (std::string_view res : resources) {
    if (r.resource.resource == res) return true;
  }
  return false;
}

// Runs the admission function of `path` on a parsed request.
AdmissionResponse Admit(const std::string& path, const AdmissionRequest& request,
                        const ClusterView& view, const config::AdmissionSettings& settings) {
  std::string got = request.resource.group + "/" + request.resource.resource;
  if (path == kMutateJobsPath || path == kValidateJobsPath) {
    if (!IsFairway(request, {"jobs"})) {
      return Deny(request.uid, 400, path + " admits fairway.dev jobs; got " + got);
    }
    return path == kMutateJobsPath ? MutateJob(request, view, settings)
                                   : ValidateJob(request, view, settings);
  }
  if (!IsFairway(request, {"accounts", "partitions", "qoses"})) {
    return Deny(request.uid, 400,
                path + " admits fairway.dev accounts, partitions and qoses; got " + got);
  }
  return ValidateClusterObject(request, view, settings);
}

}  // namespace

AdmissionHandler::AdmissionHandler(const ClusterView* view, config::AdmissionSettings settings)
    : view_(view),
      settings_(std::make_shared<const config::AdmissionSettings>(std::move(settings))) {}

void AdmissionHandler::SetSettings(config::AdmissionSettings settings) {
  auto next = std::make_shared<const config::AdmissionSettings>(std::move(settings));
  std::lock_guard<std::mutex> lock(mu_);
  settings_ = std::move(next);
}

config::AdmissionSettings AdmissionHandler::settings() const { return *Snapshot(); }

std::shared_ptr<const config::AdmissionSettings> AdmissionHandler::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return settings_;
}

HttpReply AdmissionHandler::Handle(const std::string& path, const std::string& body) const {
  if (path != kMutateJobsPath && path != kValidateJobsPath && path != kValidateClusterObjectsPath) {
    return ErrorReply(404, "no admission endpoint at " + path);
  }
  StatusOr<AdmissionRequest> request = ParseAdmissionReviewBody(body);
  if (!request.ok()) {
    return ErrorReply(400, "not an AdmissionReview v1: " + request.status().ToString());
  }
  // The admission functions call nlohmann::json, which throws on misuse: the library edge.
  try {
    AdmissionResponse response = Admit(path, *request, *view_, *Snapshot());
    return HttpReply{
        200, "application/json",
        ToAdmissionReviewResponse(response).dump(-1, ' ', false, json::error_handler_t::replace)};
  } catch (const std::exception& e) {
    return ErrorReply(500, std::string("admission failed: ") + e.what());
  }
}

}  // namespace fairway::webhook
