#include "sandbox/internal/write_rules.h"

#include <cmath>
#include <set>
#include <vector>

#include "sandbox/internal/object_validation.h"
#include "sandbox/internal/quantity.h"
#include "sandbox/internal/util.h"
#include "sandbox/internal/views.h"
#include "sandbox/schema.h"

namespace fairway::sandbox::internal {
namespace {

bool IsCore(const ResourceInfo& info, const char* plural) {
  return info.group.empty() && info.plural == plural;
}
bool IsCrd(const ResourceInfo& info) {
  return info.group == "apiextensions.k8s.io" && info.plural == "customresourcedefinitions";
}

ApiError InvalidObject(const ResourceInfo& info, const nlohmann::json& obj,
                       std::vector<FieldCause> causes) {
  return Invalid(info.kind, info.group, NameOf(obj), std::move(causes));
}

// Extended resources: a domain-prefixed name outside *kubernetes.io (e.g. nvidia.com/gpu).
bool IsExtendedResource(const std::string& name) {
  size_t slash = name.find('/');
  if (slash == std::string::npos) return false;
  std::string domain = name.substr(0, slash);
  if (domain == "kubernetes.io" || EndsWith(domain, ".kubernetes.io")) return false;
  if (StartsWith(name.substr(slash + 1), "requests.")) return false;
  return true;
}

std::string QuantityText(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Defaults requests from limits and validates extended resources of every container.
void PodResources(nlohmann::json* pod, std::vector<FieldCause>* causes) {
  for (const char* list : {"initContainers", "containers"}) {
    nlohmann::json* cs = nullptr;
    if (auto s = pod->find("spec"); s != pod->end() && s->is_object()) {
      if (auto c = s->find(list); c != s->end() && c->is_array()) cs = &*c;
    }
    if (cs == nullptr) continue;
    for (size_t i = 0; i < cs->size(); ++i) {
      nlohmann::json& c = (*cs)[i];
      if (!c.is_object() || !c.contains("resources") || !c["resources"].is_object()) continue;
      nlohmann::json& res = c["resources"];
      std::string base = std::string("spec.") + list + "[" + std::to_string(i) + "].resources";
      nlohmann::json limits = res.contains("limits") && res["limits"].is_object()
                                  ? res["limits"]
                                  : nlohmann::json::object();
      nlohmann::json& requests = EnsureObject(res, "requests");
      for (auto it = limits.begin(); it != limits.end(); ++it) {
        if (!requests.contains(it.key())) requests[it.key()] = *it;
      }
      for (auto it = requests.begin(); it != requests.end(); ++it) {
        auto q = ParseQuantity(*it);
        if (!q) {
          causes->push_back(InvalidCause(base + ".requests[" + it.key() + "]", QuantityText(*it),
                                         "quantities must match the regular expression "
                                         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
          continue;
        }
        if (!IsExtendedResource(it.key())) continue;
        if (std::floor(*q) != *q) {
          causes->push_back(InvalidCause(base + ".requests[" + it.key() + "]", QuantityText(*it),
                                         "must be an integer"));
          continue;
        }
        if (!limits.contains(it.key())) {
          causes->push_back(RequiredCause(base + ".limits",
                                          "Limit must be set for non overcommitable resources"));
          continue;
        }
        auto l = ParseQuantity(limits[it.key()]);
        if (l && *l != *q) {
          causes->push_back(InvalidCause(
              base + ".requests", QuantityText(*it),
              "must be equal to " + it.key() + " limit of " + QuantityText(limits[it.key()])));
        }
      }
      for (auto it = limits.begin(); it != limits.end(); ++it) {
        if (!IsExtendedResource(it.key())) continue;
        auto l = ParseQuantity(*it);
        if (l && std::floor(*l) != *l) {
          causes->push_back(InvalidCause(base + ".limits[" + it.key() + "]", QuantityText(*it),
                                         "must be an integer"));
        }
      }
    }
  }
}

MaybeError PreparePodCreate(const ResourceInfo& info, nlohmann::json* pod, WallTime now) {
  std::vector<FieldCause> causes;
  nlohmann::json& spec = EnsureObject(*pod, "spec");
  if (!spec.contains("containers") || !spec["containers"].is_array() ||
      spec["containers"].empty()) {
    causes.push_back(RequiredCause("spec.containers"));
  } else {
    for (size_t i = 0; i < spec["containers"].size(); ++i) {
      const nlohmann::json& c = spec["containers"][i];
      if (!c.is_object() || c.value("name", "").empty()) {
        causes.push_back(RequiredCause("spec.containers[" + std::to_string(i) + "].name"));
      }
    }
  }
  PodResources(pod, &causes);
  if (!causes.empty()) return InvalidObject(info, *pod, causes);
  if (!spec.contains("schedulerName")) spec["schedulerName"] = "default-scheduler";
  if (!spec.contains("restartPolicy")) spec["restartPolicy"] = "Always";
  if (!spec.contains("terminationGracePeriodSeconds")) spec["terminationGracePeriodSeconds"] = 30;
  if (!spec.contains("dnsPolicy")) spec["dnsPolicy"] = "ClusterFirst";
  nlohmann::json status = {{"phase", "Pending"}, {"qosClass", "BestEffort"}};
  if (spec.contains("schedulingGates") && spec["schedulingGates"].is_array() &&
      !spec["schedulingGates"].empty()) {
    status["conditions"] = nlohmann::json::array(
        {{{"type", "PodScheduled"},
          {"status", "False"},
          {"reason", "SchedulingGated"},
          {"message", "Scheduling is blocked due to non-empty scheduling gates"},
          {"lastProbeTime", nullptr},
          {"lastTransitionTime", FormatTime(now)}}});
  }
  (*pod)["status"] = status;
  return std::nullopt;
}

MaybeError ValidateEventV1(const ResourceInfo& info, const nlohmann::json& ev) {
  std::vector<FieldCause> causes;
  if (GetString(ev, {"eventTime"}).empty()) causes.push_back(RequiredCause("eventTime"));
  std::string type = GetString(ev, {"type"});
  if (type != "Normal" && type != "Warning") {
    causes.push_back(NotSupportedCause("type", type, {"Normal", "Warning"}));
  }
  std::string controller = GetString(ev, {"reportingComponent"});
  if (controller.empty()) causes.push_back(RequiredCause("reportingController"));
  auto check_len = [&](const char* v1, const char* core, size_t max) {
    std::string v = GetString(ev, {core});
    if (v.empty()) {
      causes.push_back(RequiredCause(v1));
    } else if (v.size() > max) {
      causes.push_back(
          InvalidCause(v1, "", "can have at most " + std::to_string(max) + " characters"));
    }
  };
  check_len("reportingInstance", "reportingInstance", 128);
  check_len("action", "action", 128);
  check_len("reason", "reason", 128);
  if (GetString(ev, {"message"}).size() > 1024) {
    causes.push_back(InvalidCause("note", "", "can have at most 1024 characters"));
  }
  if (const nlohmann::json* s = GetPath(ev, {"series"}); s != nullptr && s->is_object()) {
    if (s->value("count", 0) < 2)
      causes.push_back(InvalidCause("series.count", s->value("count", 0), "should be at least 2"));
  }
  if (!causes.empty()) return InvalidObject(info, ev, causes);
  return std::nullopt;
}

MaybeError ValidateCoreEvent(const ResourceInfo& info, const nlohmann::json& ev) {
  std::string ns = NamespaceOf(ev);
  std::string involved = GetString(ev, {"involvedObject", "namespace"});
  if (!involved.empty() && involved != ns) {
    return InvalidObject(
        info, ev,
        {InvalidCause("involvedObject.namespace", involved, "does not match event.namespace")});
  }
  return std::nullopt;
}

MaybeError ApplySchema(const ResourceInfo& info, nlohmann::json* obj) {
  if (!info.schema) return std::nullopt;
  PruneObject(info.schema->document(), obj);
  ApplyDefaults(info.schema->document(), obj);
  std::vector<FieldCause> causes = ValidateAgainstSchema(*info.schema, *obj);
  if (!causes.empty()) return InvalidObject(info, *obj, causes);
  return std::nullopt;
}

MaybeError PrepareCrd(const ResourceInfo& info, nlohmann::json* crd, WallTime now) {
  Result<std::vector<ResourceInfo>> infos = ResourceInfosFromCrd(*crd);
  if (!infos.ok()) return infos.error();
  const nlohmann::json& spec = (*crd)["spec"];
  std::string t = FormatTime(now);
  nlohmann::json stored_versions = nlohmann::json::array();
  for (const auto& v : spec["versions"]) {
    if (v.value("storage", false)) stored_versions.push_back(v.value("name", ""));
  }
  nlohmann::json status = {{"conditions",
                            {{{"type", "NamesAccepted"},
                              {"status", "True"},
                              {"reason", "NoConflicts"},
                              {"message", "no conflicts found"},
                              {"lastTransitionTime", t}},
                             {{"type", "Established"},
                              {"status", "True"},
                              {"reason", "InitialNamesAccepted"},
                              {"message", "the initial names have been accepted"},
                              {"lastTransitionTime", t}}}},
                           {"acceptedNames", spec["names"]},
                           {"storedVersions", stored_versions}};
  if (!status["acceptedNames"].contains("singular")) {
    status["acceptedNames"]["singular"] = infos.value()[0].singular;
  }
  if (!status["acceptedNames"].contains("listKind")) {
    status["acceptedNames"]["listKind"] = infos.value()[0].list_kind;
  }
  (*crd)["status"] = status;
  return std::nullopt;
}

// Labels and annotations, for every kind on create and update.
MaybeError ValidateMetadata(const ResourceInfo& info, const nlohmann::json& obj) {
  std::vector<FieldCause> causes = MetadataCauses(obj);
  if (causes.empty()) return std::nullopt;
  return InvalidObject(info, obj, std::move(causes));
}

// Kind-specific validation shared by create and update.
MaybeError ValidateKind(const ResourceInfo& info, nlohmann::json* obj) {
  if (std::vector<FieldCause> causes = WorkloadCauses(info, *obj); !causes.empty()) {
    return InvalidObject(info, *obj, std::move(causes));
  }
  if (info.custom) return ApplySchema(info, obj);
  if (IsEventsV1(info)) return ValidateEventV1(info, *obj);
  if (IsCore(info, "events")) return ValidateCoreEvent(info, *obj);
  return std::nullopt;
}

MaybeError ValidateMetadataTypes(const nlohmann::json& obj) {
  const nlohmann::json* meta = GetPath(obj, {"metadata"});
  if (meta == nullptr) return std::nullopt;
  if (!meta->is_object()) return BadRequest("metadata must be an object");
  for (const char* field : {"labels", "annotations"}) {
    auto it = meta->find(field);
    if (it == meta->end() || it->is_null()) continue;
    if (!it->is_object()) {
      return BadRequest(
          std::string("json: cannot unmarshal into Go struct field ObjectMeta.metadata.") + field +
          " of type map[string]string");
    }
    for (const auto& v : *it) {
      if (!v.is_string()) {
        return BadRequest(std::string("json: cannot unmarshal ") + v.type_name() +
                          " into Go struct field ObjectMeta.metadata." + field + " of type string");
      }
    }
  }
  if (auto it = meta->find("finalizers"); it != meta->end() && !it->is_null()) {
    if (!it->is_array()) return BadRequest("metadata.finalizers must be a list of strings");
    for (const auto& v : *it) {
      if (!v.is_string()) return BadRequest("metadata.finalizers must be a list of strings");
    }
  }
  return std::nullopt;
}

// The object without the parts that do not count for metadata.generation.
nlohmann::json GenerationView(const ResourceInfo& info, const nlohmann::json& obj) {
  nlohmann::json v = obj;
  v.erase("metadata");
  v.erase("apiVersion");
  v.erase("kind");
  if (info.status_subresource) v.erase("status");
  return v;
}

std::vector<std::string> Finalizers(const nlohmann::json& obj) {
  std::vector<std::string> out;
  if (const nlohmann::json* f = GetPath(obj, {"metadata", "finalizers"}); f && f->is_array()) {
    for (const auto& e : *f) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  }
  return out;
}

bool Deleting(const nlohmann::json& obj) {
  return !GetString(obj, {"metadata", "deletionTimestamp"}).empty();
}

int64_t DeletionGrace(const nlohmann::json& obj) {
  const nlohmann::json* g = GetPath(obj, {"metadata", "deletionGracePeriodSeconds"});
  return g != nullptr && g->is_number_integer() ? g->get<int64_t>() : 0;
}

}  // namespace

MaybeError ValidateName(const ResourceInfo& info, const std::string& name) {
  std::vector<FieldCause> causes = NameCauses(info, name);
  if (causes.empty()) return std::nullopt;
  return Invalid(info.kind, info.group, name, std::move(causes));
}

MaybeError PrepareCreate(const ResourceInfo& info, nlohmann::json* obj, WallTime now) {
  SANDBOX_RETURN_IF_ERROR(ValidateMetadataTypes(*obj));
  SANDBOX_RETURN_IF_ERROR(ValidateMetadata(info, *obj));
  nlohmann::json& meta = EnsureObject(*obj, "metadata");
  meta["uid"] = NewUid();
  meta["creationTimestamp"] = FormatTime(now);
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("selfLink");
  if (!IsCore(info, "events") && !IsEventsV1(info) && !IsCore(info, "configmaps") &&
      !IsCore(info, "secrets") && !IsCore(info, "namespaces") && !IsCore(info, "serviceaccounts")) {
    meta["generation"] = 1;
  } else {
    meta.erase("generation");
  }
  if (meta.contains("finalizers") && meta["finalizers"].is_array() && meta["finalizers"].empty()) {
    meta.erase("finalizers");
  }
  if (info.status_subresource && !IsCore(info, "nodes")) obj->erase("status");
  if (IsPod(info)) return PreparePodCreate(info, obj, now);
  if (IsCore(info, "namespaces")) {
    (*obj)["status"] = {{"phase", "Active"}};
    (*obj)["spec"] = {{"finalizers", {"kubernetes"}}};
    EnsureObject(meta, "labels")["kubernetes.io/metadata.name"] = meta["name"];
  }
  if (IsCore(info, "secrets") && GetString(*obj, {"type"}).empty()) {
    (*obj)["type"] = "Opaque";  // upstream's SetDefaults_Secret
  }
  if (IsCrd(info)) return PrepareCrd(info, obj, now);
  return ValidateKind(info, obj);
}

Result<Mutation> PrepareUpdate(const ResourceInfo& info, const std::string& sub,
                               const nlohmann::json& current, nlohmann::json incoming,
                               bool is_patch, WallTime now) {
  if (!incoming.is_object()) return BadRequest("the object must be a JSON object");
  SANDBOX_RETURN_IF_ERROR(ValidateMetadataTypes(incoming));
  const std::string name = NameOf(current);
  const std::string cur_rv = GetString(current, {"metadata", "resourceVersion"});
  std::string rv = GetString(incoming, {"metadata", "resourceVersion"});
  if (rv.empty()) {
    if (info.custom && !is_patch) {
      return Invalid(info.kind, info.group, name,
                     {{"FieldValueInvalid", "Invalid value: 0x0: must be specified for an update",
                       "metadata.resourceVersion"}});
    }
  } else if (rv != cur_rv) {
    return StaleConflict(info.Ref(), name);
  }

  nlohmann::json next;
  if (sub == "status") {
    next = current;
    if (incoming.contains("status")) {
      next["status"] = incoming["status"];
    } else {
      next.erase("status");
    }
    if (!info.custom && incoming.contains("metadata")) {
      for (const char* f : {"labels", "annotations"}) {
        if (incoming["metadata"].contains(f)) {
          next["metadata"][f] = incoming["metadata"][f];
        } else {
          next["metadata"].erase(f);
        }
      }
    }
  } else {
    next = std::move(incoming);
    nlohmann::json& meta = EnsureObject(next, "metadata");
    const nlohmann::json& cur_meta = current["metadata"];
    for (const char* f : {"uid", "creationTimestamp", "generation", "deletionTimestamp",
                          "deletionGracePeriodSeconds"}) {
      if (cur_meta.contains(f)) {
        meta[f] = cur_meta[f];
      } else {
        meta.erase(f);
      }
    }
    if (meta.contains("finalizers") && meta["finalizers"].is_array() &&
        meta["finalizers"].empty()) {
      meta.erase("finalizers");
    }
    if (info.status_subresource) {
      if (current.contains("status")) {
        next["status"] = current["status"];
      } else {
        next.erase("status");
      }
    }
    if (IsPod(info)) {
      std::string old_node = GetString(current, {"spec", "nodeName"});
      std::string new_node = GetString(next, {"spec", "nodeName"});
      if (old_node != new_node) {
        return Invalid(
            info.kind, info.group, name,
            {ForbiddenCause("spec",
                            "pod updates may not change fields other than "
                            "`spec.containers[*].image`, `spec.initContainers[*].image`, "
                            "`spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to "
                            "existing tolerations), `spec.terminationGracePeriodSeconds` "
                            "(allow it to be set to 1 if it was previously negative); "
                            "use the pods/binding subresource to set spec.nodeName")});
      }
    }
    if (IsCrd(info)) {
      nlohmann::json status = next.contains("status") ? next["status"] : nlohmann::json();
      SANDBOX_RETURN_IF_ERROR(PrepareCrd(info, &next, now));
      // Keep the original transition times.
      if (status.is_object() && status.contains("conditions"))
        next["status"]["conditions"] = status["conditions"];
    }
  }
  SANDBOX_RETURN_IF_ERROR(ValidateMetadata(info, next));
  if (info.custom || !IsCrd(info)) {
    SANDBOX_RETURN_IF_ERROR(ValidateKind(info, &next));
  }

  // No new finalizers once deletion started.
  if (Deleting(current)) {
    std::vector<std::string> old_f = Finalizers(current);
    std::set<std::string> old_set(old_f.begin(), old_f.end());
    std::vector<std::string> added;
    for (const std::string& f : Finalizers(next)) {
      if (old_set.count(f) == 0) added.push_back(f);
    }
    if (!added.empty()) {
      std::string list = "[]string{";
      for (size_t i = 0; i < added.size(); ++i) list += (i ? ", \"" : "\"") + added[i] + "\"";
      list += "}";
      return Invalid(info.kind, info.group, name,
                     {ForbiddenCause("metadata.finalizers",
                                     "no new finalizers can be added if the object is being "
                                     "deleted, found new finalizers " +
                                         list)});
    }
  }

  if (current["metadata"].contains("generation") &&
      GenerationView(info, next) != GenerationView(info, current)) {
    next["metadata"]["generation"] = current["metadata"]["generation"].get<int64_t>() + 1;
  }

  Mutation m;
  m.kind = Mutation::kReplace;
  if (Deleting(next) && Finalizers(next).empty() && !(IsPod(info) && DeletionGrace(next) > 0)) {
    m.kind = Mutation::kReplaceThenRemove;
  }
  m.object = std::move(next);
  return m;
}

Result<Mutation> PrepareDelete(const ResourceInfo& info, const nlohmann::json& current,
                               const DeleteOptions& options, WallTime now) {
  const std::string name = NameOf(current);
  std::string uid = GetString(current, {"metadata", "uid"});
  std::string rv = GetString(current, {"metadata", "resourceVersion"});
  if (!options.precondition_uid.empty() && options.precondition_uid != uid) {
    return Conflict(info.Ref(), name,
                    "Precondition failed: UID in precondition: " + options.precondition_uid +
                        ", UID in object meta: " + uid);
  }
  if (!options.precondition_rv.empty() && options.precondition_rv != rv) {
    return Conflict(info.Ref(), name,
                    "Precondition failed: ResourceVersion in precondition: " +
                        options.precondition_rv + ", ResourceVersion in object meta: " + rv);
  }
  bool has_finalizers = !Finalizers(current).empty();
  Mutation m;
  if (IsPod(info)) {
    std::string phase = GetString(current, {"status", "phase"});
    bool bound = !GetString(current, {"spec", "nodeName"}).empty();
    bool terminal = phase == "Succeeded" || phase == "Failed";
    int64_t grace = 30;
    if (const nlohmann::json* g = GetPath(current, {"spec", "terminationGracePeriodSeconds"});
        g && g->is_number_integer()) {
      grace = g->get<int64_t>();
    }
    if (options.grace_period_s.has_value()) grace = *options.grace_period_s;
    if (grace < 0) grace = 1;
    if (bound && !terminal && grace > 0) {
      if (Deleting(current) && DeletionGrace(current) <= grace) {
        m.kind = Mutation::kNoop;
        return m;
      }
      m.kind = Mutation::kReplace;
      m.object = current;
      m.object["metadata"]["deletionTimestamp"] = FormatTime(now + std::chrono::seconds(grace));
      m.object["metadata"]["deletionGracePeriodSeconds"] = grace;
      return m;
    }
    if (has_finalizers && Deleting(current) && DeletionGrace(current) != 0) {
      m.kind = Mutation::kReplace;
      m.object = current;
      m.object["metadata"]["deletionGracePeriodSeconds"] = 0;
      return m;
    }
  }
  if (has_finalizers) {
    if (Deleting(current)) {
      m.kind = Mutation::kNoop;
      return m;
    }
    m.kind = Mutation::kReplace;
    m.object = current;
    m.object["metadata"]["deletionTimestamp"] = FormatTime(now);
    m.object["metadata"]["deletionGracePeriodSeconds"] = 0;
    return m;
  }
  m.kind = Mutation::kRemove;
  return m;
}

}  // namespace fairway::sandbox::internal
