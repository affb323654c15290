#include "controllers/pod_builder.h"

#include <map>

#include "api/array_spec.h"
#include "api/hostlist.h"
#include "api/pod_template_gpus.h"
#include "api/quantity.h"
#include "controllers/names.h"

namespace fairway::controllers {
namespace {

using nlohmann::json;

std::string InstanceName(const std::string& job_name, std::optional<uint32_t> array_index,
                         int32_t restarts) {
  std::string name = job_name;
  if (array_index.has_value()) name += "-" + std::to_string(*array_index);
  if (restarts > 0) name += "-r" + std::to_string(restarts);
  return name;
}

// A DNS-1035 label for `name` (Service names, pod hostnames): lower case, '.' -> '-', starting
// with a letter, at most 63 characters. A longer name keeps its first 54 characters and ends
// with "-" + 8 hex digits of its FNV-1a hash, so two long names that share a prefix (array
// tasks, restarts) still get distinct labels; a short one is kept as it is.
std::string DnsLabel(const std::string& name) {
  std::string label;
  for (char c : name) label += c == '.' ? '-' : static_cast<char>(std::tolower(c));
  if (label.empty() || !(label[0] >= 'a' && label[0] <= 'z')) label = "j-" + label;
  if (label.size() > 63) {
    uint32_t hash = 2166136261u;  // FNV-1a, 32 bits
    for (char c : name) hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
    char suffix[10];
    std::snprintf(suffix, sizeof(suffix), "-%08x", hash);
    label = label.substr(0, 54) + suffix;
  }
  return label;
}

void SetEnv(json* container, const std::vector<std::pair<std::string, std::string>>& vars) {
  json env = json::array();
  std::map<std::string, bool> ours;
  for (const auto& [k, v] : vars) ours[k] = true;
  if (container->contains("env") && (*container)["env"].is_array()) {
    for (const json& e : (*container)["env"]) {
      if (e.is_object() && e.contains("name") && e["name"].is_string() &&
          ours.count(e["name"].get<std::string>()) > 0) {
        continue;
      }
      env.push_back(e);
    }
  }
  for (const auto& [k, v] : vars) env.push_back({{"name", k}, {"value", v}});
  (*container)["env"] = std::move(env);
}

json OwnerRef(const api::JobObject& job) {
  return {{"apiVersion", std::string(api::kApiVersion)},
          {"kind", std::string(api::kJobKind)},
          {"name", job.meta.name},
          {"uid", job.meta.uid},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

}  // namespace

std::string PodName(const std::string& job_name, std::optional<uint32_t> array_index,
                    int32_t restarts, size_t rank) {
  return InstanceName(job_name, array_index, restarts) + "-" + std::to_string(rank);
}

JobPods BuildJobPods(const api::JobObject& job, const PodPlan& plan) {
  JobPods out;
  const api::JobSpec& spec = job.spec;
  const std::string& ns = job.meta.namespace_name;
  const std::string instance = InstanceName(job.meta.name, plan.array_index, plan.restarts);
  const std::string service = DnsLabel(instance);
  const size_t nnodes = plan.nodes.size();
  const std::string nodelist = api::CompressHostList(plan.nodes);
  const bool multi = nnodes > 1;

  std::map<std::string, std::string> labels = {
      {std::string(kLabelJob), job.meta.name},
      {std::string(kLabelJobId), std::to_string(plan.job_id)},
      {std::string(kLabelPartition), plan.partition},
      {std::string(kLabelAccount), spec.account},
      {std::string(kLabelRestarts), std::to_string(plan.restarts)},
  };
  if (!spec.user.empty() && spec.user.size() <= 63) labels[std::string(kLabelUser)] = spec.user;
  if (plan.array_index.has_value()) {
    labels[std::string(kLabelArrayIndex)] = std::to_string(*plan.array_index);
  }

  // GPUs per node (gres folds into gpus through ToCoreJob; read both forms here).
  int64_t gpus = spec.resources.gpus;
  if (gpus == 0 && !spec.resources.gres.empty()) {
    StatusOr<core::Job> cj = api::ToCoreJob(job);
    if (cj.ok()) gpus = cj->per_node.gpus;
  }

  std::vector<std::pair<std::string, std::string>> common = {
      {"SLURM_JOB_ID", std::to_string(plan.job_id)},
      {"SLURM_JOBID", std::to_string(plan.job_id)},
      {"SLURM_JOB_NAME", job.meta.name},
      {"SLURM_JOB_NODELIST", nodelist},
      {"SLURM_NODELIST", nodelist},
      {"SLURM_NNODES", std::to_string(nnodes)},
      {"SLURM_JOB_NUM_NODES", std::to_string(nnodes)},
      {"SLURM_NTASKS", std::to_string(nnodes)},
      {"SLURM_JOB_PARTITION", plan.partition},
      {"SLURM_JOB_ACCOUNT", spec.account},
      {"SLURM_JOB_QOS", !plan.qos.empty()   ? plan.qos
                        : !spec.qos.empty() ? spec.qos
                                            : std::string("normal")},
      {"SLURM_JOB_USER", spec.user},
      {"SLURM_RESTART_COUNT", std::to_string(plan.restarts)},
      {"SLURM_GPUS_ON_NODE", std::to_string(gpus)},
      {"SLURM_CLUSTER_NAME", "fairway"},
  };
  if (gpus > 0) {
    std::string devices;
    for (int64_t i = 0; i < gpus; ++i) devices += (i ? "," : "") + std::to_string(i);
    common.emplace_back("CUDA_VISIBLE_DEVICES", devices);
  }
  if (plan.array_index.has_value()) {
    StatusOr<api::ArraySpec> as = api::ParseArraySpec(spec.array, api::kMaxMaxArraySize);
    common.emplace_back("SLURM_ARRAY_JOB_ID", std::to_string(plan.array_job_id));
    common.emplace_back("SLURM_ARRAY_TASK_ID", std::to_string(*plan.array_index));
    if (as.ok() && !as->empty()) {
      common.emplace_back("SLURM_ARRAY_TASK_COUNT", std::to_string(as->size()));
      common.emplace_back("SLURM_ARRAY_TASK_MIN", std::to_string(as->min_index()));
      common.emplace_back("SLURM_ARRAY_TASK_MAX", std::to_string(as->max_index()));
      common.emplace_back("SLURM_ARRAY_TASK_STEP", std::to_string(as->step));
    }
  }
  if (multi) {
    common.emplace_back("MASTER_ADDR",
                        DnsLabel(PodName(job.meta.name, plan.array_index, plan.restarts, 0)) + "." +
                            service + "." + ns + ".svc");
    common.emplace_back("MASTER_PORT", std::to_string(kMasterPort));
    common.emplace_back("WORLD_SIZE", std::to_string(nnodes));
  }

  const json& tmpl = spec.pod_template.is_object() ? spec.pod_template : json::object();
  // The job's request goes on the first container, unless the template already spreads the
  // job's GPUs over its containers (admission and the snapshot check that they add up to
  // spec.resources).
  StatusOr<api::TemplateGpus> template_gpus = api::CountTemplateGpus(tmpl);
  const bool template_names_gpus = template_gpus.ok() && template_gpus->any;
  for (size_t rank = 0; rank < nnodes; ++rank) {
    json pod = json::object();
    pod["apiVersion"] = "v1";
    pod["kind"] = "Pod";
    json meta = tmpl.contains("metadata") && tmpl["metadata"].is_object() ? tmpl["metadata"]
                                                                          : json::object();
    meta.erase("name");
    meta.erase("generateName");
    meta["name"] = PodName(job.meta.name, plan.array_index, plan.restarts, rank);
    meta["namespace"] = ns;
    if (!meta.contains("labels") || !meta["labels"].is_object()) meta["labels"] = json::object();
    for (const auto& [k, v] : labels) meta["labels"][k] = v;
    meta["labels"][std::string(kLabelNodeIndex)] = std::to_string(rank);
    if (!meta.contains("annotations") || !meta["annotations"].is_object()) {
      meta["annotations"] = json::object();
    }
    for (std::string_view key : {kAnnotationSimDuration, kAnnotationSimExitCode}) {
      auto it = job.meta.annotations.find(std::string(key));
      if (it != job.meta.annotations.end()) meta["annotations"][std::string(key)] = it->second;
    }
    meta["ownerReferences"] = json::array({OwnerRef(job)});
    pod["metadata"] = std::move(meta);

    json pspec = tmpl.contains("spec") && tmpl["spec"].is_object() ? tmpl["spec"] : json::object();
    pspec["schedulerName"] = std::string(kSchedulerName);
    pspec.erase("nodeName");
    pspec.erase(
        "nodeSelector");  // placement is the scheduler's; constraints are in spec.constraint
    if (!pspec.contains("restartPolicy")) pspec["restartPolicy"] = "Never";
    if (plan.time_limit.has_value() && plan.time_limit->count() > 0) {
      pspec["activeDeadlineSeconds"] = plan.time_limit->count();
    }
    if (multi) {
      // A hostname is one DNS label; a pod name may be longer or hold dots.
      pspec["hostname"] = DnsLabel(pod["metadata"]["name"].get<std::string>());
      pspec["subdomain"] = service;
    }
    if (!pspec.contains("containers") || !pspec["containers"].is_array() ||
        pspec["containers"].empty()) {
      pspec["containers"] = json::array(
          {{{"name", "main"}, {"image", "busybox:stable"}, {"command", {"sleep", "infinity"}}}});
    }
    json& first = pspec["containers"][0];
    json& res = first["resources"];
    if (!res.is_object()) res = json::object();
    if (gpus > 0 && !template_names_gpus) {
      res["requests"][std::string(kGpuResource)] = std::to_string(gpus);
      res["limits"][std::string(kGpuResource)] = std::to_string(gpus);
    }
    if (!spec.resources.cpu.empty()) res["requests"]["cpu"] = spec.resources.cpu;
    if (!spec.resources.memory.empty()) res["requests"]["memory"] = spec.resources.memory;
    if (res.empty()) first.erase("resources");

    std::vector<std::pair<std::string, std::string>> vars = common;
    vars.emplace_back("SLURM_NODEID", std::to_string(rank));
    vars.emplace_back("SLURM_PROCID", std::to_string(rank));
    vars.emplace_back("SLURM_LOCALID", "0");
    vars.emplace_back("RANK", std::to_string(rank));
    vars.emplace_back("SLURMD_NODENAME", plan.nodes[rank]);
    for (json& c : pspec["containers"]) SetEnv(&c, vars);
    pod["spec"] = std::move(pspec);
    out.pods.push_back(std::move(pod));
  }

  if (multi) {
    json svc = {{"apiVersion", "v1"},
                {"kind", "Service"},
                {"metadata",
                 {{"name", service},
                  {"namespace", ns},
                  {"labels", {{std::string(kLabelJob), job.meta.name}}},
                  {"ownerReferences", json::array({OwnerRef(job)})}}},
                {"spec",
                 {{"clusterIP", "None"},
                  {"publishNotReadyAddresses", true},
                  {"selector",
                   {{std::string(kLabelJob), job.meta.name},
                    {std::string(kLabelRestarts), std::to_string(plan.restarts)}}},
                  {"ports", json::array({{{"name", "master"}, {"port", kMasterPort}}})}}}};
    if (plan.array_index.has_value()) {
      svc["spec"]["selector"][std::string(kLabelArrayIndex)] = std::to_string(*plan.array_index);
    }
    out.service = std::move(svc);
  }
  return out;
}

}  // namespace fairway::controllers
