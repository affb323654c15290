// libFuzzer target for kubectl fairway import-pcluster (src/cli/pcluster_import.h): the input is
// a ParallelCluster configuration. Properties: nothing crashes, trips a sanitizer or throws
// (yaml-cpp throws; the importer must catch at its edge); a refusal is kInvalidArgument; what
// an accepted input prints is YAML that loads again, and its settings document (if any) is one
// the operator's settings parsers accept.
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli/pcluster_import.h"
#include "config/admission_settings.h"
#include "config/scheduler_settings.h"

namespace {

[[noreturn]] void Violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "property violated: %s: %s\n", what, detail.c_str());
  std::abort();
}

void CheckSettings(const std::vector<YAML::Node>& docs) {
  for (const YAML::Node& doc : docs) {
    if (!doc.IsMap() || !doc["kind"] || doc["kind"].as<std::string>() != "ConfigMap") continue;
    const std::string text = doc["data"]["fairway.yaml"].as<std::string>();
    fairway::Status s = fairway::config::ParseSchedulerSettings(text).status();
    if (!s.ok()) Violated("settings refused by ParseSchedulerSettings", s.ToString() + "\n" + text);
    s = fairway::config::ParseAdmissionSettings(text).status();
    if (!s.ok()) Violated("settings refused by ParseAdmissionSettings", s.ToString() + "\n" + text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  fairway::StatusOr<fairway::cli::PclusterImport> r = fairway::cli::ImportPclusterConfig(text, {});
  if (!r.ok()) {
    if (r.status().code() != fairway::StatusCode::kInvalidArgument) {
      Violated("ImportPclusterConfig", r.status().ToString());
    }
    return 0;
  }
  try {
    CheckSettings(YAML::LoadAll(r->yaml));
  } catch (const YAML::Exception& e) {
    Violated("output is not YAML", std::string(e.what()) + "\n" + r->yaml);
  }
  return 0;
}
