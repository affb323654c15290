#include "config/scheduler_settings.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "api/time_limit.h"
#include "common/status_macros.h"
#include "config/internal/yaml_keys.h"

namespace fairway::config {
namespace {

using internal::CheckKeys;
using internal::Join;

Status ReadUint32(const YAML::Node& parent, const std::string& path, const std::string& key,
                  uint32_t* out) {
  YAML::Node n = parent[key];
  if (!n) return OkStatus();
  std::string field = Join(path, key);
  if (!n.IsScalar()) return InvalidArgumentError("must be a non-negative integer", field);
  int64_t value = 0;
  if (!YAML::convert<int64_t>::decode(n, value) || value < 0 || value > 4294967295LL) {
    return InvalidArgumentError(
        "must be an integer from 0 to 4294967295, got \"" + n.Scalar() + "\"", field);
  }
  *out = static_cast<uint32_t>(value);
  return OkStatus();
}

Status ReadDouble(const YAML::Node& parent, const std::string& path, const std::string& key,
                  double* out) {
  YAML::Node n = parent[key];
  if (!n) return OkStatus();
  std::string field = Join(path, key);
  double value = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, value) || !std::isfinite(value)) {
    return InvalidArgumentError("must be a number", field);
  }
  *out = value;
  return OkStatus();
}

Status ReadBool(const YAML::Node& parent, const std::string& path, const std::string& key,
                bool* out) {
  YAML::Node n = parent[key];
  if (!n) return OkStatus();
  bool value = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, value)) {
    return InvalidArgumentError("must be true or false", Join(path, key));
  }
  *out = value;
  return OkStatus();
}

// Whole seconds as a plain integer (bf_interval and bf_resolution are seconds in Slurm).
Status ReadSeconds(const YAML::Node& parent, const std::string& path, const std::string& key,
                   core::Seconds* out) {
  YAML::Node n = parent[key];
  if (!n) return OkStatus();
  int64_t value = 0;
  if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, value) || value < 0) {
    return InvalidArgumentError("must be a whole number of seconds", Join(path, key));
  }
  *out = core::Seconds(value);
  return OkStatus();
}

Status ReadDuration(const YAML::Node& parent, const std::string& path, const std::string& key,
                    bool zero_allowed, core::Seconds* out) {
  YAML::Node n = parent[key];
  if (!n) return OkStatus();
  std::string field = Join(path, key);
  if (!n.IsScalar()) return InvalidArgumentError("must be a Slurm time string", field);
  if (zero_allowed && n.Scalar() == "0") {
    *out = core::Seconds(0);
    return OkStatus();
  }
  StatusOr<api::TimeLimit> parsed = api::ParseTimeLimit(n.Scalar());
  if (!parsed.ok()) return parsed.status().WithFieldPrefix(field);
  if (parsed->unlimited()) {
    return InvalidArgumentError("must be a finite duration such as 7-0 or 14-00:00:00", field);
  }
  *out = *parsed->limit;
  return OkStatus();
}

template <typename Enum>
Status ReadEnum(const YAML::Node& parent, const std::string& path, const std::string& key,
                const std::vector<std::pair<std::string, Enum>>& values, Enum* out) {
  YAML::Node n = parent[key];
  if (!n) return OkStatus();
  std::string accepted;
  for (const auto& [name, value] : values) {
    if (n.IsScalar() && n.Scalar() == name) {
      *out = value;
      return OkStatus();
    }
    accepted += (accepted.empty() ? "" : ", ") + name;
  }
  return InvalidArgumentError("must be one of: " + accepted, Join(path, key));
}

Status ParsePriority(const YAML::Node& node, core::PriorityConfig* p) {
  const std::string path = "priority";
  FAIRWAY_RETURN_IF_ERROR(
      CheckKeys(node, path,
                {"weights", "maxAge", "favorSmall", "jobSizeBasis", "accrueAlways", "calcPeriod"}));
  if (YAML::Node w = node["weights"]) {
    const std::string wp = "priority.weights";
    FAIRWAY_RETURN_IF_ERROR(CheckKeys(
        w, wp,
        {"age", "fairShare", "jobSize", "partition", "qos", "assoc", "tresGpu", "expansion"}));
    FAIRWAY_RETURN_IF_ERROR(ReadUint32(w, wp, "age", &p->weights.age));
    FAIRWAY_RETURN_IF_ERROR(ReadUint32(w, wp, "fairShare", &p->weights.fair_share));
    FAIRWAY_RETURN_IF_ERROR(ReadUint32(w, wp, "jobSize", &p->weights.job_size));
    FAIRWAY_RETURN_IF_ERROR(ReadUint32(w, wp, "partition", &p->weights.partition));
    FAIRWAY_RETURN_IF_ERROR(ReadUint32(w, wp, "qos", &p->weights.qos));
    FAIRWAY_RETURN_IF_ERROR(ReadUint32(w, wp, "assoc", &p->weights.assoc));
    FAIRWAY_RETURN_IF_ERROR(ReadDouble(w, wp, "tresGpu", &p->weights.tres_gpu));
    FAIRWAY_RETURN_IF_ERROR(ReadUint32(w, wp, "expansion", &p->weights.expansion));
  }
  FAIRWAY_RETURN_IF_ERROR(ReadDuration(node, path, "maxAge", false, &p->max_age));
  FAIRWAY_RETURN_IF_ERROR(ReadBool(node, path, "favorSmall", &p->favor_small));
  FAIRWAY_RETURN_IF_ERROR(ReadBool(node, path, "accrueAlways", &p->accrue_always));
  FAIRWAY_RETURN_IF_ERROR(ReadDuration(node, path, "calcPeriod", false, &p->calc_period));
  return ReadEnum<core::JobSizeBasis>(
      node, path, "jobSizeBasis",
      {{"nodesAndCpus", core::JobSizeBasis::kNodesAndCpus}, {"gpus", core::JobSizeBasis::kGpus}},
      &p->job_size_basis);
}

