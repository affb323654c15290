// libFuzzer target for the sandbox's request handling: the input is raw bytes off the socket,
// parsed by the same Beast request parser and limits as HttpServer, then served by ApiServer
// (routing, query parsing, JSON/YAML/protobuf body decoding, fieldValidation, patches,
// server-side apply ownership, validation, admission). Properties: nothing crashes, trips a
// sanitizer or escapes as an exception; every reply has a status in [200, 600) and a non-2xx
// reply carries a Status object.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "sandbox/api_server.h"
#include "sandbox/internal/util.h"

namespace {

namespace http = boost::beast::http;

[[noreturn]] void Violation(const std::string& what) {
  std::fprintf(stderr, "property violated: %s\n", what.c_str());
  std::abort();
}

// A server with a custom resource to aim at; replaced now and then so that objects created by
// earlier inputs do not pile up.
class Server {
 public:
  fairway::sandbox::ApiServer& Get() {
    if (!api_ || ++uses_ % 2000 == 0) {
      api_ = std::make_unique<fairway::sandbox::ApiServer>(&clock_);
      (void)api_->Call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                       nlohmann::json::parse(kCrd));
    }
    return *api_;
  }

 private:
  static constexpr const char* kCrd = R"({"metadata":{"name":"gpujobs.example.com"},
    "spec":{"group":"example.com","scope":"Namespaced",
      "names":{"plural":"gpujobs","singular":"gpujob","kind":"GpuJob"},
      "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
        "schema":{"openAPIV3Schema":{"type":"object","properties":{
          "spec":{"type":"object","properties":{"gpus":{"type":"integer","minimum":1},
            "tags":{"type":"array","items":{"type":"string"}}}},
          "status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}]}})";
  fairway::FakeClock clock_{std::chrono::system_clock::from_time_t(1740816000)};
  std::unique_ptr<fairway::sandbox::ApiServer> api_;
  uint64_t uses_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server* const server = new Server();
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(3 * 1024 * 1024);  // HttpServer's defaults
  parser.header_limit(64 * 1024);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;
  http::request<http::string_body> raw = parser.release();
  fairway::sandbox::HttpRequest req;
  req.method = std::string(raw.method_string());
  req.target = std::string(raw.target());
  for (const auto& field : raw) {
    req.headers[fairway::sandbox::internal::ToLower(std::string(field.name_string()))] =
        std::string(field.value());
  }
  req.body = std::move(raw.body());
  fairway::sandbox::HandlerReply reply = server->Get().Handle(req);
  if (reply.watch) reply.watch->Close();
  const int status = reply.response.status;
  if (status < 200 || status >= 600) Violation("status " + std::to_string(status));
  if (status >= 300) {
    nlohmann::json body = nlohmann::json::parse(reply.response.body, nullptr, false);
    if (!body.is_object() || body.value("kind", "") != "Status") {
      Violation("a " + std::to_string(status) + " reply without a Status: " + reply.response.body);
    }
  }
  return 0;
}
