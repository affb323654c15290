#include "sandbox/table.h"

#include <functional>

#include "sandbox/internal/util.h"
#include "sandbox/jsonpath.h"

namespace fairway::sandbox {
namespace {

using internal::GetPath;
using internal::GetString;

nlohmann::json ColumnDef(const std::string& name, const std::string& type, const std::string& format,
                         const std::string& description, int priority = 0) {
  return {{"name", name}, {"type", type}, {"format", format}, {"description", description},
          {"priority", priority}};
}

std::string Age(const nlohmann::json& obj, WallTime now) {
  auto t = internal::ParseTime(GetString(obj, {"metadata", "creationTimestamp"}));
  if (!t) return "<unknown>";
  return internal::HumanDuration(now - *t);
}

nlohmann::json CellForValue(const std::string& type, const nlohmann::json& v, WallTime now) {
  if (type == "date") {
    if (!v.is_string()) return nullptr;
    auto t = internal::ParseTime(v.get<std::string>());
    if (!t) return nullptr;
    return internal::HumanDuration(now - *t);
  }
  if (type == "integer") {
    if (v.is_number()) return static_cast<int64_t>(v.get<double>());
    return nullptr;
  }
  if (type == "number") {
    if (v.is_number()) return v;
    return nullptr;
  }
  if (type == "boolean") {
    if (v.is_boolean()) return v;
    return nullptr;
  }
  if (v.is_string()) return v;
  if (v.is_null()) return nullptr;
  return v.dump();
}

std::string ConditionStatus(const nlohmann::json& obj, const std::string& type) {
  const nlohmann::json* conds = GetPath(obj, {"status", "conditions"});
  if (conds == nullptr || !conds->is_array()) return {};
  for (const auto& c : *conds) {
    if (c.is_object() && c.value("type", "") == type) return c.value("status", "");
  }
  return {};
}

nlohmann::json NodeCells(const nlohmann::json& o, WallTime now) {
  std::string ready = ConditionStatus(o, "Ready");
  std::string status = ready == "True" ? "Ready" : (ready.empty() ? "Unknown" : "NotReady");
  const nlohmann::json* unsched = GetPath(o, {"spec", "unschedulable"});
  if (unsched != nullptr && unsched->is_boolean() && unsched->get<bool>()) status += ",SchedulingDisabled";
  std::string roles;
  if (const auto* labels = GetPath(o, {"metadata", "labels"}); labels && labels->is_object()) {
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      static const std::string kRole = "node-role.kubernetes.io/";
      if (internal::StartsWith(it.key(), kRole)) {
        if (!roles.empty()) roles += ",";
        roles += it.key().substr(kRole.size());
      }
    }
  }
  if (roles.empty()) roles = "<none>";
  return {internal::NameOf(o), status, roles, Age(o, now),
          GetString(o, {"status", "nodeInfo", "kubeletVersion"})};
}

nlohmann::json PodCells(const nlohmann::json& o, WallTime now) {
  size_t total = 0;
  if (const auto* cs = GetPath(o, {"spec", "containers"}); cs && cs->is_array()) total = cs->size();
  size_t ready = 0;
  int64_t restarts = 0;
  std::string reason = GetString(o, {"status", "phase"});
  if (!GetString(o, {"status", "reason"}).empty()) reason = GetString(o, {"status", "reason"});
  if (const auto* cs = GetPath(o, {"status", "containerStatuses"}); cs && cs->is_array()) {
    for (const auto& c : *cs) {
      if (!c.is_object()) continue;
      if (c.value("ready", false)) ++ready;
      if (c.contains("restartCount") && c["restartCount"].is_number()) restarts += c["restartCount"].get<int64_t>();
      if (const auto* w = GetPath(c, {"state", "waiting", "reason"}); w && w->is_string()) {
        reason = w->get<std::string>();
      } else if (const auto* t = GetPath(c, {"state", "terminated", "reason"}); t && t->is_string()) {
        reason = t->get<std::string>();
      }
    }
  }
  if (!GetString(o, {"metadata", "deletionTimestamp"}).empty()) reason = "Terminating";
  if (reason.empty()) reason = "Pending";
  return {internal::NameOf(o), std::to_string(ready) + "/" + std::to_string(total), reason, restarts,
          Age(o, now)};
}

}  // namespace

bool WantsTable(const std::string& accept) {
  return accept.find("as=Table") != std::string::npos;
}

