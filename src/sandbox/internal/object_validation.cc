#include "sandbox/internal/object_validation.h"

#include <string_view>

#include "sandbox/internal/util.h"
#include "sandbox/selectors.h"

namespace fairway::sandbox::internal {
namespace {

using nlohmann::json;

constexpr size_t kDns1123LabelMaxLength = 63;
constexpr size_t kDns1123SubdomainMaxLength = 253;
constexpr size_t kQualifiedNameMaxLength = 63;
constexpr size_t kLabelValueMaxLength = 63;

// Upstream's messages, RegexError(msg, fmt, examples...) spelled out (the double space after an
// example's comma is upstream's).
constexpr char kDns1123LabelError[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
constexpr char kDns1123SubdomainError[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr char kDns1035LabelError[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
constexpr char kQualifiedNameError[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
constexpr char kLabelValueError[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

std::string MaxLenError(size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool MatchesDns1123Label(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// Labels joined by dots.
bool MatchesDns1123Subdomain(std::string_view s) {
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!MatchesDns1123Label(s.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool MatchesQualifiedNamePart(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

std::vector<std::string> Dns1123SubdomainErrors(std::string_view s) {
  std::vector<std::string> errs;
  if (s.size() > kDns1123SubdomainMaxLength)
    errs.push_back(MaxLenError(kDns1123SubdomainMaxLength));
  if (!MatchesDns1123Subdomain(s)) errs.push_back(kDns1123SubdomainError);
  return errs;
}

std::vector<std::string> DnsLabelErrors(std::string_view s, bool dns1035) {
  std::vector<std::string> errs;
  if (s.size() > kDns1123LabelMaxLength) errs.push_back(MaxLenError(kDns1123LabelMaxLength));
  bool ok = MatchesDns1123Label(s) && (!dns1035 || (s.front() >= 'a' && s.front() <= 'z'));
  if (!ok) errs.push_back(dns1035 ? kDns1035LabelError : kDns1123LabelError);
  return errs;
}

// RBAC names end up in URL paths only (system:controller:... is fine).
std::vector<std::string> PathSegmentErrors(const std::string& s) {
  if (s == "." || s == "..") return {"may not be '" + s + "'"};
  std::vector<std::string> errs;
  for (const char* bad : {"/", "%"}) {
    if (s.find(bad) != std::string::npos)
      errs.push_back(std::string("may not contain '") + bad + "'");
  }
  return errs;
}

// IsQualifiedName: [prefix/]name, the prefix a DNS subdomain.
std::vector<std::string> QualifiedNameErrors(const std::string& value) {
  const size_t slash = value.find('/');
  if (slash != std::string::npos && value.find('/', slash + 1) != std::string::npos) {
    return {std::string("a qualified name ") + kQualifiedNameError +
            " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"};
  }
  std::vector<std::string> errs;
  std::string_view name = value;
  if (slash != std::string::npos) {
    std::string_view prefix = name.substr(0, slash);
    name = name.substr(slash + 1);
    if (prefix.empty()) errs.push_back("prefix part must be non-empty");
    for (const std::string& e :
         prefix.empty() ? std::vector<std::string>{} : Dns1123SubdomainErrors(prefix)) {
      errs.push_back("prefix part " + e);
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > kQualifiedNameMaxLength) {
    errs.push_back("name part " + MaxLenError(kQualifiedNameMaxLength));
  }
  if (!MatchesQualifiedNamePart(name)) {
    errs.push_back(std::string("name part ") + kQualifiedNameError);
  }
  return errs;
}

std::vector<std::string> LabelValueErrors(const std::string& value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(MaxLenError(kLabelValueMaxLength));
  if (!value.empty() && !MatchesQualifiedNamePart(value)) errs.push_back(kLabelValueError);
  return errs;
}

void AddInvalid(const std::string& field, const std::string& value,
                const std::vector<std::string>& errs, std::vector<FieldCause>* causes) {
  for (const std::string& e : errs) causes->push_back(InvalidCause(field, value, e));
}

// ValidateLabels: every problem is reported at the map's path.
void LabelCauses(const json* labels, const std::string& field, std::vector<FieldCause>* causes) {
  if (labels == nullptr || !labels->is_object()) return;
  for (auto it = labels->begin(); it != labels->end(); ++it) {
    AddInvalid(field, it.key(), QualifiedNameErrors(it.key()), causes);
    if (!it->is_string()) continue;
    const std::string& value = it->get_ref<const std::string&>();
    AddInvalid(field, value, LabelValueErrors(value), causes);
  }
}

// Annotation keys are qualified names once lower-cased; the total counts keys and values.
void AnnotationCauses(const json* annotations, std::vector<FieldCause>* causes) {
  if (annotations == nullptr || !annotations->is_object()) return;
  size_t total = 0;
  for (auto it = annotations->begin(); it != annotations->end(); ++it) {
    AddInvalid("metadata.annotations", it.key(), QualifiedNameErrors(ToLower(it.key())), causes);
    total += it.key().size() + (it->is_string() ? it->get_ref<const std::string&>().size() : 0);
  }
  if (total > kTotalAnnotationSizeLimit) {
    causes->push_back(
        {"FieldValueTooLong",
         "Too long: must have at most " + std::to_string(kTotalAnnotationSizeLimit) + " bytes",
         "metadata.annotations"});
  }
}

// Go's %#v of a map[string]string, as upstream's field errors print label maps.
std::string GoStringMap(const json* labels) {
  std::string out = "map[string]string{";
  bool first = true;
  if (labels != nullptr && labels->is_object()) {
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      if (!first) out += ", ";
      first = false;
      out += json(it.key()).dump() + ":" + (it->is_string() ? it->dump() : json("").dump());
    }
  }
  return out + "}";
}

// The selector part of a workload spec (ValidateDeploymentSpec and its siblings).
void SelectorCauses(const std::string& kind, const json& spec, std::vector<FieldCause>* causes) {
  const json* selector = GetPath(spec, {"selector"});
  if (selector == nullptr || selector->is_null()) {
    causes->push_back(RequiredCause("spec.selector"));
    return;
  }
  Result<LabelSelector> parsed = LabelSelector::FromJson(*selector);
  if (!parsed.ok()) {
    causes->push_back(InvalidCause("spec.selector", selector->dump(), "invalid label selector"));
    return;
  }
  if (parsed->empty() && kind != "Job") {  // a Job's empty selector matches every pod
    // Upstream's ReplicaSet validation says "deployment" too.
    std::string owner = kind == "StatefulSet" ? "statefulset"
                        : kind == "DaemonSet" ? "daemonset"
                                              : "deployment";
    causes->push_back({"FieldValueInvalid",
                       "Invalid value: &LabelSelector{MatchLabels:map[string]string{},"
                       "MatchExpressions:[]LabelSelectorRequirement{},}: empty selector is invalid "
                       "for " +
                           owner,
                       "spec.selector"});
    return;
  }
  const json* labels = GetPath(spec, {"template", "metadata", "labels"});
  if (!parsed->Matches(labels != nullptr ? *labels : json())) {
    causes->push_back(
        {"FieldValueInvalid",
         "Invalid value: " + GoStringMap(labels) + ": `selector` does not match template `labels`",
         "spec.template.metadata.labels"});
  }
}

// A non-negative integer field of `spec` (ValidateNonnegativeField).
void NonNegativeCause(const json& spec, const std::string& key, std::vector<FieldCause>* causes) {
  const json* v = GetPath(spec, {key});
  if (v != nullptr && v->is_number_integer() && v->get<int64_t>() < 0) {
    causes->push_back(InvalidCause("spec." + key, *v, "must be greater than or equal to 0"));
  }
}

// batch/v1 Job specs (upstream's validateJobSpec): non-negative counts, a pod template with
// containers whose pods end (restartPolicy OnFailure or Never; the kubelet simulator would
// otherwise run an Always pod as if it ended), and a selector, when given, that matches the
// template's labels. Upstream generates the selector of a Job without one; the sandbox runs no
// Job controller, so it has nothing to generate it for.
std::vector<FieldCause> JobCauses(const json& spec) {
  std::vector<FieldCause> causes;
  for (const char* key : {"parallelism", "completions", "backoffLimit"}) {
    NonNegativeCause(spec, key, &causes);
  }
  const json* containers = GetPath(spec, {"template", "spec", "containers"});
  if (containers == nullptr || !containers->is_array() || containers->empty()) {
    causes.push_back(RequiredCause("spec.template.spec.containers"));
  }
  const std::string policy = GetString(spec, {"template", "spec", "restartPolicy"});
  if (policy.empty()) {
    causes.push_back(RequiredCause("spec.template.spec.restartPolicy",
                                   "valid values: \"OnFailure\", \"Never\""));
  } else if (policy != "OnFailure" && policy != "Never") {
    causes.push_back(
        NotSupportedCause("spec.template.spec.restartPolicy", policy, {"OnFailure", "Never"}));
  }
  LabelCauses(GetPath(spec, {"template", "metadata", "labels"}), "spec.template.metadata.labels",
              &causes);
  if (const json* selector = GetPath(spec, {"selector"});
      selector != nullptr && !selector->is_null()) {
    SelectorCauses("Job", spec, &causes);
  }
  return causes;
}

bool IsBatchJob(const ResourceInfo& info) { return info.group == "batch" && info.plural == "jobs"; }

bool IsWorkload(const ResourceInfo& info) {
  return info.group == "apps" && (info.plural == "deployments" || info.plural == "replicasets" ||
                                  info.plural == "statefulsets" || info.plural == "daemonsets");
}

}  // namespace

std::vector<FieldCause> NameCauses(const ResourceInfo& info, const std::string& name) {
  std::vector<std::string> errs;
  if (info.group.empty() && info.plural == "namespaces") {
    errs = DnsLabelErrors(name, false);
  } else if (info.group.empty() && info.plural == "services") {
    errs = DnsLabelErrors(name, true);
  } else if (info.group == "rbac.authorization.k8s.io") {
    errs = PathSegmentErrors(name);
  } else {
    errs = Dns1123SubdomainErrors(name);
  }
  std::vector<FieldCause> causes;
  AddInvalid("metadata.name", name, errs, &causes);
  return causes;
}

std::vector<FieldCause> MetadataCauses(const json& obj) {
  std::vector<FieldCause> causes;
  LabelCauses(GetPath(obj, {"metadata", "labels"}), "metadata.labels", &causes);
  AnnotationCauses(GetPath(obj, {"metadata", "annotations"}), &causes);
  return causes;
}

std::vector<FieldCause> WorkloadCauses(const ResourceInfo& info, const json& obj) {
  std::vector<FieldCause> causes;
  if (IsBatchJob(info)) {
    const json* spec = GetPath(obj, {"spec"});
    return JobCauses(spec != nullptr && spec->is_object() ? *spec : json::object());
  }
  if (!IsWorkload(info)) return causes;
  const json* spec = GetPath(obj, {"spec"});
  if (spec == nullptr || !spec->is_object()) {
    causes.push_back(RequiredCause("spec.selector"));
    return causes;
  }
  NonNegativeCause(*spec, "replicas", &causes);
  SelectorCauses(info.kind, *spec, &causes);
  LabelCauses(GetPath(*spec, {"template", "metadata", "labels"}), "spec.template.metadata.labels",
              &causes);
  const json* containers = GetPath(*spec, {"template", "spec", "containers"});
  if (containers == nullptr || !containers->is_array() || containers->empty()) {
    causes.push_back(RequiredCause("spec.template.spec.containers"));
  }
  return causes;
}

}  // namespace fairway::sandbox::internal
