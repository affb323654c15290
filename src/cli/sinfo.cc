#include "cli/sinfo.h"

#include <algorithm>
#include <set>

#include "api/quantity.h"
#include "api/time_limit.h"
#include "cli/format.h"

namespace fairway::cli {
namespace {

using nlohmann::json;

std::string Str(const json& j, std::initializer_list<const char*> path) {
  const json* cur = &j;
  for (const char* k : path) {
    if (!cur->is_object()) return "";
    auto it = cur->find(k);
    if (it == cur->end()) return "";
    cur = &*it;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_number_integer()) return std::to_string(cur->get<int64_t>());
  return "";
}

int64_t Int(const std::string& s) {
  if (s.empty()) return 0;
  auto q = api::ParseMemoryBytes(s);
  return q.ok() ? *q : 0;
}

int64_t PodGpus(const json& pod) {
  int64_t total = 0;
  const json* containers = nullptr;
  if (pod.contains("spec") && pod["spec"].contains("containers"))
    containers = &pod["spec"]["containers"];
  if (containers == nullptr || !containers->is_array()) return 0;
  for (const json& c : *containers) {
    std::string v = Str(c, {"resources", "limits", "nvidia.com/gpu"});
    if (v.empty()) v = Str(c, {"resources", "requests", "nvidia.com/gpu"});
    total += Int(v);
  }
  return total;
}

std::string LongState(const std::string& s) {
  if (s == "idle") return "IDLE";
  if (s == "mix") return "MIXED";
  if (s == "alloc") return "ALLOCATED";
  if (s == "drng") return "DRAINING";
  if (s == "drain") return "DRAINED";
  if (s == "down") return "DOWN";
  return Upper(s);
}

std::string Gres(const std::vector<const NodeInfo*>& nodes) {
  std::set<std::string> out;
  for (const NodeInfo* n : nodes) {
    if (n->gpus_total <= 0) continue;
    out.insert("gpu:" + (n->gpu_type.empty() ? "" : Lower(n->gpu_type) + ":") +
               std::to_string(n->gpus_total));
  }
  if (out.empty()) return "(null)";
  std::string s;
  for (const std::string& g : out) s += (s.empty() ? "" : ",") + g;
  return s;
}

// The nodes `p`'s pools can still add, as powered-down nodes (sinfo.h).
std::vector<NodeInfo> AddableNodes(const api::PartitionObject& p,
                                   const std::vector<NodeInfo>& nodes) {
  std::vector<NodeInfo> out;
  for (const api::NodePool& pool : p.spec.node_pools) {
    int64_t current = std::count_if(nodes.begin(), nodes.end(),
                                    [&](const NodeInfo& n) { return api::InPool(pool, n.labels); });
    for (int64_t i = 1; i <= pool.max_nodes - current; ++i) {
      NodeInfo n;
      n.name = pool.name + "-dy-" + std::to_string(i);
      n.labels = pool.node_selector;
      n.gpus_total = pool.gpus_per_node;
      n.cpu_milli = pool.cpus_per_node.value_or(0) * 1000;
      n.memory_bytes = pool.memory_per_node_bytes.value_or(0);
      n.powered_down = true;
      out.push_back(std::move(n));
    }
  }
  return out;
}

}  // namespace

std::string NodeInfo::State() const {
  if (powered_down) return "idle~";
  if (!ready) return "down";
  if (cordoned) return running_pods > 0 ? "drng" : "drain";
  if (gpus_total > 0) {
    if (gpus_alloc <= 0) return "idle";
    return gpus_alloc >= gpus_total ? "alloc" : "mix";
  }
  return running_pods > 0 ? "mix" : "idle";
}

std::vector<NodeInfo> BuildNodeInfos(const std::vector<json>& nodes,
                                     const std::vector<json>& pods) {
  std::vector<NodeInfo> out;
  std::map<std::string, size_t> by_name;
  for (const json& n : nodes) {
    NodeInfo info;
    info.name = Str(n, {"metadata", "name"});
    if (n.contains("metadata") && n["metadata"].contains("labels") &&
        n["metadata"]["labels"].is_object()) {
      for (const auto& [k, v] : n["metadata"]["labels"].items()) {
        if (v.is_string()) info.labels[k] = v.get<std::string>();
      }
    }
    info.gpus_total = Int(Str(n, {"status", "allocatable", "nvidia.com/gpu"}));
    auto cpu = api::ParseCpuMillis(Str(n, {"status", "allocatable", "cpu"}));
    info.cpu_milli = cpu.ok() ? *cpu : 0;
    info.memory_bytes = Int(Str(n, {"status", "allocatable", "memory"}));
    for (const char* l : {"fairway.dev/gpu-type", "nvidia.com/gpu.product"}) {
      auto it = info.labels.find(l);
      if (it != info.labels.end()) {
        info.gpu_type = it->second;
        break;
      }
    }
    info.ready = false;
    if (n.contains("status") && n["status"].contains("conditions") &&
        n["status"]["conditions"].is_array()) {
      for (const json& c : n["status"]["conditions"]) {
        if (Str(c, {"type"}) == "Ready") info.ready = Str(c, {"status"}) == "True";
      }
    }
    info.cordoned = n.contains("spec") && n["spec"].value("unschedulable", false);
    by_name[info.name] = out.size();
    out.push_back(std::move(info));
  }
  for (const json& p : pods) {
    std::string node = Str(p, {"spec", "nodeName"});
    auto it = by_name.find(node);
    if (it == by_name.end()) continue;
    std::string phase = Str(p, {"status", "phase"});
    if (phase == "Succeeded" || phase == "Failed") continue;
    NodeInfo& info = out[it->second];
    ++info.running_pods;
    info.gpus_alloc += PodGpus(p);
  }
  std::sort(out.begin(), out.end(),
            [](const NodeInfo& a, const NodeInfo& b) { return a.name < b.name; });
  return out;
}

bool NodeInPartition(const NodeInfo& node, const api::PartitionObject& p) {
  const auto& names = p.spec.nodes;
  if (std::find(names.begin(), names.end(), node.name) != names.end()) return true;
  for (const api::NodePool& pool : p.spec.node_pools) {
    if (api::InPool(pool, node.labels)) return true;
  }
  if (p.spec.node_selector.empty()) return names.empty() && p.spec.node_pools.empty();
  return p.spec.node_selector.Matches(node.labels);
}

StatusOr<std::string> RenderSinfo(const std::vector<api::PartitionObject>& partitions,
                                  const std::vector<NodeInfo>& nodes, const SinfoOptions& o) {
  std::string fmt_text =
      !o.format.empty() ? o.format
                        : std::string(o.node_oriented ? kSinfoNodeFormat : kSinfoDefaultFormat);
  auto items = ParseFormat(fmt_text);
  if (!items.ok()) return items.status();
  static const std::map<char, std::string> kHeaders = {
      {'P', "PARTITION"},   {'R', "PARTITION"},      {'a', "AVAIL"},        {'l', "TIMELIMIT"},
      {'L', "DEFAULTTIME"}, {'D', "NODES"},          {'t', "STATE"},        {'T', "STATE"},
      {'N', "NODELIST"},    {'G', "GRES"},           {'g', "GRES_USED"},    {'c', "CPUS"},
      {'m', "MEMORY"},      {'f', "AVAIL_FEATURES"}, {'A', "NODES(A/I)"},   {'F', "NODES(A/I/O/T)"},
      {'s', "JOB_SIZE"},    {'r', "ROOT"},           {'h', "OVERSUBSCRIBE"}};
  std::vector<std::string> head;
  for (const FormatItem& it : *items) {
    if (it.code == 0) continue;
    auto h = kHeaders.find(it.code);
    if (h == kHeaders.end()) {
      return InvalidArgumentError(std::string("Invalid node format specification: ") + it.code);
    }
    head.push_back(h->second);
  }
  // Partitions: default first? Slurm keeps configuration order; we order by name.
  std::vector<const api::PartitionObject*> parts;
  for (const auto& p : partitions) {
    if (!o.partitions.empty() &&
        std::find(o.partitions.begin(), o.partitions.end(), p.meta.name) == o.partitions.end()) {
      continue;
    }
    parts.push_back(&p);
  }
  std::sort(parts.begin(), parts.end(),
            [](const auto* a, const auto* b) { return a->meta.name < b->meta.name; });

  auto field = [&](char code, const api::PartitionObject& p,
                   const std::vector<const NodeInfo*>& group) -> std::string {
    const NodeInfo* first = group.empty() ? nullptr : group.front();
    switch (code) {
      case 'P':
        return p.meta.name + (p.spec.is_default ? "*" : "");
      case 'R':
        return p.meta.name;
      case 'a':
        return Lower(core::PartitionStateName(p.spec.state));
      case 'l': {
        auto tl = api::ParseTimeLimit(p.spec.max_time);
        return tl.ok() ? FormatLimit(tl->limit, "infinite") : p.spec.max_time;
      }
      case 'L': {
        if (p.spec.default_time.empty()) return "n/a";
        auto tl = api::ParseTimeLimit(p.spec.default_time);
        return tl.ok() ? FormatLimit(tl->limit, "infinite") : p.spec.default_time;
      }
      case 'D':
        return std::to_string(group.size());
      case 't':
        return first ? first->State() : "n/a";
      case 'T':
        return first ? LongState(first->State()) : "n/a";
      case 'N': {
        std::vector<std::string> names;
        for (const NodeInfo* n : group) names.push_back(n->name);
        return names.empty() ? "" : CompressHostList(names);
      }
      case 'G':
        return Gres(group);
      case 'g': {
        int64_t a = 0, t = 0;
        for (const NodeInfo* n : group) a += n->gpus_alloc, t += n->gpus_total;
        return "gpu:" + std::to_string(a) + "/" + std::to_string(t);
      }
      case 'c':
        return first ? std::to_string(first->cpu_milli / 1000) : "0";
      case 'm':
        return first ? std::to_string(first->memory_bytes / (1024 * 1024)) : "0";
      case 'f':
        return first && !first->gpu_type.empty() ? Lower(first->gpu_type) : "(null)";
      case 'A':
      case 'F': {
        int64_t a = 0, i = 0, other = 0;
        for (const NodeInfo* n : group) {
          std::string s = n->State();
          if (s == "alloc" || s == "mix")
            ++a;
          else if (s == "idle")
            ++i;
          else
            ++other;
        }
        std::string r = std::to_string(a) + "/" + std::to_string(i);
        if (code == 'F') r += "/" + std::to_string(other) + "/" + std::to_string(group.size());
        return r;
      }
      case 's':
        return p.spec.max_nodes ? "1-" + std::to_string(*p.spec.max_nodes) : "1-infinite";
      case 'r':
        return "no";
      case 'h':
        return p.spec.preempt_mode == core::PreemptMode::kOff ? "NO" : "NO";
      default:
        return "";
    }
  };
  // Fields that vary per node define the groups; %N and %D summarize them.
  auto group_key = [&](const api::PartitionObject& p, const NodeInfo& n) {
    std::string key;
    for (const FormatItem& it : *items) {
      if (it.code == 0 || it.code == 'N' || it.code == 'D' || it.code == 'A' || it.code == 'F' ||
          it.code == 'g') {
        continue;
      }
      key += field(it.code, p, {&n}) + '\x1f';
    }
    return key;
  };

  std::vector<std::vector<std::string>> rows;
  auto emit = [&](const api::PartitionObject& p, const std::vector<const NodeInfo*>& group) {
    std::vector<std::string> vals;
    for (const FormatItem& it : *items) {
      if (it.code != 0) vals.push_back(field(it.code, p, group));
    }
    rows.push_back(std::move(vals));
  };
  for (const api::PartitionObject* p : parts) {
    std::vector<const NodeInfo*> members;
    const std::vector<NodeInfo> addable = AddableNodes(*p, nodes);
    std::vector<const NodeInfo*> candidates;
    for (const NodeInfo& n : nodes) {
      if (NodeInPartition(n, *p)) candidates.push_back(&n);
    }
    for (const NodeInfo& n : addable) candidates.push_back(&n);
    for (const NodeInfo* np : candidates) {
      // -t idle also lists powered-down idle~ nodes, as in Slurm.
      const std::string state = np->State();
      const std::string base = state.substr(0, state.find('~'));
      if (!o.states.empty() &&
          std::find(o.states.begin(), o.states.end(), state) == o.states.end() &&
          std::find(o.states.begin(), o.states.end(), base) == o.states.end()) {
        continue;
      }
      members.push_back(np);
    }
    if (o.node_oriented) {
      for (const NodeInfo* n : members) emit(*p, {n});
      continue;
    }
    if (members.empty()) {
      if (o.states.empty()) emit(*p, {});
      continue;
    }
    std::vector<std::pair<std::string, std::vector<const NodeInfo*>>> groups;
    for (const NodeInfo* n : members) {
      std::string k = group_key(*p, *n);
      auto it =
          std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == k; });
      if (it == groups.end()) {
        groups.push_back({k, {n}});
      } else {
        it->second.push_back(n);
      }
    }
    for (const auto& g : groups) emit(*p, g.second);
  }
  if (o.node_oriented) {
    // Slurm's -N lists nodes in name order.
    std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
      size_t ni = 0, v = 0;
      for (const FormatItem& it : *items) {
        if (it.code == 0) continue;
        if (it.code == 'N') ni = v;
        ++v;
      }
      return a[ni] < b[ni];
    });
  }
  return RenderTable(*items, head, rows, o.header);
}

}  // namespace fairway::cli
