#include "controllers/pod_builder.h"

#include <map>

#include "api/array_spec.h"
#include "api/hostlist.h"
#include "api/pod_template_gpus.h"
#include "api/quantity.h"
#include "controllers/kube_objects.h"
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

std::vector<const json*> RunPods(const std::vector<const json*>& job_pods,
                                 std::optional<uint32_t> index, int32_t restarts) {
  std::vector<const json*> out;
  for (const json* p : job_pods) {
    if (PodLabel(*p, kLabelRestarts) != std::to_string(restarts)) continue;
    const std::string idx = PodLabel(*p, kLabelArrayIndex);
    if (index.has_value() ? idx != std::to_string(*index) : !idx.empty()) continue;
    out.push_back(p);
  }
  return out;
}

std::string PodName(const std::string& job_name, std::optional<uint32_t> array_index,
                    int32_t restarts, size_t rank) {
  return InstanceName(job_name, array_index, restarts) + "-" + std::to_string(rank);
}

namespace {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

// What every pod of one instance shares.
struct InstancePods {
  const api::JobObject& job;
  const PodPlan& plan;
  std::string service;  // the headless Service's name (multi-node jobs)
  bool multi = false;   // more than one node
  int64_t gpus = 0;     // per node
  std::map<std::string, std::string> labels;
  EnvVars env;  // the same on every rank
};

std::map<std::string, std::string> InstanceLabels(const api::JobObject& job, const PodPlan& plan) {
  std::map<std::string, std::string> labels = {
      {std::string(kLabelJob), job.meta.name},
      {std::string(kLabelJobId), std::to_string(plan.job_id)},
      {std::string(kLabelPartition), plan.partition},
      {std::string(kLabelAccount), job.spec.account},
      {std::string(kLabelRestarts), std::to_string(plan.restarts)},
  };
  if (!job.spec.user.empty() && job.spec.user.size() <= 63) {
    labels[std::string(kLabelUser)] = job.spec.user;
  }
  if (plan.array_index.has_value()) {
    labels[std::string(kLabelArrayIndex)] = std::to_string(*plan.array_index);
  }
  return labels;
}

// GPUs per node (gres folds into gpus through ToCoreJob; read both forms here).
int64_t GpusPerNode(const api::JobObject& job) {
  int64_t gpus = job.spec.resources.gpus;
  if (gpus == 0 && !job.spec.resources.gres.empty()) {
    StatusOr<core::Job> cj = api::ToCoreJob(job);
    if (cj.ok()) gpus = cj->per_node.gpus;
  }
  return gpus;
}

// Slurm's job-wide environment (the per-rank variables are added per pod).
EnvVars InstanceEnv(const InstancePods& ip) {
  const api::JobSpec& spec = ip.job.spec;
  const PodPlan& plan = ip.plan;
  const std::string nnodes = std::to_string(plan.nodes.size());
  const std::string nodelist = api::CompressHostList(plan.nodes);
  EnvVars env = {
      {"SLURM_JOB_ID", std::to_string(plan.job_id)},
      {"SLURM_JOBID", std::to_string(plan.job_id)},
      {"SLURM_JOB_NAME", api::JobName(ip.job)},
      {"SLURM_JOB_NODELIST", nodelist},
      {"SLURM_NODELIST", nodelist},
      {"SLURM_NNODES", nnodes},
      {"SLURM_JOB_NUM_NODES", nnodes},
      {"SLURM_NTASKS", nnodes},
      {"SLURM_JOB_PARTITION", plan.partition},
      {"SLURM_JOB_ACCOUNT", spec.account},
      {"SLURM_JOB_QOS", !plan.qos.empty()   ? plan.qos
                        : !spec.qos.empty() ? spec.qos
                                            : std::string("normal")},
      {"SLURM_JOB_USER", spec.user},
      {"SLURM_RESTART_COUNT", std::to_string(plan.restarts)},
      {"SLURM_GPUS_ON_NODE", std::to_string(ip.gpus)},
      {"SLURM_CLUSTER_NAME", "fairway"},
  };
  if (ip.gpus > 0) {
    std::string devices;
    for (int64_t i = 0; i < ip.gpus; ++i) devices += (i ? "," : "") + std::to_string(i);
    env.emplace_back("CUDA_VISIBLE_DEVICES", devices);
  }
  if (plan.array_index.has_value()) {
    StatusOr<api::ArraySpec> as = api::ParseArraySpec(spec.array, api::kMaxMaxArraySize);
    env.emplace_back("SLURM_ARRAY_JOB_ID", std::to_string(plan.array_job_id));
    env.emplace_back("SLURM_ARRAY_TASK_ID", std::to_string(*plan.array_index));
    if (as.ok() && !as->empty()) {
      env.emplace_back("SLURM_ARRAY_TASK_COUNT", std::to_string(as->size()));
      env.emplace_back("SLURM_ARRAY_TASK_MIN", std::to_string(as->min_index()));
      env.emplace_back("SLURM_ARRAY_TASK_MAX", std::to_string(as->max_index()));
      env.emplace_back("SLURM_ARRAY_TASK_STEP", std::to_string(as->step));
    }
  }
  if (ip.multi) {
    const std::string rank0 = PodName(ip.job.meta.name, plan.array_index, plan.restarts, 0);
    env.emplace_back("MASTER_ADDR", DnsLabel(rank0) + "." + ip.service + "." +
                                        ip.job.meta.namespace_name + ".svc");
    env.emplace_back("MASTER_PORT", std::to_string(kMasterPort));
    env.emplace_back("WORLD_SIZE", nnodes);
  }
  if (spec.interactive && plan.interactive_idle_grace.has_value()) {
    env.emplace_back("FAIRWAY_IDLE_GRACE", std::to_string(plan.interactive_idle_grace->count()));
  }
  return env;
}

json PodMetadata(const InstancePods& ip, const json& tmpl, size_t rank) {
  json meta =
      tmpl.contains("metadata") && tmpl["metadata"].is_object() ? tmpl["metadata"] : json::object();
  meta.erase("name");
  meta.erase("generateName");
  meta["name"] = PodName(ip.job.meta.name, ip.plan.array_index, ip.plan.restarts, rank);
  meta["namespace"] = ip.job.meta.namespace_name;
  if (!meta.contains("labels") || !meta["labels"].is_object()) meta["labels"] = json::object();
  for (const auto& [k, v] : ip.labels) meta["labels"][k] = v;
  meta["labels"][std::string(kLabelNodeIndex)] = std::to_string(rank);
  if (!meta.contains("annotations") || !meta["annotations"].is_object()) {
    meta["annotations"] = json::object();
  }
  for (std::string_view key : {kAnnotationSimDuration, kAnnotationSimExitCode}) {
    auto it = ip.job.meta.annotations.find(std::string(key));
    if (it != ip.job.meta.annotations.end()) meta["annotations"][std::string(key)] = it->second;
  }
  meta["ownerReferences"] = json::array({OwnerRef(ip.job)});
  return meta;
}

// The job's request goes on the first container, unless the template already spreads the job's
// GPUs over its containers (admission and the snapshot check that they add up).
void SetFirstContainerResources(const InstancePods& ip, bool template_names_gpus, json* pspec) {
  json& first = (*pspec)["containers"][0];
  json& res = first["resources"];
  if (!res.is_object()) res = json::object();
  if (ip.gpus > 0 && !template_names_gpus) {
    res["requests"][std::string(kGpuResource)] = std::to_string(ip.gpus);
    res["limits"][std::string(kGpuResource)] = std::to_string(ip.gpus);
  }
  const api::JobResources& r = ip.job.spec.resources;
  if (!r.cpu.empty()) res["requests"]["cpu"] = r.cpu;
  if (!r.memory.empty()) res["requests"]["memory"] = r.memory;
  if (res.empty()) first.erase("resources");
}

json PodSpec(const InstancePods& ip, const json& tmpl, bool template_names_gpus,
             const std::string& pod_name, size_t rank) {
  json pspec = tmpl.contains("spec") && tmpl["spec"].is_object() ? tmpl["spec"] : json::object();
  pspec["schedulerName"] = std::string(kSchedulerName);
  pspec.erase("nodeName");
  pspec.erase("nodeSelector");  // placement is the scheduler's; constraints are in spec.constraint
  if (!pspec.contains("restartPolicy")) pspec["restartPolicy"] = "Never";
  if (ip.plan.time_limit.has_value() && ip.plan.time_limit->count() > 0) {
    pspec["activeDeadlineSeconds"] = ip.plan.time_limit->count();
  }
  if (ip.multi) {
    pspec["hostname"] = DnsLabel(pod_name);  // one DNS label; a pod name may be longer
    pspec["subdomain"] = ip.service;
  }
  if (!pspec.contains("containers") || !pspec["containers"].is_array() ||
      pspec["containers"].empty()) {
    pspec["containers"] = json::array(
        {{{"name", "main"}, {"image", "busybox:stable"}, {"command", {"sleep", "infinity"}}}});
  }
  SetFirstContainerResources(ip, template_names_gpus, &pspec);
  EnvVars vars = ip.env;
  vars.emplace_back("SLURM_NODEID", std::to_string(rank));
  vars.emplace_back("SLURM_PROCID", std::to_string(rank));
  vars.emplace_back("SLURM_LOCALID", "0");
  vars.emplace_back("RANK", std::to_string(rank));
  vars.emplace_back("SLURMD_NODENAME", ip.plan.nodes[rank]);
  for (json& c : pspec["containers"]) SetEnv(&c, vars);
  return pspec;
}

json HeadlessService(const InstancePods& ip) {
  const api::JobObject& job = ip.job;
  json svc = {{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata",
               {{"name", ip.service},
                {"namespace", job.meta.namespace_name},
                {"labels", {{std::string(kLabelJob), job.meta.name}}},
                {"ownerReferences", json::array({OwnerRef(job)})}}},
              {"spec",
               {{"clusterIP", "None"},
                {"publishNotReadyAddresses", true},
                {"selector",
                 {{std::string(kLabelJob), job.meta.name},
                  {std::string(kLabelRestarts), std::to_string(ip.plan.restarts)}}},
                {"ports", json::array({{{"name", "master"}, {"port", kMasterPort}}})}}}};
  if (ip.plan.array_index.has_value()) {
    svc["spec"]["selector"][std::string(kLabelArrayIndex)] = std::to_string(*ip.plan.array_index);
  }
  return svc;
}

}  // namespace

JobPods BuildJobPods(const api::JobObject& job, const PodPlan& plan) {
  InstancePods ip{job, plan};
  ip.service = DnsLabel(InstanceName(job.meta.name, plan.array_index, plan.restarts));
  ip.multi = plan.nodes.size() > 1;
  ip.gpus = GpusPerNode(job);
  ip.labels = InstanceLabels(job, plan);
  ip.env = InstanceEnv(ip);
  const json& tmpl = job.spec.pod_template.is_object() ? job.spec.pod_template : json::object();
  StatusOr<api::TemplateGpus> template_gpus = api::CountTemplateGpus(tmpl);
  const bool template_names_gpus = template_gpus.ok() && template_gpus->any;
  JobPods out;
  for (size_t rank = 0; rank < plan.nodes.size(); ++rank) {
    json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}};
    pod["metadata"] = PodMetadata(ip, tmpl, rank);
    const std::string name = pod["metadata"]["name"].get<std::string>();
    pod["spec"] = PodSpec(ip, tmpl, template_names_gpus, name, rank);
    out.pods.push_back(std::move(pod));
  }
  if (ip.multi) out.service = HeadlessService(ip);
  return out;
}

}  // namespace fairway::controllers
