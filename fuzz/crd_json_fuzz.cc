// libFuzzer target for the CRD codecs in src/api (job_types.h, partition_types.h,
// account_types.h, qos_types.h). Built only with -DFAIRWAY_BUILD_FUZZ=ON and clang; run e.g.
//   ./crd_json_fuzz -max_total_time=60 -dict=fuzz/crd_json.dict fuzz/corpus/crd_json
// The input is parsed as JSON (invalid JSON is skipped) and fed to every decoder, whole and as
// a spec/status/metadata fragment. Properties checked: nothing crashes, trips a sanitizer or
// throws; an accepted object converts to the core without crashing; and ToJson of an accepted
// object is accepted again and decodes to an equal value (round trip).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "api/account_types.h"
#include "api/job_types.h"
#include "api/object_meta.h"
#include "api/partition_types.h"
#include "api/qos_types.h"

namespace {

using nlohmann::json;

[[noreturn]] void Violation(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

template <typename Object, typename Decode, typename ToCore>
void Check(const json& j, Decode decode, ToCore to_core, const char* kind) {
  fairway::StatusOr<Object> obj = decode(j);
  if (!obj.ok()) {
    if (obj.status().code() != fairway::StatusCode::kInvalidArgument) {
      Violation(kind);  // decode errors are always InvalidArgument
    }
    return;
  }
  (void)to_core(*obj);
  fairway::StatusOr<Object> again = decode(fairway::api::ToJson(*obj));
  if (!again.ok()) {
    std::fprintf(stderr, "%s re-decode: %s\n", kind, again.status().ToString().c_str());
    Violation("ToJson output is rejected");
  }
  if (!(*again == *obj)) {
    Violation("round trip changed the object");
  }
}

void CheckAll(const json& j) {
  using namespace fairway::api;
  Check<JobObject>(
      j, [](const json& v) { return JobFromJson(v); },
      [](const JobObject& o) { return ToCoreJob(o).status(); }, "Job");
  Check<PartitionObject>(
      j, [](const json& v) { return PartitionFromJson(v); },
      [](const PartitionObject& o) { return ToCorePartition(o).status(); }, "Partition");
  Check<AccountObject>(
      j, [](const json& v) { return AccountFromJson(v); },
      [](const AccountObject& o) { return ToCoreAccount(o).status(); }, "Account");
  Check<QosObject>(
      j, [](const json& v) { return QosFromJson(v); },
      [](const QosObject& o) { return ToCoreQos(o).status(); }, "QoS");
  (void)ObjectMetaFromJson(j);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  json j = json::parse(data, data + size, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return 0;
  }
  CheckAll(j);
  // The same value as a spec, a status and metadata, so short inputs reach the field checks.
  for (const char* key : {"spec", "status", "metadata"}) {
    CheckAll(json{{key, j}});
  }
  return 0;
}