Status ParseFairShare(const YAML::Node& node, core::FairShareConfig* f) {
  const std::string path = "fairShare";
  FAIRWAY_RETURN_IF_ERROR(CheckKeys(
      node, path,
      {"algorithm", "decayHalfLife", "dampeningFactor", "billing", "rootUserAssociation"}));
  FAIRWAY_RETURN_IF_ERROR(
      ReadEnum<core::FairShareAlgorithm>(node, path, "algorithm",
                                         {{"fairTree", core::FairShareAlgorithm::kFairTree},
                                          {"classic", core::FairShareAlgorithm::kClassic}},
                                         &f->algorithm));
  FAIRWAY_RETURN_IF_ERROR(ReadDuration(node, path, "decayHalfLife", true, &f->decay_half_life));
  FAIRWAY_RETURN_IF_ERROR(ReadDouble(node, path, "dampeningFactor", &f->dampening_factor));
  FAIRWAY_RETURN_IF_ERROR(ReadBool(node, path, "rootUserAssociation", &f->root_user_association));
  if (YAML::Node b = node["billing"]) {
    const std::string bp = "fairShare.billing";
    FAIRWAY_RETURN_IF_ERROR(CheckKeys(b, bp, {"cpu", "memoryGiB", "gpu"}));
    FAIRWAY_RETURN_IF_ERROR(ReadDouble(b, bp, "cpu", &f->billing.cpu_per_core));
    FAIRWAY_RETURN_IF_ERROR(ReadDouble(b, bp, "memoryGiB", &f->billing.memory_per_gib));
    FAIRWAY_RETURN_IF_ERROR(ReadDouble(b, bp, "gpu", &f->billing.gpu));
  }
  return OkStatus();
}

// mode: easy | conservative, shorthand for jobPartCountReserve 1 | 0. Both keys set to values
// that disagree is a contradiction, rejected with both paths named rather than resolved by the
// order the keys happen to be applied in.
Status ReadBackfillMode(const YAML::Node& node, const std::string& path, core::BackfillConfig* b) {
  std::string mode;
  FAIRWAY_RETURN_IF_ERROR(ReadEnum<std::string>(
      node, path, "mode", {{"easy", "easy"}, {"conservative", "conservative"}}, &mode));
  if (mode.empty()) return OkStatus();
  const uint32_t implied = mode == "easy" ? 1 : 0;
  if (node["jobPartCountReserve"] && b->job_part_count_reserve != implied) {
    return InvalidArgumentError(
        Join(path, "mode") + ": " + mode + " means " + Join(path, "jobPartCountReserve") + ": " +
            std::to_string(implied) + ", but " + Join(path, "jobPartCountReserve") + " is " +
            std::to_string(b->job_part_count_reserve) + "; set only one of them",
        Join(path, "mode"));
  }
  b->job_part_count_reserve = implied;
  return OkStatus();
}

Status ParseBackfill(const YAML::Node& node, core::BackfillConfig* b) {
  const std::string path = "backfill";
  FAIRWAY_RETURN_IF_ERROR(CheckKeys(node, path,
                                    {"enabled", "interval", "window", "resolution", "maxJobTest",
                                     "maxJobStart", "jobPartCountReserve", "minPrioReserve",
                                     "reserveWholeNodes", "mode", "runtimePrediction", "order"}));
  FAIRWAY_RETURN_IF_ERROR(ReadBool(node, path, "enabled", &b->enabled));
  FAIRWAY_RETURN_IF_ERROR(ReadSeconds(node, path, "interval", &b->interval));
  FAIRWAY_RETURN_IF_ERROR(ReadDuration(node, path, "window", false, &b->window));
  FAIRWAY_RETURN_IF_ERROR(ReadSeconds(node, path, "resolution", &b->resolution));
  FAIRWAY_RETURN_IF_ERROR(ReadUint32(node, path, "maxJobTest", &b->max_job_test));
  FAIRWAY_RETURN_IF_ERROR(ReadUint32(node, path, "maxJobStart", &b->max_job_start));
  FAIRWAY_RETURN_IF_ERROR(
      ReadUint32(node, path, "jobPartCountReserve", &b->job_part_count_reserve));
  FAIRWAY_RETURN_IF_ERROR(ReadUint32(node, path, "minPrioReserve", &b->min_prio_reserve));
  FAIRWAY_RETURN_IF_ERROR(ReadBool(node, path, "reserveWholeNodes", &b->reserve_whole_nodes));
  FAIRWAY_RETURN_IF_ERROR(
      ReadEnum<core::RuntimePrediction>(node, path, "runtimePrediction",
                                        {{"off", core::RuntimePrediction::kOff},
                                         {"userHistory", core::RuntimePrediction::kUserHistory}},
                                        &b->runtime_prediction));
  FAIRWAY_RETURN_IF_ERROR(
      ReadEnum<core::BackfillOrder>(node, path, "order",
                                    {{"priority", core::BackfillOrder::kPriority},
                                     {"shortestFirst", core::BackfillOrder::kShortestFirst}},
                                    &b->order));
  return ReadBackfillMode(node, path, b);
}