nlohmann::json RenderTable(const ResourceInfo& info, const std::vector<nlohmann::json>& objects,
                           nlohmann::json list_meta, IncludeObject include, WallTime now,
                           bool with_column_definitions) {
  const std::string name_desc =
      "Name must be unique within a namespace. Is required when creating resources, although "
      "some resources may allow a client to request the generation of an appropriate name "
      "automatically.";
  const std::string age_desc =
      "CreationTimestamp is a timestamp representing the server time when this object was created.";
  nlohmann::json cols = nlohmann::json::array();
  std::vector<std::function<nlohmann::json(const nlohmann::json&)>> cells_fn;
  std::function<nlohmann::json(const nlohmann::json&)> row_fn;

  cols.push_back(ColumnDef("Name", "string", "name", name_desc));
  if (info.custom) {
    std::vector<JsonPath> paths;
    for (const PrinterColumn& c : info.columns) {
      cols.push_back(ColumnDef(c.name, c.type, c.format, c.description, c.priority));
      JsonPath p;
      if (!p.Parse(c.json_path)) p = JsonPath();
      paths.push_back(p);
    }
    if (info.columns.empty()) cols.push_back(ColumnDef("Age", "date", "", age_desc));
    std::vector<PrinterColumn> columns = info.columns;
    row_fn = [paths, columns, now](const nlohmann::json& o) {
      nlohmann::json cells = nlohmann::json::array({internal::NameOf(o)});
      if (columns.empty()) cells.push_back(Age(o, now));
      for (size_t i = 0; i < columns.size(); ++i) {
        std::vector<nlohmann::json> r = paths[i].Evaluate(o);
        cells.push_back(r.empty() ? nlohmann::json() : CellForValue(columns[i].type, r[0], now));
      }
      return cells;
    };
  } else if (info.group.empty() && info.plural == "nodes") {
    cols.push_back(ColumnDef("Status", "string", "", "The status of the node"));
    cols.push_back(ColumnDef("Roles", "string", "", "The roles of the node"));
    cols.push_back(ColumnDef("Age", "string", "", age_desc));
    cols.push_back(ColumnDef("Version", "string", "", "Kubelet Version reported by the node."));
    row_fn = [now](const nlohmann::json& o) { return NodeCells(o, now); };
  } else if (info.group.empty() && info.plural == "pods") {
    cols.push_back(ColumnDef("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic."));
    cols.push_back(ColumnDef("Status", "string", "", "The aggregate status of the containers in this pod."));
    cols.push_back(ColumnDef("Restarts", "string", "", "The number of times the containers in this pod have been restarted."));
    cols.push_back(ColumnDef("Age", "string", "", age_desc));
    cols.push_back(ColumnDef("IP", "string", "", "IP address allocated to the pod.", 1));
    cols.push_back(ColumnDef("Node", "string", "", "Name of the Node the pod is bound to.", 1));
    row_fn = [now](const nlohmann::json& o) {
      nlohmann::json cells = PodCells(o, now);
      std::string ip = GetString(o, {"status", "podIP"});
      std::string node = GetString(o, {"spec", "nodeName"});
      cells.push_back(ip.empty() ? "<none>" : ip);
      cells.push_back(node.empty() ? "<none>" : node);
      return cells;
    };
  } else if (info.group.empty() && info.plural == "namespaces") {
    cols.push_back(ColumnDef("Status", "string", "", "The status of the namespace"));
    cols.push_back(ColumnDef("Age", "string", "", age_desc));
    row_fn = [now](const nlohmann::json& o) {
      std::string phase = GetString(o, {"status", "phase"});
      return nlohmann::json::array({internal::NameOf(o), phase.empty() ? "Active" : phase, Age(o, now)});
    };
  } else if (info.plural == "events") {
    cols.clear();
    cols.push_back(ColumnDef("Last Seen", "string", "", "Time since the event was last seen"));
    cols.push_back(ColumnDef("Type", "string", "", "Type of this event"));
    cols.push_back(ColumnDef("Reason", "string", "", "Short machine-readable reason"));
    cols.push_back(ColumnDef("Object", "string", "", "The object this event is about"));
    cols.push_back(ColumnDef("Message", "string", "", "A human-readable description"));
    cols.push_back(ColumnDef("Name", "string", "name", name_desc, 1));
    row_fn = [now](const nlohmann::json& o) {
      std::string last = GetString(o, {"lastTimestamp"});
      if (last.empty()) last = GetString(o, {"deprecatedLastTimestamp"});
      if (last.empty()) last = GetString(o, {"eventTime"});
      auto t = internal::ParseTime(last);
      const nlohmann::json* ref = GetPath(o, {"involvedObject"});
      if (ref == nullptr) ref = GetPath(o, {"regarding"});
      std::string object;
      if (ref != nullptr) object = internal::ToLower(ref->value("kind", "")) + "/" + ref->value("name", "");
      std::string msg = GetString(o, {"message"});
      if (msg.empty()) msg = GetString(o, {"note"});
      return nlohmann::json::array({t ? internal::HumanDuration(now - *t) : "<unknown>",
                                    GetString(o, {"type"}), GetString(o, {"reason"}), object, msg,
                                    internal::NameOf(o)});
    };
  } else {
    cols.push_back(ColumnDef("Age", "string", "", age_desc));
    row_fn = [now](const nlohmann::json& o) {
      return nlohmann::json::array({internal::NameOf(o), Age(o, now)});
    };
  }

  nlohmann::json rows = nlohmann::json::array();
  for (const nlohmann::json& o : objects) {
    nlohmann::json row = {{"cells", row_fn(o)}};
    if (include == IncludeObject::kObject) {
      row["object"] = o;
    } else if (include == IncludeObject::kMetadata) {
      nlohmann::json meta = o.contains("metadata") ? o["metadata"] : nlohmann::json::object();
      meta.erase("managedFields");
      row["object"] = {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", meta}};
    }
    rows.push_back(std::move(row));
  }
  nlohmann::json table = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"},
                          {"metadata", std::move(list_meta)}};
  table["columnDefinitions"] = with_column_definitions ? cols : nlohmann::json::array();
  table["rows"] = rows;
  return table;
}

}  // namespace fairway::sandbox
