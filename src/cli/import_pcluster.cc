#include "cli/import_pcluster.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/pcluster_import.h"

namespace fairway::cli {
namespace {

int Fail(const CliEnvironment& env, const std::string& message) {
  *env.err << "import-pcluster: error: " << message << "\n";
  return 1;
}

}  // namespace

std::string ImportPclusterUsage() {
  return "Usage: kubectl fairway import-pcluster [--settings-namespace=NS] FILE\n"
         "Prints Partitions (one per SlurmQueues entry) with their nodePools (one per compute\n"
         "resource) and the fairway-settings ConfigMap for an AWS ParallelCluster 3 cluster\n"
         "configuration, as YAML for `kubectl apply -f -`. FILE - reads standard input.\n"
         "What cannot be mapped is listed, with the reason, at the top of the output.\n"
         "\n"
         "  --settings-namespace=NS  namespace of the settings ConfigMap (fairway-system)\n"
         "  --help                   this help\n";
}

int RunImportPcluster(const std::vector<std::string>& args, const CliEnvironment& env) {
  PclusterImportOptions options;
  std::vector<std::string> files;
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      *env.out << ImportPclusterUsage();
      return 0;
    }
    if (a.rfind("--settings-namespace=", 0) == 0) {
      options.settings_namespace = a.substr(a.find('=') + 1);
    } else if (a.size() > 1 && a[0] == '-') {
      return Fail(env, "unknown option " + a + "\n" + ImportPclusterUsage());
    } else {
      files.push_back(a);
    }
  }
  if (files.size() != 1 || options.settings_namespace.empty()) {
    return Fail(env, "give one configuration FILE\n" + ImportPclusterUsage());
  }
  std::stringstream text;
  if (files[0] == "-") {
    if (env.in == nullptr) return Fail(env, "no standard input");
    text << env.in->rdbuf();
  } else {
    std::ifstream in(files[0]);
    if (!in) return Fail(env, "cannot read " + files[0]);
    text << in.rdbuf();
    options.source = files[0];
  }
  StatusOr<PclusterImport> result = ImportPclusterConfig(text.str(), options);
  if (!result.ok()) return Fail(env, files[0] + ": " + result.status().message());
  *env.out << result->yaml;
  *env.err << "import-pcluster: " << result->partitions << " partition(s), " << result->node_pools
           << " node pool(s)" << (result->settings ? ", settings" : "") << "; "
           << result->unmapped.size() << " item(s) not mapped (listed at the top of the output)\n";
  return 0;
}

}  // namespace fairway::cli
