#include "cli/pcluster_import.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "cli/instance_types.h"
#include "common/status_macros.h"
#include "config/admission_settings.h"
#include "config/scheduler_settings.h"

namespace fairway::cli {
namespace {

// Keys handled elsewhere (empty reason) or reported with their reason.
using KeyReasons = std::map<std::string, std::string>;

const char kInfrastructure[] =
    "cluster infrastructure: Kubernetes and its node provisioning own it";

const KeyReasons& TopLevelKeys() {
  static const auto* keys = new KeyReasons{
      {"Scheduling", ""},
      {"Region", kInfrastructure},
      {"Image",
       "node images belong to the node groups (Karpenter EC2NodeClass, managed node "
       "group); job images to the Job's pod template"},
      {"HeadNode", "the operator and the API server do the head node's work"},
      {"LoginNodes", "users submit with kubectl fairway from their own machines"},
      {"SharedStorage",
       "mount shared file systems as volumes (PersistentVolumeClaims) in the "
       "Job's pod template"},
      {"DirectoryService",
       "use the operator's directory sync (settings `directory:`, README "
       "\"Users and groups from LDAP\") for accounts, and the cluster's "
       "authenticator for logins"},
      {"Imds", kInfrastructure},
      {"Iam", kInfrastructure},
      {"Tags", kInfrastructure},
      {"CustomS3Bucket", kInfrastructure},
      {"AdditionalPackages", kInfrastructure},
      {"Monitoring", "the operator exports Prometheus metrics on its /metrics endpoint"},
      {"DevSettings", kInfrastructure},
      {"DeploymentSettings", kInfrastructure},
      {"AdditionalResources", kInfrastructure},
  };
  return *keys;
}

const KeyReasons& SchedulingKeys() {
  static const auto* keys = new KeyReasons{
      {"Scheduler", ""},
      {"SlurmQueues", ""},
      {"SlurmSettings", ""},
      {"ScalingStrategy",
       "how nodes are launched is the autoscaler's (Karpenter, "
       "cluster-autoscaler) choice"},
  };
  return *keys;
}

const KeyReasons& SlurmSettingsKeys() {
  static const auto* keys = new KeyReasons{
      {"ScaledownIdletime", ""},
      {"CustomSlurmSettings", ""},
      {"QueueUpdateStrategy",
       "Partition edits apply at once and never stop running jobs; node replacement follows the "
       "autoscaler's own rollout"},
      {"EnableMemoryBasedScheduling", "Fairway always checks a job's memory against its node's"},
      {"CustomSlurmSettingsIncludeFile",
       "the file is not read: copy its parameters into CustomSlurmSettings and import again"},
      {"Database", "job history is kept by the operator (JobRecords; kubectl fairway sacct)"},
      {"ExternalSlurmdbd", "job history is kept by the operator (JobRecords)"},
      {"MungeKeySecretArn", "the API server authenticates users; there is no munge"},
      {"Dns", kInfrastructure},
  };
  return *keys;
}

const KeyReasons& QueueKeys() {
  static const auto* keys = new KeyReasons{
      {"Name", ""},
      {"ComputeResources", ""},
      {"CustomSlurmSettings", ""},
      {"CapacityType",
       "spot or on-demand is the node group's choice (Karpenter "
       "karpenter.sh/capacity-type requirement, managed node group capacityType)"},
      {"AllocationStrategy", "the node group's choice"},
      {"JobExclusiveAllocation",
       "Fairway has no OverSubscribe=EXCLUSIVE partitions; jobs that "
       "want whole nodes ask for them (--exclusive)"},
      {"ComputeSettings", kInfrastructure},
      {"Networking", kInfrastructure},
      {"Iam", kInfrastructure},
      {"Image", "node images belong to the node groups; job images to the Job's pod template"},
      {"CustomActions", "node bootstrap belongs to the node groups (user data, DaemonSets)"},
      {"Tags", kInfrastructure},
      {"HealthChecks", "node health belongs to Kubernetes (node conditions, GPU operator)"},
      {"CapacityReservationTarget", kInfrastructure},
  };
  return *keys;
}

const KeyReasons& ComputeResourceKeys() {
  static const auto* keys = new KeyReasons{
      {"Name", ""},
      {"InstanceType", ""},
      {"Instances", ""},
      {"MinCount", ""},
      {"MaxCount", ""},
      {"DisableSimultaneousMultithreading", ""},
      {"Efa", ""},
      {"SpotPrice", "spot prices are the node group's choice"},
      {"StaticNodePriority", "Fairway has no node weights"},
      {"DynamicNodePriority", "Fairway has no node weights"},
      {"Networking", kInfrastructure},
      {"CapacityReservationTarget", kInfrastructure},
      {"CustomSlurmSettings", "node parameters (slurm.conf NodeName=) have no Fairway field"},
      {"Tags", kInfrastructure},
      {"HealthChecks", "node health belongs to Kubernetes (node conditions, GPU operator)"},
      {"SchedulableMemory", "Fairway schedules against the node's allocatable memory"},
      {"LaunchTemplateOverrides", kInfrastructure},
  };
  return *keys;
}

// "path.key", or "key" at the top level.
std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string LineOf(const YAML::Node& node) {
  return node.Mark().is_null() ? "" : " (line " + std::to_string(node.Mark().line + 1) + ")";
}

Status FieldError(const YAML::Node& node, const std::string& path, const std::string& message) {
  return InvalidArgumentError(path + LineOf(node) + ": " + message);
}

// Lists `map`'s keys that are not handled, each with its reason.
void ReportKeys(const YAML::Node& map, const std::string& path, const KeyReasons& known,
                std::vector<Unmapped>* unmapped) {
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    auto it = known.find(key);
    if (it == known.end()) {
      unmapped->push_back({Join(path, key), "not a ParallelCluster 3 key (misspelt?)"});
    } else if (!it->second.empty()) {
      unmapped->push_back({Join(path, key), it->second});
    }
  }
}

StatusOr<std::string> RequiredString(const YAML::Node& parent, const std::string& path,
                                     const std::string& key) {
  const YAML::Node n = parent[key];
  if (!n || !n.IsScalar() || n.Scalar().empty()) {
    return FieldError(n ? n : parent, path + "." + key, "required, a non-empty string");
  }
  return n.Scalar();
}

StatusOr<int64_t> Count(const YAML::Node& parent, const std::string& path, const std::string& key,
                        int64_t fallback) {
  const YAML::Node n = parent[key];
  if (!n) return fallback;
  int64_t value = 0;
  if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, value) || value < 0) {
    return FieldError(n, path + "." + key, "must be a whole number >= 0");
  }
  return value;
}