// The optional top-level `name:` (a label for reports, nothing else reads it); empty if absent.
StatusOr<std::string> ReadName(const YAML::Node& root) {
  YAML::Node n = root["name"];
  if (!n) return std::string();
  if (!n.IsScalar() || n.Scalar().empty()) {
    return InvalidArgumentError("must be a non-empty string", "name");
  }
  return n.Scalar();
}

StatusOr<core::SchedulerConfig> ParseDocument(const YAML::Node& root) {
  core::SchedulerConfig config;
  if (!root || root.IsNull()) return config;
  // `admission` and `limits` are read by ParseAdmissionSettings (admission_settings.h),
  // `directory` by ParseDirectorySettings (directory_settings.h), `interactive` by
  // ParseInteractiveSettings (interactive_settings.h).
  FAIRWAY_RETURN_IF_ERROR(
      CheckKeys(root, "",
                {"name", "priority", "fairShare", "backfill", "preemption", "scheduler",
                 "admission", "limits", "directory", "interactive"}));
  if (YAML::Node p = root["priority"]) FAIRWAY_RETURN_IF_ERROR(ParsePriority(p, &config.priority));
  if (YAML::Node f = root["fairShare"]) {
    FAIRWAY_RETURN_IF_ERROR(ParseFairShare(f, &config.fair_share));
  }
  if (YAML::Node b = root["backfill"]) {
    FAIRWAY_RETURN_IF_ERROR(ParseBackfill(b, &config.backfill));
  }
  if (YAML::Node p = root["preemption"]) {
    FAIRWAY_RETURN_IF_ERROR(CheckKeys(p, "preemption", {"qos", "partitionPriority"}));
    FAIRWAY_RETURN_IF_ERROR(ReadBool(p, "preemption", "qos", &config.preemption.by_qos));
    FAIRWAY_RETURN_IF_ERROR(
        ReadBool(p, "preemption", "partitionPriority", &config.preemption.by_partition_tier));
  }
  if (YAML::Node s = root["scheduler"]) {
    FAIRWAY_RETURN_IF_ERROR(CheckKeys(s, "scheduler", {"mainQueueDepth"}));
    FAIRWAY_RETURN_IF_ERROR(ReadUint32(s, "scheduler", "mainQueueDepth", &config.main_queue_depth));
  }
  FAIRWAY_RETURN_IF_ERROR(core::ValidateSchedulerConfig(config));
  return config;
}

}  // namespace

StatusOr<NamedSchedulerSettings> ParseNamedSchedulerSettings(std::string_view yaml_text) {
  // yaml-cpp reports syntax and conversion problems by throwing: this is the library edge.
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    NamedSchedulerSettings settings;
    FAIRWAY_ASSIGN_OR_RETURN(settings.config, ParseDocument(root));
    if (root && root.IsMap()) {
      FAIRWAY_ASSIGN_OR_RETURN(settings.name, ReadName(root));
    }
    return settings;
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("settings are not valid YAML: line " +
                                std::to_string(e.mark.line + 1) + ", column " +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("settings could not be read: ") + e.what());
  }
}

StatusOr<core::SchedulerConfig> ParseSchedulerSettings(std::string_view yaml_text) {
  FAIRWAY_ASSIGN_OR_RETURN(NamedSchedulerSettings settings, ParseNamedSchedulerSettings(yaml_text));
  return settings.config;
}

StatusOr<NamedSchedulerSettings> LoadNamedSchedulerSettingsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError("cannot open settings file \"" + path + "\"");
  std::stringstream buffer;
  buffer << in.rdbuf();
  StatusOr<NamedSchedulerSettings> settings = ParseNamedSchedulerSettings(buffer.str());
  if (!settings.ok()) return settings.status().WithContext(path);
  if (settings->name.empty()) settings->name = std::filesystem::path(path).stem().string();
  return settings;
}

StatusOr<core::SchedulerConfig> LoadSchedulerSettingsFile(const std::string& path) {
  FAIRWAY_ASSIGN_OR_RETURN(NamedSchedulerSettings settings, LoadNamedSchedulerSettingsFile(path));
  return settings.config;
}

}  // namespace fairway::config
