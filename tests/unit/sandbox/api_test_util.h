// In-process helpers for ApiServer tests: issue a request through ApiServer::Handle and parse
// the JSON reply.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "sandbox/api_server.h"

namespace fairway::sandbox::testing {

struct Reply {
  int status = 0;
  nlohmann::json body;
  HttpResponse raw;
};

class ApiServerTest : public ::testing::Test {
 protected:
  ApiServerTest()
      : clock_(std::chrono::system_clock::from_time_t(1740816000)),  // 2025-03-01T08:00:00Z
        api_(&clock_, Options()) {}

  static ApiServer::Options Options() {
    ApiServer::Options o;
    o.bookmark_interval = std::chrono::seconds(1);
    return o;
  }

  Reply Do(const std::string& method, const std::string& target, const nlohmann::json& body = nullptr,
           const std::string& content_type = "application/json", const std::string& accept = "application/json") {
    HttpRequest req;
    req.method = method;
    req.target = target;
    req.headers["content-type"] = content_type;
    req.headers["accept"] = accept;
    if (!body.is_null()) req.body = body.is_string() ? body.get<std::string>() : body.dump();
    HandlerReply r = api_.Handle(req);
    EXPECT_EQ(r.watch, nullptr) << target;
    Reply out;
    out.status = r.response.status;
    out.raw = r.response;
    out.body = nlohmann::json::parse(r.response.body, nullptr, false);
    return out;
  }

  // A watch started in-process; Poll() returns the lines available now.
  std::shared_ptr<WatchStream> Watch(const std::string& target, const std::string& accept = "application/json") {
    HttpRequest req;
    req.method = "GET";
    req.target = target;
    req.headers["accept"] = accept;
    HandlerReply r = api_.Handle(req);
    EXPECT_NE(r.watch, nullptr) << r.response.body;
    return r.watch;
  }

  static std::vector<nlohmann::json> Events(WatchStream& w, bool* alive = nullptr) {
    std::string out;
    bool a = w.Poll(&out);
    if (alive != nullptr) *alive = a;
    std::vector<nlohmann::json> events;
    size_t start = 0;
    while (start < out.size()) {
      size_t nl = out.find('\n', start);
      events.push_back(nlohmann::json::parse(out.substr(start, nl - start)));
      start = nl + 1;
    }
    return events;
  }

  static nlohmann::json PodBody(const std::string& name) {
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"labels", {{"app", "train"}}}}},
            {"spec", {{"containers", {{{"name", "main"}, {"image", "busybox"}}}}}}};
  }

  static nlohmann::json CrdBody() {
    return nlohmann::json::parse(R"({
      "apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
      "metadata":{"name":"gpujobs.example.com"},
      "spec":{"group":"example.com","scope":"Namespaced",
        "names":{"plural":"gpujobs","singular":"gpujob","kind":"GpuJob","listKind":"GpuJobList",
                 "shortNames":["gj"],"categories":["all"]},
        "versions":[{"name":"v1","served":true,"storage":true,
          "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas"}},
          "additionalPrinterColumns":[{"name":"GPUs","type":"integer","jsonPath":".spec.gpus"}],
          "schema":{"openAPIV3Schema":{"type":"object","properties":{
            "spec":{"type":"object","default":{},"required":["gpus"],"properties":{
              "gpus":{"type":"integer","minimum":1,"maximum":8},
              "replicas":{"type":"integer"},
              "priority":{"type":"integer","default":0}}},
            "status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}})");
  }

  FakeClock clock_;
  ApiServer api_;
};

}  // namespace fairway::sandbox::testing