bool IsTrue(const YAML::Node& n) {
  bool value = false;
  return n && n.IsScalar() && YAML::convert<bool>::decode(n, value) && value;
}

// A DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric.
std::string DnsLabel(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    out += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '-';
  }
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.substr(0, 63);
}

StatusOr<std::vector<std::string>> InstanceTypes(const YAML::Node& cr, const std::string& path) {
  const YAML::Node single = cr["InstanceType"];
  const YAML::Node list = cr["Instances"];
  if (static_cast<bool>(single) == static_cast<bool>(list)) {
    return FieldError(cr, path, "give exactly one of InstanceType and Instances");
  }
  if (single) {
    FAIRWAY_ASSIGN_OR_RETURN(std::string type, RequiredString(cr, path, "InstanceType"));
    return std::vector<std::string>{type};
  }
  if (!list.IsSequence() || list.size() == 0) {
    return FieldError(list, path + ".Instances", "must be a non-empty list");
  }
  std::vector<std::string> types;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string item = path + ".Instances[" + std::to_string(i) + "]";
    if (!list[i].IsMap()) return FieldError(list[i], item, "must be {InstanceType: TYPE}");
    FAIRWAY_ASSIGN_OR_RETURN(std::string type, RequiredString(list[i], item, "InstanceType"));
    types.push_back(type);
  }
  return types;
}

// A pool's per-node resources: the smallest over its instance types, since a job planned for
// the pool must fit whichever of them the autoscaler launches.
struct PoolShape {
  int32_t gpus = 0;
  std::optional<int32_t> cpus;
  std::optional<int64_t> memory_gib;
};

