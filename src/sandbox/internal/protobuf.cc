#include "sandbox/internal/protobuf.h"

#include <chrono>

#include "common/base64.h"
#include "common/json_depth.h"
#include "sandbox/internal/util.h"

namespace fairway::sandbox::internal::protobuf {
namespace {

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

ApiError DecodeError(const std::string& where, const std::string& what) {
  return BadRequest("the body of the request could not be decoded as protobuf: " +
                    (where.empty() ? std::string() : where + ": ") + what);
}

// ---------------------------------------------------------------------------------------------
// Schemas.

enum class Type {
  kString,
  kBytes,  // base64 in JSON
  kInt,    // int32/int64 varint
  kBool,
  kMessage,
  kInline,       // embedded struct whose fields appear in the parent's JSON object
  kStringMap,    // map<string, string>
  kBytesMap,     // map<string, bytes> (values base64)
  kQuantityMap,  // map<string, resource.Quantity>
  kTime,         // meta/v1 Time {seconds, nanos}: RFC 3339 string
  kIntOrString,  // intstr.IntOrString {type, intVal, strVal}
  kQuantity,     // resource.Quantity {string}
  kFieldsV1,     // meta/v1 FieldsV1 {Raw}: raw JSON
};

struct MessageSpec;
using SpecFn = const MessageSpec& (*)();

struct FieldSpec {
  uint32_t number;
  const char* json;
  Type type;
  bool repeated = false;
  bool pointer = false;  // a Go pointer field: zero values are kept
  SpecFn message = nullptr;
};

struct MessageSpec {
  std::vector<FieldSpec> fields;
};

FieldSpec Str(uint32_t n, const char* j) { return {n, j, Type::kString}; }
FieldSpec PtrStr(uint32_t n, const char* j) { return {n, j, Type::kString, false, true}; }
FieldSpec RepStr(uint32_t n, const char* j) { return {n, j, Type::kString, true}; }
FieldSpec Int(uint32_t n, const char* j) { return {n, j, Type::kInt}; }
FieldSpec PtrInt(uint32_t n, const char* j) { return {n, j, Type::kInt, false, true}; }
FieldSpec Bool(uint32_t n, const char* j) { return {n, j, Type::kBool}; }
FieldSpec PtrBool(uint32_t n, const char* j) { return {n, j, Type::kBool, false, true}; }
FieldSpec Msg(uint32_t n, const char* j, SpecFn m) {
  return {n, j, Type::kMessage, false, false, m};
}
FieldSpec RepMsg(uint32_t n, const char* j, SpecFn m) {
  return {n, j, Type::kMessage, true, false, m};
}
FieldSpec Inline(uint32_t n, SpecFn m) { return {n, "", Type::kInline, false, false, m}; }
FieldSpec StrMap(uint32_t n, const char* j) { return {n, j, Type::kStringMap}; }
FieldSpec BytesMap(uint32_t n, const char* j) { return {n, j, Type::kBytesMap}; }
FieldSpec QtyMap(uint32_t n, const char* j) { return {n, j, Type::kQuantityMap}; }
FieldSpec Time(uint32_t n, const char* j) { return {n, j, Type::kTime}; }
FieldSpec IntOrStr(uint32_t n, const char* j) { return {n, j, Type::kIntOrString}; }
FieldSpec Qty(uint32_t n, const char* j) { return {n, j, Type::kQuantity}; }
FieldSpec Fields(uint32_t n, const char* j) { return {n, j, Type::kFieldsV1}; }

#define SANDBOX_PB_SPEC(name, ...)                \
  const MessageSpec& name() {                     \
    static const MessageSpec spec{{__VA_ARGS__}}; \
    return spec;                                  \
  }

// k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto
SANDBOX_PB_SPEC(OwnerReference, Str(1, "kind"), Str(3, "name"), Str(4, "uid"), Str(5, "apiVersion"),
                PtrBool(6, "controller"), PtrBool(7, "blockOwnerDeletion"))
SANDBOX_PB_SPEC(ManagedFieldsEntry, Str(1, "manager"), Str(2, "operation"), Str(3, "apiVersion"),
                Time(4, "time"), Str(6, "fieldsType"), Fields(7, "fieldsV1"), Str(8, "subresource"))
SANDBOX_PB_SPEC(ObjectMeta, Str(1, "name"), Str(2, "generateName"), Str(3, "namespace"),
                Str(4, "selfLink"), Str(5, "uid"), Str(6, "resourceVersion"), Int(7, "generation"),
                Time(8, "creationTimestamp"), Time(9, "deletionTimestamp"),
                PtrInt(10, "deletionGracePeriodSeconds"), StrMap(11, "labels"),
                StrMap(12, "annotations"), RepMsg(13, "ownerReferences", &OwnerReference),
                RepStr(14, "finalizers"), RepMsg(17, "managedFields", &ManagedFieldsEntry))
SANDBOX_PB_SPEC(LabelSelectorRequirement, Str(1, "key"), Str(2, "operator"), RepStr(3, "values"))
SANDBOX_PB_SPEC(LabelSelector, StrMap(1, "matchLabels"),
                RepMsg(2, "matchExpressions", &LabelSelectorRequirement))
SANDBOX_PB_SPEC(Preconditions, PtrStr(1, "uid"), PtrStr(2, "resourceVersion"))
SANDBOX_PB_SPEC(DeleteOptions, PtrInt(1, "gracePeriodSeconds"),
                Msg(2, "preconditions", &Preconditions), PtrBool(3, "orphanDependents"),
                PtrStr(4, "propagationPolicy"), RepStr(5, "dryRun"))

// k8s.io/api/core/v1/generated.proto
SANDBOX_PB_SPEC(NamespaceSpec, RepStr(1, "finalizers"))
SANDBOX_PB_SPEC(Namespace, Msg(1, "metadata", &ObjectMeta), Msg(2, "spec", &NamespaceSpec))
SANDBOX_PB_SPEC(ConfigMap, Msg(1, "metadata", &ObjectMeta), StrMap(2, "data"),
                BytesMap(3, "binaryData"), PtrBool(4, "immutable"))
SANDBOX_PB_SPEC(Secret, Msg(1, "metadata", &ObjectMeta), BytesMap(2, "data"), Str(3, "type"),
                StrMap(4, "stringData"), PtrBool(5, "immutable"))
SANDBOX_PB_SPEC(ObjectReference, Str(1, "kind"), Str(2, "namespace"), Str(3, "name"), Str(4, "uid"),
                Str(5, "apiVersion"), Str(6, "resourceVersion"), Str(7, "fieldPath"))
SANDBOX_PB_SPEC(LocalObjectReference, Str(1, "name"))
SANDBOX_PB_SPEC(ServiceAccount, Msg(1, "metadata", &ObjectMeta),
                RepMsg(2, "secrets", &ObjectReference),
                RepMsg(3, "imagePullSecrets", &LocalObjectReference),
                PtrBool(4, "automountServiceAccountToken"))
SANDBOX_PB_SPEC(ContainerPort, Str(1, "name"), Int(2, "hostPort"), Int(3, "containerPort"),
                Str(4, "protocol"), Str(5, "hostIP"))
SANDBOX_PB_SPEC(ObjectFieldSelector, Str(1, "apiVersion"), Str(2, "fieldPath"))
SANDBOX_PB_SPEC(ResourceFieldSelector, Str(1, "containerName"), Str(2, "resource"),
                Qty(3, "divisor"))
SANDBOX_PB_SPEC(KeySelector, Inline(1, &LocalObjectReference), Str(2, "key"),
                PtrBool(3, "optional"))
SANDBOX_PB_SPEC(EnvVarSource, Msg(1, "fieldRef", &ObjectFieldSelector),
                Msg(2, "resourceFieldRef", &ResourceFieldSelector),
                Msg(3, "configMapKeyRef", &KeySelector), Msg(4, "secretKeyRef", &KeySelector))
SANDBOX_PB_SPEC(EnvVar, Str(1, "name"), Str(2, "value"), Msg(3, "valueFrom", &EnvVarSource))
SANDBOX_PB_SPEC(EnvSource, Inline(1, &LocalObjectReference), PtrBool(2, "optional"))
SANDBOX_PB_SPEC(EnvFromSource, Str(1, "prefix"), Msg(2, "configMapRef", &EnvSource),
                Msg(3, "secretRef", &EnvSource))
SANDBOX_PB_SPEC(ResourceRequirements, QtyMap(1, "limits"), QtyMap(2, "requests"))
SANDBOX_PB_SPEC(VolumeMount, Str(1, "name"), Bool(2, "readOnly"), Str(3, "mountPath"),
                Str(4, "subPath"))
SANDBOX_PB_SPEC(Container, Str(1, "name"), Str(2, "image"), RepStr(3, "command"), RepStr(4, "args"),
                Str(5, "workingDir"), RepMsg(6, "ports", &ContainerPort), RepMsg(7, "env", &EnvVar),
                Msg(8, "resources", &ResourceRequirements), RepMsg(9, "volumeMounts", &VolumeMount),
                Str(13, "terminationMessagePath"), Str(14, "imagePullPolicy"), Bool(16, "stdin"),
                Bool(17, "stdinOnce"), Bool(18, "tty"), RepMsg(19, "envFrom", &EnvFromSource),
                Str(20, "terminationMessagePolicy"))
SANDBOX_PB_SPEC(Toleration, Str(1, "key"), Str(2, "operator"), Str(3, "value"), Str(4, "effect"),
                PtrInt(5, "tolerationSeconds"))
SANDBOX_PB_SPEC(PodSpec, RepMsg(2, "containers", &Container), Str(3, "restartPolicy"),
                PtrInt(4, "terminationGracePeriodSeconds"), PtrInt(5, "activeDeadlineSeconds"),
                Str(6, "dnsPolicy"), StrMap(7, "nodeSelector"), Str(8, "serviceAccountName"),
                Str(9, "serviceAccount"), Str(10, "nodeName"), Bool(11, "hostNetwork"),
                RepMsg(15, "imagePullSecrets", &LocalObjectReference), Str(19, "schedulerName"),
                RepMsg(20, "initContainers", &Container), RepMsg(22, "tolerations", &Toleration),
                Str(24, "priorityClassName"), PtrInt(25, "priority"))
SANDBOX_PB_SPEC(PodTemplateSpec, Msg(1, "metadata", &ObjectMeta), Msg(2, "spec", &PodSpec))

SANDBOX_PB_SPEC(ResourceQuotaSpec, QtyMap(1, "hard"), RepStr(2, "scopes"))
SANDBOX_PB_SPEC(ResourceQuota, Msg(1, "metadata", &ObjectMeta), Msg(2, "spec", &ResourceQuotaSpec))
SANDBOX_PB_SPEC(ServicePort, Str(1, "name"), Str(2, "protocol"), Int(3, "port"),
                IntOrStr(4, "targetPort"), Int(5, "nodePort"), PtrStr(6, "appProtocol"))
SANDBOX_PB_SPEC(ServiceSpec, RepMsg(1, "ports", &ServicePort), StrMap(2, "selector"),
                Str(3, "clusterIP"), Str(4, "type"), RepStr(5, "externalIPs"),
                Str(7, "sessionAffinity"), Str(10, "externalName"), PtrStr(17, "ipFamilyPolicy"),
                RepStr(18, "clusterIPs"), RepStr(19, "ipFamilies"))
SANDBOX_PB_SPEC(Service, Msg(1, "metadata", &ObjectMeta), Msg(2, "spec", &ServiceSpec))

// k8s.io/api/apps/v1/generated.proto
SANDBOX_PB_SPEC(RollingUpdateDeployment, IntOrStr(1, "maxUnavailable"), IntOrStr(2, "maxSurge"))
SANDBOX_PB_SPEC(DeploymentStrategy, Str(1, "type"),
                Msg(2, "rollingUpdate", &RollingUpdateDeployment))
SANDBOX_PB_SPEC(DeploymentSpec, PtrInt(1, "replicas"), Msg(2, "selector", &LabelSelector),
                Msg(3, "template", &PodTemplateSpec), Msg(4, "strategy", &DeploymentStrategy),
                Int(5, "minReadySeconds"), PtrInt(6, "revisionHistoryLimit"), Bool(7, "paused"),
                PtrInt(9, "progressDeadlineSeconds"))
SANDBOX_PB_SPEC(Deployment, Msg(1, "metadata", &ObjectMeta), Msg(2, "spec", &DeploymentSpec))

// k8s.io/api/batch/v1/generated.proto
SANDBOX_PB_SPEC(JobSpec, PtrInt(1, "parallelism"), PtrInt(2, "completions"),
                PtrInt(3, "activeDeadlineSeconds"), Msg(4, "selector", &LabelSelector),
                PtrBool(5, "manualSelector"), Msg(6, "template", &PodTemplateSpec),
                PtrInt(7, "backoffLimit"), PtrInt(8, "ttlSecondsAfterFinished"),
                PtrStr(9, "completionMode"), PtrBool(10, "suspend"))
SANDBOX_PB_SPEC(Job, Msg(1, "metadata", &ObjectMeta), Msg(2, "spec", &JobSpec))
SANDBOX_PB_SPEC(JobTemplateSpec, Msg(1, "metadata", &ObjectMeta), Msg(2, "spec", &JobSpec))
SANDBOX_PB_SPEC(CronJobSpec, Str(1, "schedule"), PtrInt(2, "startingDeadlineSeconds"),
                Str(3, "concurrencyPolicy"), PtrBool(4, "suspend"),
                Msg(5, "jobTemplate", &JobTemplateSpec), PtrInt(6, "successfulJobsHistoryLimit"),
                PtrInt(7, "failedJobsHistoryLimit"), PtrStr(8, "timeZone"))
SANDBOX_PB_SPEC(CronJob, Msg(1, "metadata", &ObjectMeta), Msg(2, "spec", &CronJobSpec))

// k8s.io/api/rbac/v1/generated.proto
SANDBOX_PB_SPEC(PolicyRule, RepStr(1, "verbs"), RepStr(2, "apiGroups"), RepStr(3, "resources"),
                RepStr(4, "resourceNames"), RepStr(5, "nonResourceURLs"))
SANDBOX_PB_SPEC(AggregationRule, RepMsg(1, "clusterRoleSelectors", &LabelSelector))
SANDBOX_PB_SPEC(Role, Msg(1, "metadata", &ObjectMeta), RepMsg(2, "rules", &PolicyRule))
SANDBOX_PB_SPEC(ClusterRole, Msg(1, "metadata", &ObjectMeta), RepMsg(2, "rules", &PolicyRule),
                Msg(3, "aggregationRule", &AggregationRule))
SANDBOX_PB_SPEC(Subject, Str(1, "kind"), Str(2, "apiGroup"), Str(3, "name"), Str(4, "namespace"))
SANDBOX_PB_SPEC(RoleRef, Str(1, "apiGroup"), Str(2, "kind"), Str(3, "name"))
SANDBOX_PB_SPEC(RoleBinding, Msg(1, "metadata", &ObjectMeta), RepMsg(2, "subjects", &Subject),
                Msg(3, "roleRef", &RoleRef))

// k8s.io/api/scheduling/v1/generated.proto
SANDBOX_PB_SPEC(PriorityClass, Msg(1, "metadata", &ObjectMeta), PtrInt(2, "value"),
                Bool(3, "globalDefault"), Str(4, "description"), PtrStr(5, "preemptionPolicy"))

// k8s.io/api/authorization/v1/generated.proto
SANDBOX_PB_SPEC(ResourceAttributes, Str(1, "namespace"), Str(2, "verb"), Str(3, "group"),
                Str(4, "version"), Str(5, "resource"), Str(6, "subresource"), Str(7, "name"))
SANDBOX_PB_SPEC(NonResourceAttributes, Str(1, "path"), Str(2, "verb"))
SANDBOX_PB_SPEC(SelfSubjectAccessReviewSpec, Msg(1, "resourceAttributes", &ResourceAttributes),
                Msg(2, "nonResourceAttributes", &NonResourceAttributes))
SANDBOX_PB_SPEC(SelfSubjectAccessReview, Msg(1, "metadata", &ObjectMeta),
                Msg(2, "spec", &SelfSubjectAccessReviewSpec))
SANDBOX_PB_SPEC(SubjectAccessReviewSpec, Msg(1, "resourceAttributes", &ResourceAttributes),
                Msg(2, "nonResourceAttributes", &NonResourceAttributes), Str(3, "user"),
                RepStr(4, "groups"), Str(6, "uid"))
SANDBOX_PB_SPEC(SubjectAccessReview, Msg(1, "metadata", &ObjectMeta),
                Msg(2, "spec", &SubjectAccessReviewSpec))
SANDBOX_PB_SPEC(SelfSubjectRulesReviewSpec, Str(1, "namespace"))
SANDBOX_PB_SPEC(SelfSubjectRulesReview, Msg(1, "metadata", &ObjectMeta),
                Msg(2, "spec", &SelfSubjectRulesReviewSpec))

// k8s.io/api/authentication/v1/generated.proto (v1beta1 and v1alpha1 are the same message); the
// request carries no spec.
SANDBOX_PB_SPEC(SelfSubjectReview, Msg(1, "metadata", &ObjectMeta))

// k8s.io/api/policy/v1/generated.proto
SANDBOX_PB_SPEC(PodDisruptionBudgetSpec, IntOrStr(1, "minAvailable"),
                Msg(2, "selector", &LabelSelector), IntOrStr(3, "maxUnavailable"),
                PtrStr(4, "unhealthyPodEvictionPolicy"))
SANDBOX_PB_SPEC(PodDisruptionBudget, Msg(1, "metadata", &ObjectMeta),
                Msg(2, "spec", &PodDisruptionBudgetSpec))
SANDBOX_PB_SPEC(Eviction, Msg(1, "metadata", &ObjectMeta), Msg(2, "deleteOptions", &DeleteOptions))

#undef SANDBOX_PB_SPEC

struct KindSpec {
  const char* api_version;
  const char* kind;
  SpecFn spec;
};

const std::vector<KindSpec>& Kinds() {
  static const std::vector<KindSpec> kinds = {
      {"v1", "ConfigMap", &ConfigMap},
      {"v1", "Namespace", &Namespace},
      {"v1", "Secret", &Secret},
      {"v1", "ServiceAccount", &ServiceAccount},
      {"v1", "ResourceQuota", &ResourceQuota},
      {"v1", "Service", &Service},
      {"apps/v1", "Deployment", &Deployment},
      {"batch/v1", "Job", &Job},
      {"batch/v1", "CronJob", &CronJob},
      {"rbac.authorization.k8s.io/v1", "Role", &Role},
      {"rbac.authorization.k8s.io/v1", "ClusterRole", &ClusterRole},
      {"rbac.authorization.k8s.io/v1", "RoleBinding", &RoleBinding},
      {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &RoleBinding},
      {"scheduling.k8s.io/v1", "PriorityClass", &PriorityClass},
      {"policy/v1", "PodDisruptionBudget", &PodDisruptionBudget},
      {"authorization.k8s.io/v1", "SelfSubjectAccessReview", &SelfSubjectAccessReview},
      {"authorization.k8s.io/v1", "SubjectAccessReview", &SubjectAccessReview},
      {"authorization.k8s.io/v1", "SelfSubjectRulesReview", &SelfSubjectRulesReview},
      {"authentication.k8s.io/v1", "SelfSubjectReview", &SelfSubjectReview},
      {"authentication.k8s.io/v1beta1", "SelfSubjectReview", &SelfSubjectReview},
      {"authentication.k8s.io/v1alpha1", "SelfSubjectReview", &SelfSubjectReview},
      {"policy/v1", "Eviction", &Eviction},
      {"meta.k8s.io/v1", "DeleteOptions", &DeleteOptions},  // delete_options_body.h
  };
  return kinds;
}

const MessageSpec* FindKind(const std::string& api_version, const std::string& kind) {
  for (const KindSpec& k : Kinds()) {
    if (api_version == k.api_version && kind == k.kind) return &k.spec();
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Decoding.

constexpr int kMaxDepth = 32;
// 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z; Go's zero time.Time (year 1) is "null" in JSON.
constexpr int64_t kMinUnixSeconds = -62135596800 + 1;
constexpr int64_t kMaxUnixSeconds = 253402300799;

std::string Join(const std::string& path, const char* name) {
  if (path.empty()) return name;
  return path + "." + name;
}

Result<std::string> DecodeString(std::string_view bytes, const std::string& where) {
  if (!ValidUtf8(bytes)) return DecodeError(where, "invalid UTF-8 in a string");
  return std::string(bytes);
}

bool WantsLen(Type t) { return t != Type::kInt && t != Type::kBool; }

// A single-string message (resource.Quantity {1: string}).
Result<std::string> DecodeQuantity(std::string_view data, const std::string& where) {
  Reader r(data);
  std::string out;
  std::string err;
  while (!r.done()) {
    Field f;
    if (!r.Next(&f, &err)) return DecodeError(where, err);
    if (f.number != 1) continue;
    if (f.wire != WireType::kLen) return DecodeError(where, "wrong wire type for quantity string");
    SANDBOX_ASSIGN_OR_RETURN(out, DecodeString(f.bytes, where));
  }
  return out;
}

Result<nlohmann::json> DecodeIntOrString(std::string_view data, const std::string& where) {
  Reader r(data);
  int64_t type = 0;
  int64_t int_val = 0;
  std::string str_val;
  std::string err;
  while (!r.done()) {
    Field f;
    if (!r.Next(&f, &err)) return DecodeError(where, err);
    if (f.number == 1 || f.number == 2) {
      if (f.wire != WireType::kVarint) return DecodeError(where, "wrong wire type in IntOrString");
      (f.number == 1 ? type : int_val) = static_cast<int64_t>(f.value);
    } else if (f.number == 3) {
      if (f.wire != WireType::kLen) return DecodeError(where, "wrong wire type in IntOrString");
      SANDBOX_ASSIGN_OR_RETURN(str_val, DecodeString(f.bytes, where));
    }
  }
  if (type == 1) return nlohmann::json(str_val);
  return nlohmann::json(static_cast<int32_t>(int_val));
}

// Returns null for Go's zero time (an empty message) and anything outside years 1..9999.
Result<nlohmann::json> DecodeTime(std::string_view data, const std::string& where) {
  Reader r(data);
  int64_t seconds = 0;
  bool set = false;
  std::string err;
  while (!r.done()) {
    Field f;
    if (!r.Next(&f, &err)) return DecodeError(where, err);
    if (f.number == 1 || f.number == 2) {
      if (f.wire != WireType::kVarint) return DecodeError(where, "wrong wire type in Time");
      set = true;
      if (f.number == 1) seconds = static_cast<int64_t>(f.value);
    }
  }
  // metav1.Time marshals the zero time as an empty message.
  if (!set || seconds < kMinUnixSeconds || seconds > kMaxUnixSeconds) return nlohmann::json();
  return nlohmann::json(
      FormatTime(std::chrono::system_clock::time_point(std::chrono::seconds(seconds))));
}

Result<nlohmann::json> DecodeFieldsV1(std::string_view data, const std::string& where) {
  Reader r(data);
  nlohmann::json out = nlohmann::json::object();
  std::string err;
  while (!r.done()) {
    Field f;
    if (!r.Next(&f, &err)) return DecodeError(where, err);
    if (f.number != 1) continue;
    if (f.wire != WireType::kLen) return DecodeError(where, "wrong wire type in FieldsV1");
    if (!ValidUtf8(f.bytes)) return DecodeError(where, "invalid UTF-8 in FieldsV1");
    // JSON inside the binary body, which ApiServer's depth check skips.
    if (JsonDepth(f.bytes, kMaxJsonDepth) > kMaxJsonDepth) {
      return DecodeError(
          where, "FieldsV1 nests more than " + std::to_string(kMaxJsonDepth) + " levels deep");
    }
    out = nlohmann::json::parse(f.bytes, nullptr, /*allow_exceptions=*/false);
    if (out.is_discarded()) return DecodeError(where, "FieldsV1 is not JSON");
  }
  return out;
}

// One map entry {1: key, 2: value}: sets (*out)[key].
MaybeError DecodeMapEntry(Type type, std::string_view data, nlohmann::json* out,
                          const std::string& where) {
  Reader r(data);
  std::string key;
  nlohmann::json value = type == Type::kStringMap || type == Type::kBytesMap ? nlohmann::json("")
                                                                             : nlohmann::json("0");
  std::string err;
  while (!r.done()) {
    Field f;
    if (!r.Next(&f, &err)) return DecodeError(where, err);
    if (f.number != 1 && f.number != 2) continue;
    if (f.wire != WireType::kLen) return DecodeError(where, "wrong wire type in map entry");
    if (f.number == 1) {
      Result<std::string> k = DecodeString(f.bytes, where);
      if (!k.ok()) return k.error();
      key = std::move(k).value();
      continue;
    }
    switch (type) {
      case Type::kStringMap: {
        Result<std::string> v = DecodeString(f.bytes, where);
        if (!v.ok()) return v.error();
        value = std::move(v).value();
        break;
      }
      case Type::kBytesMap:
        value = Base64Encode(f.bytes);
        break;
      default: {
        Result<std::string> q = DecodeQuantity(f.bytes, where);
        if (!q.ok()) return q.error();
        value = std::move(q).value();
        break;
      }
    }
  }
  (*out)[key] = std::move(value);
  return std::nullopt;
}

MaybeError DecodeMessage(const MessageSpec& spec, std::string_view data, nlohmann::json* out,
                         int depth, const std::string& path) {
  if (depth > kMaxDepth) return DecodeError(path, "message nested too deeply");
  if (!out->is_object()) *out = nlohmann::json::object();
  Reader r(data);
  std::string err;
  while (!r.done()) {
    Field f;
    if (!r.Next(&f, &err)) return DecodeError(path, err);
    const FieldSpec* fs = nullptr;
    for (const FieldSpec& s : spec.fields) {
      if (s.number == f.number) {
        fs = &s;
        break;
      }
    }
    if (fs == nullptr) continue;  // unknown field: skipped
    const std::string where = fs->type == Type::kInline ? path : Join(path, fs->json);
    bool len = f.wire == WireType::kLen;
    if (WantsLen(fs->type) != len || (!len && f.wire != WireType::kVarint)) {
      return DecodeError(where, "unexpected wire type " + std::to_string(static_cast<int>(f.wire)));
    }
    nlohmann::json value;  // null: nothing to set
    switch (fs->type) {
      case Type::kString: {
        Result<std::string> s = DecodeString(f.bytes, where);
        if (!s.ok()) return s.error();
        if (fs->repeated || fs->pointer || !s->empty()) value = std::move(s).value();
        break;
      }
      case Type::kBytes:
        value = Base64Encode(f.bytes);
        break;
      case Type::kInt: {
        auto v = static_cast<int64_t>(f.value);
        if (v != 0 || fs->pointer || fs->repeated) value = v;
        break;
      }
      case Type::kBool:
        if (f.value != 0 || fs->pointer || fs->repeated) value = f.value != 0;
        break;
      case Type::kMessage:
        if (fs->repeated) {
          value = nlohmann::json::object();
          SANDBOX_RETURN_IF_ERROR(DecodeMessage(fs->message(), f.bytes, &value, depth + 1, where));
        } else {
          // A repeated occurrence of a singular message merges into the first.
          SANDBOX_RETURN_IF_ERROR(
              DecodeMessage(fs->message(), f.bytes, &(*out)[fs->json], depth + 1, where));
        }
        break;
      case Type::kInline:
        SANDBOX_RETURN_IF_ERROR(DecodeMessage(fs->message(), f.bytes, out, depth + 1, where));
        break;
      case Type::kStringMap:
      case Type::kBytesMap:
      case Type::kQuantityMap: {
        nlohmann::json& map = (*out)[fs->json];
        if (!map.is_object()) map = nlohmann::json::object();
        SANDBOX_RETURN_IF_ERROR(DecodeMapEntry(fs->type, f.bytes, &map, where));
        break;
      }
      case Type::kTime: {
        Result<nlohmann::json> t = DecodeTime(f.bytes, where);
        if (!t.ok()) return t.error();
        value = std::move(t).value();
        break;
      }
      case Type::kIntOrString: {
        Result<nlohmann::json> v = DecodeIntOrString(f.bytes, where);
        if (!v.ok()) return v.error();
        value = std::move(v).value();
        break;
      }
      case Type::kQuantity: {
        Result<std::string> q = DecodeQuantity(f.bytes, where);
        if (!q.ok()) return q.error();
        value = std::move(q).value();
        break;
      }
      case Type::kFieldsV1: {
        Result<nlohmann::json> v = DecodeFieldsV1(f.bytes, where);
        if (!v.ok()) return v.error();
        value = std::move(v).value();
        break;
      }
    }
    if (value.is_null()) continue;
    if (fs->repeated) {
      nlohmann::json& arr = (*out)[fs->json];
      if (!arr.is_array()) arr = nlohmann::json::array();
      arr.push_back(std::move(value));
    } else {
      (*out)[fs->json] = std::move(value);
    }
  }
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Envelope and entry points.

Result<Envelope> DecodeEnvelope(std::string_view body) {
  if (body.size() < kMagic.size() || body.substr(0, kMagic.size()) != kMagic) {
    return DecodeError("", "missing the \"k8s\\x00\" prefix");
  }
  Envelope env;
  Reader r(body.substr(kMagic.size()));
  std::string err;
  while (!r.done()) {
    Field f;
    if (!r.Next(&f, &err)) return DecodeError("runtime.Unknown", err);
    if (f.number < 1 || f.number > 4) continue;
    if (f.wire != WireType::kLen) return DecodeError("runtime.Unknown", "unexpected wire type");
    switch (f.number) {
      case 1: {
        Reader tm(f.bytes);
        while (!tm.done()) {
          Field t;
          if (!tm.Next(&t, &err)) return DecodeError("runtime.Unknown.typeMeta", err);
          if (t.number != 1 && t.number != 2) continue;
          if (t.wire != WireType::kLen) {
            return DecodeError("runtime.Unknown.typeMeta", "unexpected wire type");
          }
          SANDBOX_ASSIGN_OR_RETURN(std::string s,
                                   DecodeString(t.bytes, "runtime.Unknown.typeMeta"));
          (t.number == 1 ? env.api_version : env.kind) = std::move(s);
        }
        break;
      }
      case 2:
        env.raw = f.bytes;
        break;
      case 3: {
        SANDBOX_ASSIGN_OR_RETURN(env.content_encoding, DecodeString(f.bytes, "runtime.Unknown"));
        break;
      }
      default: {
        SANDBOX_ASSIGN_OR_RETURN(env.content_type, DecodeString(f.bytes, "runtime.Unknown"));
        break;
      }
    }
  }
  return env;
}

std::string EncodeEnvelope(const std::string& api_version, const std::string& kind,
                           std::string_view raw) {
  std::string type_meta;
  AppendLen(1, api_version, &type_meta);
  AppendLen(2, kind, &type_meta);
  std::string out(kMagic);
  AppendLen(1, type_meta, &out);
  AppendLen(2, raw, &out);
  AppendLen(3, "", &out);
  AppendLen(4, "", &out);
  return out;
}

bool IsSupported(const std::string& api_version, const std::string& kind) {
  return FindKind(api_version, kind) != nullptr;
}

std::string SupportedKinds() {
  std::string out;
  for (const KindSpec& k : Kinds()) {
    if (!out.empty()) out += ", ";
    out += std::string(k.kind) + " (" + k.api_version + ")";
  }
  return out;
}

Result<nlohmann::json> DecodeRaw(std::string_view raw, const std::string& api_version,
                                 const std::string& kind) {
  const MessageSpec* spec = FindKind(api_version, kind);
  if (spec == nullptr) {
    return UnsupportedMediaType("the fairway sandbox cannot decode " + kind + " (" + api_version +
                                ") from application/vnd.kubernetes.protobuf; it decodes " +
                                SupportedKinds() +
                                ". Send JSON instead (kubectl apply/create -f with a manifest).");
  }
  nlohmann::json out = {{"apiVersion", api_version}, {"kind", kind}};
  SANDBOX_RETURN_IF_ERROR(DecodeMessage(*spec, raw, &out, 0, ""));
  return out;
}

Result<nlohmann::json> DecodeObject(std::string_view body, const std::string& default_api_version,
                                    const std::string& default_kind) {
  SANDBOX_ASSIGN_OR_RETURN(Envelope env, DecodeEnvelope(body));
  if (!env.content_encoding.empty()) {
    return UnsupportedMediaType("unsupported protobuf contentEncoding \"" + env.content_encoding +
                                "\"");
  }
  std::string api_version = env.api_version.empty() ? default_api_version : env.api_version;
  std::string kind = env.kind.empty() ? default_kind : env.kind;
  return DecodeRaw(env.raw, api_version, kind);
}

bool IsProtobufContentType(std::string_view content_type) {
  return ToLower(content_type).find("application/vnd.kubernetes.protobuf") != std::string::npos;
}

}  // namespace fairway::sandbox::internal::protobuf
