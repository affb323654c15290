#include "cli/pcluster_slurm_settings.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <regex>
#include <sstream>

#include "api/partition_types.h"

namespace fairway::cli {
namespace {

enum class Kind {
  kUint32,
  kPartitionPriority,  // PriorityJobFactor, PriorityTier: 0 .. api::kMaxPartitionPriority
  kDouble,
  kSlurmTime,
  kPartitionTime,  // a Slurm time for a string field of the Partition (below)
  kYesNo,
  kList,
  kPartitionState,
  kPreemptMode
};

// Where a parameter goes and what its value must be.
struct Target {
  std::vector<std::string> path;  // keys below the settings root (or the Partition spec)
  Kind kind;
};

const std::map<std::string, Target>& ClusterTargets() {
  static const auto* targets = new std::map<std::string, Target>{
      {"PriorityWeightAge", {{"priority", "weights", "age"}, Kind::kUint32}},
      {"PriorityWeightFairshare", {{"priority", "weights", "fairShare"}, Kind::kUint32}},
      {"PriorityWeightJobSize", {{"priority", "weights", "jobSize"}, Kind::kUint32}},
      {"PriorityWeightPartition", {{"priority", "weights", "partition"}, Kind::kUint32}},
      {"PriorityWeightQOS", {{"priority", "weights", "qos"}, Kind::kUint32}},
      {"PriorityWeightAssoc", {{"priority", "weights", "assoc"}, Kind::kUint32}},
      {"PriorityMaxAge", {{"priority", "maxAge"}, Kind::kSlurmTime}},
      {"PriorityCalcPeriod", {{"priority", "calcPeriod"}, Kind::kSlurmTime}},
      {"PriorityFavorSmall", {{"priority", "favorSmall"}, Kind::kYesNo}},
      {"PriorityDecayHalfLife", {{"fairShare", "decayHalfLife"}, Kind::kSlurmTime}},
      {"FairShareDampeningFactor", {{"fairShare", "dampeningFactor"}, Kind::kDouble}},
      {"MaxArraySize", {{"limits", "maxArraySize"}, Kind::kUint32}},
  };
  return *targets;
}

// SchedulerParameters options with a settings key; bf_window is minutes in Slurm, which is
// also what a bare number means in the settings file's Slurm time format.
const std::map<std::string, Target>& SchedulerParameterTargets() {
  static const auto* targets = new std::map<std::string, Target>{
      {"bf_interval", {{"backfill", "interval"}, Kind::kUint32}},
      {"bf_window", {{"backfill", "window"}, Kind::kSlurmTime}},
      {"bf_resolution", {{"backfill", "resolution"}, Kind::kUint32}},
      {"bf_max_job_test", {{"backfill", "maxJobTest"}, Kind::kUint32}},
      {"bf_max_job_start", {{"backfill", "maxJobStart"}, Kind::kUint32}},
      {"bf_job_part_count_reserve", {{"backfill", "jobPartCountReserve"}, Kind::kUint32}},
      {"bf_min_prio_reserve", {{"backfill", "minPrioReserve"}, Kind::kUint32}},
      {"default_queue_depth", {{"scheduler", "mainQueueDepth"}, Kind::kUint32}},
  };
  return *targets;
}

const std::map<std::string, Target>& PartitionTargets() {
  static const auto* targets = new std::map<std::string, Target>{
      {"MaxTime", {{"maxTime"}, Kind::kPartitionTime}},
      {"DefaultTime", {{"defaultTime"}, Kind::kPartitionTime}},
      {"MaxNodes", {{"maxNodes"}, Kind::kUint32}},
      {"AllowAccounts", {{"allowAccounts"}, Kind::kList}},
      {"DenyAccounts", {{"denyAccounts"}, Kind::kList}},
      {"AllowGroups", {{"allowGroups"}, Kind::kList}},
      {"AllowQos", {{"allowQos"}, Kind::kList}},
      {"PriorityJobFactor", {{"priorityJobFactor"}, Kind::kPartitionPriority}},
      {"PriorityTier", {{"priorityTier"}, Kind::kPartitionPriority}},
      {"PreemptMode", {{"preemptMode"}, Kind::kPreemptMode}},
      {"State", {{"state"}, Kind::kPartitionState}},
      {"Default", {{"default"}, Kind::kYesNo}},
  };
  return *targets;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void Set(YAML::Node root, const std::vector<std::string>& path, const YAML::Node& value) {
  YAML::Node node = root;
  for (size_t i = 0; i + 1 < path.size(); ++i) node.reset(node[path[i]]);
  node[path.back()] = value;
}

// The value as the target wants it, or a reason it cannot be. UNLIMITED partition limits and
// ALL access lists are Fairway's defaults, so they come back as a null node (nothing to set).
bool Convert(const std::string& value, Kind kind, YAML::Node* out, std::string* why) {
  static const std::regex kSlurmTime(R"(\d+(-\d+(:\d+){0,2}|(:\d+){0,2}))");
  const std::string upper = Upper(value);
  switch (kind) {
    case Kind::kUint32: {
      if (upper == "UNLIMITED" || upper == "INFINITE") return true;
      char* end = nullptr;
      unsigned long long n = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || !std::isdigit(static_cast<unsigned char>(value[0])) || *end != '\0' ||
          n > UINT32_MAX) {
        *why = "\"" + value + "\" is not a whole number from 0 to 4294967295";
        return false;
      }
      *out = YAML::Node(static_cast<uint64_t>(n));
      return true;
    }
    case Kind::kPartitionPriority:
      if (!Convert(value, Kind::kUint32, out, why)) return false;
      if (out->IsDefined() && !out->IsNull() && out->as<int64_t>() > api::kMaxPartitionPriority) {
        *why = value + " is above Slurm's " + std::to_string(api::kMaxPartitionPriority);
        return false;
      }
      return true;
    case Kind::kDouble: {
      char* end = nullptr;
      double d = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(d >= 0)) {
        *why = "\"" + value + "\" is not a non-negative number";
        return false;
      }
      *out = YAML::Node(d);
      return true;
    }
    case Kind::kSlurmTime:
      if (upper == "UNLIMITED" || upper == "INFINITE") {
        *out = YAML::Node("UNLIMITED");
        return true;
      }
      if (!std::regex_match(value, kSlurmTime)) {
        *why = "\"" + value + "\" is not a Slurm time (MM, MM:SS, HH:MM:SS, D-HH[:MM[:SS]])";
        return false;
      }
      *out = YAML::Node(value);
      return true;
    case Kind::kPartitionTime:
      if (!Convert(value, Kind::kSlurmTime, out, why)) return false;
      // Plain minutes ("60") would read back as a YAML integer, which the CRD's string field
      // refuses: the non-specific tag asks the importer's emitter for quotes.
      out->SetTag("!");
      return true;
    case Kind::kYesNo:
      if (upper != "YES" && upper != "NO") {
        *why = "\"" + value + "\" is neither YES nor NO";
        return false;
      }
      *out = YAML::Node(upper == "YES");
      return true;
    case Kind::kList:
      if (upper == "ALL") return true;
      *out = YAML::Node(YAML::NodeType::Sequence);
      for (const std::string& item : SplitComma(value)) out->push_back(item);
      out->SetStyle(YAML::EmitterStyle::Flow);
      return true;
    case Kind::kPartitionState:
      if (upper != "UP" && upper != "DOWN" && upper != "DRAIN" && upper != "INACTIVE") {
        *why = "\"" + value + "\" is not UP, DOWN, DRAIN or INACTIVE";
        return false;
      }
      *out = YAML::Node(upper);
      return true;
    case Kind::kPreemptMode:
      if (upper != "OFF" && upper != "CANCEL" && upper != "REQUEUE") {
        *why = "PreemptMode " + value + ": Fairway preempts by OFF, CANCEL or REQUEUE only";
        return false;
      }
      *out = YAML::Node(upper);
      return true;
  }
  return false;
}

// Applies `key=value` through `targets`; false when the key is not in the table.
bool MapThrough(const std::map<std::string, Target>& targets, const std::string& path,
                const std::string& key, const std::string& value, YAML::Node root,
                std::vector<Unmapped>* unmapped) {
  auto it = targets.find(key);
  if (it == targets.end()) return false;
  YAML::Node converted;
  std::string why;
  if (!Convert(value, it->second.kind, &converted, &why)) {
    unmapped->push_back({path, why});
  } else if (converted.IsDefined() && !converted.IsNull()) {
    Set(root, it->second.path, converted);
  }
  return true;
}

void MapPriorityFlags(const std::string& path, const std::string& value, YAML::Node settings,
                      std::vector<Unmapped>* unmapped) {
  for (const std::string& flag : SplitComma(value)) {
    const std::string f = Upper(flag);
    if (f == "ACCRUE_ALWAYS") {
      Set(settings, {"priority", "accrueAlways"}, YAML::Node(true));
    } else if (f == "NO_FAIR_TREE") {
      Set(settings, {"fairShare", "algorithm"}, YAML::Node("classic"));
    } else {
      unmapped->push_back({path, "PriorityFlags " + flag + " has no Fairway equivalent"});
    }
  }
}

void MapSchedulerParameters(const std::string& path, const std::string& value, YAML::Node settings,
                            std::vector<Unmapped>* unmapped) {
  for (const std::string& option : SplitComma(value)) {
    const size_t eq = option.find('=');
    const std::string name = option.substr(0, eq);
    const std::string arg = eq == std::string::npos ? "" : option.substr(eq + 1);
    if (!MapThrough(SchedulerParameterTargets(), path + "." + name, name, arg, settings,
                    unmapped)) {
      unmapped->push_back(
          {path + "." + name, "no Fairway setting for this SchedulerParameters option"});
    }
  }
}

bool MapSchedulingPlugins(const std::string& path, const std::string& key, const std::string& value,
                          YAML::Node settings, std::vector<Unmapped>* unmapped) {
  if (key == "SchedulerType") {
    if (value == "sched/backfill" || value == "sched/builtin") {
      Set(settings, {"backfill", "enabled"}, YAML::Node(value == "sched/backfill"));
    } else {
      unmapped->push_back({path, value + ": Fairway schedules as sched/backfill or sched/builtin"});
    }
    return true;
  }
  if (key == "PreemptType") {
    static const std::map<std::string, std::pair<bool, bool>> kModes = {
        {"preempt/qos", {true, false}},
        {"preempt/partition_prio", {false, true}},
        {"preempt/none", {false, false}}};
    auto it = kModes.find(value);
    if (it == kModes.end()) {
      unmapped->push_back({path, value + ": Fairway preempts by QoS or partition priority only"});
    } else {
      Set(settings, {"preemption", "qos"}, YAML::Node(it->second.first));
      Set(settings, {"preemption", "partitionPriority"}, YAML::Node(it->second.second));
    }
    return true;
  }
  if (key == "PriorityType") {
    if (value != "priority/multifactor") {
      unmapped->push_back({path, value + ": Fairway's priority is always priority/multifactor"});
    }
    return true;
  }
  return false;
}

void MapTresWeights(const std::string& path, const std::string& value, YAML::Node settings,
                    std::vector<Unmapped>* unmapped) {
  for (const std::string& item : SplitComma(value)) {
    const size_t eq = item.find('=');
    const std::string tres = item.substr(0, eq);
    const std::string weight = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (Upper(tres) != "GRES/GPU") {
      unmapped->push_back({path, "PriorityWeightTRES " + tres + ": Fairway weighs only GRES/gpu"});
      continue;
    }
    YAML::Node converted;
    std::string why;
    if (Convert(weight, Kind::kDouble, &converted, &why)) {
      Set(settings, {"priority", "weights", "tresGpu"}, converted);
    } else {
      unmapped->push_back({path, why});
    }
  }
}

}  // namespace

void MapClusterParameter(const std::string& path, const std::string& key, const std::string& value,
                         YAML::Node settings, std::vector<Unmapped>* unmapped) {
  if (MapThrough(ClusterTargets(), path, key, value, settings, unmapped)) return;
  if (MapSchedulingPlugins(path, key, value, settings, unmapped)) return;
  if (key == "PriorityFlags") {
    MapPriorityFlags(path, value, settings, unmapped);
  } else if (key == "SchedulerParameters") {
    MapSchedulerParameters(path, value, settings, unmapped);
  } else if (key == "PriorityWeightTRES") {
    MapTresWeights(path, value, settings, unmapped);
  } else {
    unmapped->push_back({path, "slurm.conf parameter " + key + " has no Fairway setting"});
  }
}

void MapPartitionParameter(const std::string& path, const std::string& key,
                           const std::string& value, YAML::Node spec,
                           std::vector<Unmapped>* unmapped) {
  if (MapThrough(PartitionTargets(), path, key, value, spec, unmapped)) return;
  unmapped->push_back({path, "partition parameter " + key + " has no Partition field"});
}

}  // namespace fairway::cli