PoolShape ShapeOf(const std::vector<std::string>& types, bool smt_off, const std::string& path,
                  std::vector<Unmapped>* unmapped) {
  PoolShape shape;
  std::vector<const InstanceTypeInfo*> infos;
  for (const std::string& type : types) {
    const InstanceTypeInfo* info = LookupInstanceType(type);
    if (info == nullptr) {
      unmapped->push_back({path, type + " is not in the GPU instance table: gpusPerNode 0, "
                                        "cpusPerNode and memoryPerNode left out; set them by hand "
                                        "if it has GPUs"});
      return shape;
    }
    if (info->neuron > 0) {
      unmapped->push_back({path, type + " has " + std::to_string(info->neuron) +
                                     " AWS Neuron device(s) (aws.amazon.com/neuron), which are "
                                     "not GPUs Fairway schedules: gpusPerNode 0"});
    }
    infos.push_back(info);
  }
  auto min_of = [&](auto field) {
    return (*std::min_element(infos.begin(), infos.end(), [&](auto* a, auto* b) {
             return a->*field < b->*field;
           }))->*field;
  };
  shape.gpus = min_of(&InstanceTypeInfo::gpus);
  shape.cpus = min_of(&InstanceTypeInfo::vcpus) / (smt_off ? 2 : 1);
  shape.memory_gib = min_of(&InstanceTypeInfo::memory_gib);
  if (std::any_of(infos.begin(), infos.end(), [&](auto* i) { return i->gpus != shape.gpus; })) {
    unmapped->push_back({path,
                         "instance types with different GPU counts: the pool counts the "
                         "smallest, " +
                             std::to_string(shape.gpus)});
  }
  return shape;
}

// The pool's fields, in the order the Partition CRD lists them.
YAML::Node PoolNode(const std::string& name, const std::string& label,
                    const std::vector<std::string>& types, int64_t min, int64_t max,
                    const PoolShape& shape) {
  YAML::Node pool;
  pool["name"] = name;
  pool["nodeSelector"][std::string(kNodePoolLabel)] = label;
  if (types.size() == 1) pool["nodeSelector"]["node.kubernetes.io/instance-type"] = types[0];
  pool["tolerations"] = YAML::Node(YAML::NodeType::Sequence);
  if (shape.gpus > 0) {
    YAML::Node toleration;
    toleration["key"] = "nvidia.com/gpu";
    toleration["operator"] = "Exists";
    toleration["effect"] = "NoSchedule";
    pool["tolerations"].push_back(toleration);
  } else {
    pool["tolerations"].SetStyle(YAML::EmitterStyle::Flow);  // "[]" on the key's line
  }
  pool["minNodes"] = min;
  pool["maxNodes"] = max;
  pool["gpusPerNode"] = shape.gpus;
  if (shape.cpus) pool["cpusPerNode"] = *shape.cpus;
  if (shape.memory_gib) pool["memoryPerNode"] = std::to_string(*shape.memory_gib) + "Gi";
  return pool;
}

// ParallelCluster's defaults: MinCount 0, MaxCount 10.
StatusOr<YAML::Node> BuildPool(const YAML::Node& cr, const std::string& path,
                               const std::string& queue, std::vector<Unmapped>* unmapped) {
  if (!cr.IsMap()) return FieldError(cr, path, "must be a mapping");
  FAIRWAY_ASSIGN_OR_RETURN(std::string raw_name, RequiredString(cr, path, "Name"));
  FAIRWAY_ASSIGN_OR_RETURN(std::vector<std::string> types, InstanceTypes(cr, path));
  FAIRWAY_ASSIGN_OR_RETURN(int64_t min, Count(cr, path, "MinCount", 0));
  FAIRWAY_ASSIGN_OR_RETURN(int64_t max, Count(cr, path, "MaxCount", 10));
  if (min > max) return FieldError(cr["MinCount"], path, "MinCount exceeds MaxCount");
  ReportKeys(cr, path, ComputeResourceKeys(), unmapped);
  if (const YAML::Node efa = cr["Efa"]; efa && IsTrue(efa["Enabled"])) {
    unmapped->push_back({path + ".Efa",
                         "Fairway does not request EFA devices: add "
                         "vpc.amazonaws.com/efa to the Job's pod template"});
  }
  const std::string name = DnsLabel(raw_name);
  if (name != raw_name) {
    unmapped->push_back({path + ".Name", "\"" + raw_name +
                                             "\" is not a DNS label: the pool is "
                                             "named \"" +
                                             name + "\""});
  }
  const bool smt_off = IsTrue(cr["DisableSimultaneousMultithreading"]);
  PoolShape shape = ShapeOf(types, smt_off, path, unmapped);
  return PoolNode(name, queue + "-" + name, types, min, max, shape);
}

