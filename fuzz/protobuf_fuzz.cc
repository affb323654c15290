// libFuzzer target for the sandbox's Kubernetes protobuf decoding (src/sandbox/internal/
// protobuf_wire.h, protobuf.h, delete_options_body.h): the wire reader, the "k8s\0" +
// runtime.Unknown envelope and the per-kind schemas, over bytes a client sends before any
// authentication. Built only with -DFAIRWAY_BUILD_FUZZ=ON and clang; run e.g.
//   ./protobuf_fuzz -max_total_time=60 -max_len=512 /tmp/pb_corpus fuzz/corpus/protobuf
// The first byte picks the kind the body is decoded as when its envelope names none; the rest is
// the body. Properties checked: nothing crashes, trips a sanitizer or throws; every rejection is a
// 400 or 415 ApiError; an accepted object is JSON with the apiVersion and kind it was decoded as
// and serializes; the wire reader never reads past its input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sandbox/internal/delete_options_body.h"
#include "sandbox/internal/protobuf.h"

namespace {

namespace pb = fairway::sandbox::internal::protobuf;

[[noreturn]] void Violation(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

struct Kind {
  const char* api_version;
  const char* kind;
};
constexpr Kind kKinds[] = {{"v1", "Secret"},
                           {"v1", "ConfigMap"},
                           {"v1", "Namespace"},
                           {"apps/v1", "Deployment"},
                           {"batch/v1", "CronJob"},
                           {"policy/v1", "Eviction"},
                           {"meta.k8s.io/v1", "DeleteOptions"}};

void CheckRejection(int code) {
  if (code != 400 && code != 415) Violation("a rejection that is neither 400 nor 415");
}

// Every field the reader returns lies inside the input; it stops (done or error) in a bounded
// number of steps.
void CheckReader(std::string_view data) {
  pb::Reader r(data);
  std::string err;
  for (size_t steps = 0; !r.done(); ++steps) {
    if (steps > data.size()) Violation("the reader does not advance");
    pb::Field f;
    if (!r.Next(&f, &err)) {
      if (err.empty()) Violation("a reader error without a message");
      return;
    }
    if (f.wire == pb::WireType::kLen &&
        (f.bytes.data() < data.data() ||
         f.bytes.data() + f.bytes.size() > data.data() + data.size())) {
      Violation("a field's bytes outside the input");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Kind& k = kKinds[data[0] % (sizeof(kKinds) / sizeof(kKinds[0]))];
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  CheckReader(body);
  fairway::sandbox::Result<nlohmann::json> obj = pb::DecodeObject(body, k.api_version, k.kind);
  if (!obj.ok()) {
    CheckRejection(obj.error().code());
  } else {
    if (!obj->is_object() || !(*obj)["apiVersion"].is_string() || !(*obj)["kind"].is_string()) {
      Violation("a decoded object without apiVersion and kind");
    }
    (void)obj->dump();  // throws on invalid UTF-8: the decoder must have rejected it
  }
  fairway::sandbox::HttpRequest req;
  req.headers["content-type"] = std::string(pb::kMediaType);
  req.body = body;
  fairway::sandbox::Result<std::string> options =
      fairway::sandbox::internal::DeleteOptionsBody(req);
  if (!options.ok()) CheckRejection(options.error().code());
  return 0;
}
