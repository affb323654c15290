// libFuzzer target for the admission webhook's handling of untrusted HTTP bodies
// (src/webhook/admission_handler.h): the AdmissionReview parser and every admission function
// behind it, against a small fixed cluster. Built only with -DFAIRWAY_BUILD_FUZZ=ON and clang
// (it links fairway_webhook); run e.g.
//   ./admission_review_fuzz -max_total_time=60 -dict=fuzz/crd_json.dict
//   fuzz/corpus/admission_review
// The input is the body POSTed to each route. Properties checked: nothing crashes, trips a
// sanitizer or throws; the reply is 200 or 400 (500 means an admission function threw: a bug);
// a 200 reply is an AdmissionReview answering the request's uid; and an allowed patch applies
// cleanly to the request's object.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "common/base64.h"
#include "webhook/admission_handler.h"
#include "webhook/admission_review.h"

namespace {

using nlohmann::json;
using namespace fairway;  // NOLINT(build/namespaces)

[[noreturn]] void Violation(const char* what, const std::string& detail) {
  std::fprintf(stderr, "property violated: %s: %s\n", what, detail.c_str());
  std::abort();
}

template <typename T, typename Decode>
T Decode(Decode decode, const char* text) {
  StatusOr<T> v = decode(json::parse(text));
  if (!v.ok()) Violation("fixture does not decode", v.status().ToString());
  return std::move(v).value();
}

// Accounts, partitions and QoS shaped like examples/.
const webhook::StaticClusterView& View() {
  static const webhook::StaticClusterView* view = [] {
    auto* v = new webhook::StaticClusterView();
    v->accounts["physics"] = Decode<api::AccountObject>(
        api::AccountFromJson,
        R"({"metadata":{"name":"physics"},"spec":{"users":["alice"],"defaultFor":["alice"],
            "defaultQos":"normal","allowedQos":["normal","high"]}})");
    v->accounts["astro"] = Decode<api::AccountObject>(
        api::AccountFromJson,
        R"({"metadata":{"name":"astro"},"spec":{"parent":"physics","groups":["astro-lab"]}})");
    v->partitions["gpu"] = Decode<api::PartitionObject>(
        api::PartitionFromJson,
        R"({"metadata":{"name":"gpu"},"spec":{"default":true,"maxTime":"2-00:00:00",
            "defaultTime":"1:00:00"}})");
    v->qos["normal"] = Decode<api::QosObject>(
        api::QosFromJson, R"({"metadata":{"name":"normal"},"spec":{"preempt":["low"]}})");
    v->jobs_by_namespace["ml"] = {Decode<api::JobObject>(
        api::JobFromJson,
        R"({"metadata":{"name":"prep","namespace":"ml"},"spec":{"user":"alice",
            "dependency":"afterok:train"},"status":{"jobID":7,"state":"PENDING"}})")};
    return v;
  }();
  return *view;
}

void CheckReply(const std::string& path, const std::string& body, const webhook::HttpReply& reply) {
  if (reply.status == 400) return;
  if (reply.status != 200) Violation("unexpected HTTP status", path + " " + reply.body);
  StatusOr<webhook::AdmissionRequest> request = webhook::ParseAdmissionReviewBody(body);
  if (!request.ok()) Violation("200 for a body that does not parse", path);
  json out = json::parse(reply.body, nullptr, false);
  if (out.is_discarded() || out["response"]["uid"] != request->uid) {
    Violation("reply is not an AdmissionReview for the request", reply.body);
  }
  const json& response = out["response"];
  if (response["allowed"] != true || !response.contains("patch")) return;
  StatusOr<std::string> patch = Base64Decode(response["patch"].get<std::string>());
  if (!patch.ok()) Violation("patch is not base64", reply.body);
  try {
    (void)request->object.patch(json::parse(*patch));
  } catch (const std::exception& e) {
    Violation("patch does not apply to the object", e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const webhook::AdmissionHandler handler(&View(), config::AdmissionSettings{});
  std::string body(reinterpret_cast<const char*>(data), size);
  for (std::string_view path : {webhook::kMutateJobsPath, webhook::kValidateJobsPath,
                                webhook::kValidateClusterObjectsPath}) {
    CheckReply(std::string(path), body, handler.Handle(std::string(path), body));
  }
  return 0;
}