// A queue's CustomSlurmSettings: a mapping of partition parameters.
void MapQueueParameters(const YAML::Node& custom, const std::string& path, YAML::Node spec,
                        std::vector<Unmapped>* unmapped) {
  if (!custom.IsMap()) {
    unmapped->push_back({path, "must be a mapping of partition parameters"});
    return;
  }
  for (const auto& kv : custom) {
    const std::string key = kv.first.Scalar();
    if (!kv.second.IsScalar()) {
      unmapped->push_back({path + "." + key, "value must be a scalar"});
      continue;
    }
    MapPartitionParameter(path + "." + key, key, kv.second.Scalar(), spec, unmapped);
  }
}

StatusOr<YAML::Node> BuildPartition(const YAML::Node& queue, const std::string& path, bool first,
                                    int* pools, std::vector<Unmapped>* unmapped) {
  if (!queue.IsMap()) return FieldError(queue, path, "must be a mapping");
  FAIRWAY_ASSIGN_OR_RETURN(std::string raw_name, RequiredString(queue, path, "Name"));
  const YAML::Node resources = queue["ComputeResources"];
  if (!resources || !resources.IsSequence() || resources.size() == 0) {
    return FieldError(resources ? resources : queue, path + ".ComputeResources",
                      "required, a non-empty list");
  }
  ReportKeys(queue, path, QueueKeys(), unmapped);
  const std::string name = DnsLabel(raw_name);
  if (name != raw_name) {
    unmapped->push_back({path + ".Name", "\"" + raw_name +
                                             "\" is not a DNS label: the "
                                             "Partition is named \"" +
                                             name + "\""});
  }
  YAML::Node partition;
  partition["apiVersion"] = "fairway.dev/v1alpha1";
  partition["kind"] = "Partition";
  partition["metadata"]["name"] = name;
  YAML::Node spec = partition["spec"];
  if (first) spec["default"] = true;  // ParallelCluster's first queue is the default partition
  YAML::Node expression;
  expression["key"] = std::string(kNodePoolLabel);
  expression["operator"] = "In";
  spec["nodeSelector"]["matchExpressions"].push_back(expression);
  if (const YAML::Node custom = queue["CustomSlurmSettings"]) {
    MapQueueParameters(custom, path + ".CustomSlurmSettings", spec, unmapped);
  }
  for (size_t i = 0; i < resources.size(); ++i) {
    const std::string cr_path = path + ".ComputeResources[" + std::to_string(i) + "]";
    FAIRWAY_ASSIGN_OR_RETURN(YAML::Node pool, BuildPool(resources[i], cr_path, name, unmapped));
    spec["nodeSelector"]["matchExpressions"][0]["values"].push_back(
        pool["nodeSelector"][std::string(kNodePoolLabel)].Scalar());
    spec["nodePools"].push_back(pool);
    ++*pools;
  }
  spec["nodeSelector"]["matchExpressions"][0]["values"].SetStyle(YAML::EmitterStyle::Flow);
  return partition;
}

// SlurmSettings.CustomSlurmSettings: a list of single-parameter mappings (a plain mapping is
// accepted too).
void MapCustomSlurmSettings(const YAML::Node& custom, const std::string& path, YAML::Node settings,
                            std::vector<Unmapped>* unmapped) {
  std::vector<std::pair<std::string, YAML::Node>> items;
  if (custom.IsMap()) {
    items.emplace_back(path, custom);
  } else if (custom.IsSequence()) {
    for (size_t i = 0; i < custom.size(); ++i) {
      items.emplace_back(path + "[" + std::to_string(i) + "]", custom[i]);
    }
  }
  if (items.empty()) unmapped->push_back({path, "must be a list of {Parameter: value}"});
  for (const auto& [item_path, item] : items) {
    if (!item.IsMap()) {
      unmapped->push_back({item_path, "must be a mapping {Parameter: value}"});
      continue;
    }
    for (const auto& kv : item) {
      const std::string key = kv.first.Scalar();
      if (!kv.second.IsScalar()) {
        unmapped->push_back({item_path + "." + key, "value must be a scalar"});
        continue;
      }
      MapClusterParameter(item_path + "." + key, key, kv.second.Scalar(), settings, unmapped);
    }
  }
}

void ImportSlurmSettings(const YAML::Node& slurm, const std::string& path, YAML::Node settings,
                         std::vector<Unmapped>* unmapped) {
  if (!slurm.IsMap()) {
    unmapped->push_back({path, "must be a mapping"});
    return;
  }
  ReportKeys(slurm, path, SlurmSettingsKeys(), unmapped);
  if (const YAML::Node idle = slurm["ScaledownIdletime"]) {
    const std::string minutes = idle.IsScalar() ? idle.Scalar() : "?";
    unmapped->push_back(
        {path + ".ScaledownIdletime",
         "scale-down is the autoscaler's: cluster-autoscaler "
         "--scale-down-unneeded-time=" +
             minutes + "m, or a Karpenter NodePool's disruption.consolidateAfter: " + minutes +
             "m"});
  }
  if (const YAML::Node custom = slurm["CustomSlurmSettings"]) {
    MapCustomSlurmSettings(custom, path + ".CustomSlurmSettings", settings, unmapped);
  }
}

// As `out << node`, except that scalars tagged "!" (strings that would read back as another
// type, pcluster_slurm_settings.cc) are double-quoted: yaml-cpp prints every string plain
// when it can.
void EmitNode(YAML::Emitter& out, const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      out << YAML::BeginMap;
      for (const auto& kv : node) {
        out << YAML::Key << kv.first.Scalar() << YAML::Value;
        EmitNode(out, kv.second);
      }
      out << YAML::EndMap;
      break;
    case YAML::NodeType::Sequence:
      if (node.Style() == YAML::EmitterStyle::Flow) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const YAML::Node& item : node) EmitNode(out, item);
      out << YAML::EndSeq;
      break;
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!") out << YAML::DoubleQuoted;
      out << node.Scalar();
      break;
    default:
      out << YAML::Null;
  }
}

std::string Emit(const YAML::Node& node) {
  YAML::Emitter out;
  EmitNode(out, node);
  return std::string(out.c_str()) + "\n";
}

// Removes the key at dotted `path` ("backfill.window") and the mappings it leaves empty.
// False when there is no such key.
bool RemovePath(YAML::Node root, const std::string& path) {
  const size_t dot = path.find('.');
  const std::string key = path.substr(0, dot);
  if (!root.IsMap() || !root[key]) return false;
  if (dot != std::string::npos) {
    if (!RemovePath(root[key], path.substr(dot + 1))) return false;
    if (root[key].size() > 0) return true;
  }
  return root.remove(key);
}

// The operator's own settings parsers judge what the import wrote: a value they refuse (a range
// this file does not repeat, bf_window above 43200 minutes, say) is listed and left out, so the
// printed settings always load.
void DropRefusedSettings(YAML::Node settings, std::vector<Unmapped>* unmapped) {
  const std::string where = "Scheduling.SlurmSettings.CustomSlurmSettings";
  while (settings.size() > 0) {
    const std::string text = Emit(settings);
    Status s = config::ParseSchedulerSettings(text).status();
    if (s.ok()) s = config::ParseAdmissionSettings(text).status();
    if (s.ok()) return;
    unmapped->push_back({where, "settings " + s.field() + ": " + s.message() +
                                    " (the operator would refuse it; left out)"});
    if (!RemovePath(settings, s.field())) {  // no key to blame: write no settings at all
      for (const std::string key :
           {"priority", "fairShare", "backfill", "scheduler", "preemption", "limits"}) {
        settings.remove(key);
      }
    }
  }
}

// The settings file as the operator's ConfigMap (deploy/base/kustomization.yaml).
std::string SettingsConfigMap(const YAML::Node& settings, const std::string& ns) {
  YAML::Node cm;
  cm["apiVersion"] = "v1";
  cm["kind"] = "ConfigMap";
  cm["metadata"]["name"] = "fairway-settings";
  cm["metadata"]["namespace"] = ns;
  cm["data"]["fairway.yaml"] = Emit(settings);
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const auto& kv : cm) {
    out << YAML::Key << kv.first;
    if (kv.first.Scalar() == "data") {
      out << YAML::Value << YAML::BeginMap << YAML::Key << "fairway.yaml" << YAML::Value
          << YAML::Literal << cm["data"]["fairway.yaml"].Scalar() << YAML::EndMap;
    } else {
      out << YAML::Value;
      EmitNode(out, kv.second);
    }
  }
  out << YAML::EndMap;
  return "# Replaces the operator's settings: merge these keys into your fairway.yaml if you\n"
         "# changed it.\n" +
         std::string(out.c_str()) + "\n";
}

std::string Header(const PclusterImportOptions& options, const std::vector<Unmapped>& unmapped) {
  std::string out = "# Fairway objects from the ParallelCluster configuration " +
                    (options.source.empty() ? std::string("(stdin)") : options.source) +
                    "\n# (kubectl fairway import-pcluster). Nodes join a pool by the label\n# " +
                    std::string(kNodePoolLabel) + "=<queue>-<compute resource>.\n";
  if (unmapped.empty()) return out + "# Everything was mapped.\n";
  out += "# Not mapped (" + std::to_string(unmapped.size()) + "):\n";
  for (const Unmapped& u : unmapped) out += "#   " + u.path + ": " + u.reason + "\n";
  return out;
}

StatusOr<PclusterImport> Import(const YAML::Node& root, const PclusterImportOptions& options) {
  if (!root.IsMap()) return InvalidArgumentError("the configuration must be a YAML mapping");
  PclusterImport result;
  ReportKeys(root, "", TopLevelKeys(), &result.unmapped);
  const YAML::Node scheduling = root["Scheduling"];
  if (!scheduling || !scheduling.IsMap()) {
    return FieldError(root, "Scheduling", "required, a mapping");
  }
  FAIRWAY_ASSIGN_OR_RETURN(std::string scheduler,
                           RequiredString(scheduling, "Scheduling", "Scheduler"));
  if (scheduler != "slurm") {
    return FieldError(scheduling["Scheduler"], "Scheduling.Scheduler",
                      "\"" + scheduler + "\": only Slurm clusters can be imported");
  }
  ReportKeys(scheduling, "Scheduling", SchedulingKeys(), &result.unmapped);
  YAML::Node settings(YAML::NodeType::Map);
  if (const YAML::Node slurm = scheduling["SlurmSettings"]) {
    ImportSlurmSettings(slurm, "Scheduling.SlurmSettings", settings, &result.unmapped);
  }
  const YAML::Node queues = scheduling["SlurmQueues"];
  if (!queues || !queues.IsSequence() || queues.size() == 0) {
    return FieldError(queues ? queues : scheduling, "Scheduling.SlurmQueues",
                      "required, a non-empty list");
  }
  std::string documents;
  for (size_t i = 0; i < queues.size(); ++i) {
    const std::string path = "Scheduling.SlurmQueues[" + std::to_string(i) + "]";
    FAIRWAY_ASSIGN_OR_RETURN(
        YAML::Node partition,
        BuildPartition(queues[i], path, i == 0, &result.node_pools, &result.unmapped));
    documents += "---\n" + Emit(partition);
    ++result.partitions;
  }
  DropRefusedSettings(settings, &result.unmapped);
  if (settings.size() > 0) {
    documents += "---\n" + SettingsConfigMap(settings, options.settings_namespace);
    result.settings = true;
  }
  result.yaml = Header(options, result.unmapped) + documents;
  return result;
}

}  // namespace

StatusOr<PclusterImport> ImportPclusterConfig(std::string_view text,
                                              const PclusterImportOptions& options) {
  // yaml-cpp reports syntax errors (and bad conversions) by throwing: this is the library edge.
  try {
    return Import(YAML::Load(std::string(text)), options);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("not valid YAML: line " + std::to_string(e.mark.line + 1) +
                                ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("the configuration could not be read: ") + e.what());
  }
}

}  // namespace fairway::cli
