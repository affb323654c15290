#include "sandbox/selectors.h"

#include <cctype>
#include <map>

#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits on commas that are not inside parentheses.
std::vector<std::string_view> SplitTopLevel(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')') --depth;
    if (text[i] == ',' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool ValidLabelKey(std::string_view key) {
  if (key.empty() || key.size() > 317) return false;
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == '/')) {
      return false;
    }
  }
  return true;
}

bool ValidLabelValue(std::string_view v) {
  if (v.size() > 63) return false;
  for (char c : v) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

ApiError BadSelector(std::string_view text, const std::string& why) {
  return BadRequest("unable to parse requirement: " + why + " (selector \"" + std::string(text) +
                    "\")");
}

}  // namespace

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector sel;
  if (Trim(text).empty()) return sel;
  for (std::string_view raw : SplitTopLevel(text)) {
    std::string_view part = Trim(raw);
    if (part.empty()) return BadSelector(text, "found '', expected: identifier");
    Requirement req;
    if (part[0] == '!') {
      req.key = std::string(Trim(part.substr(1)));
      req.op = Op::kNotExists;
    } else if (size_t p = part.find("!="); p != std::string_view::npos) {
      req.key = std::string(Trim(part.substr(0, p)));
      req.op = Op::kNotEquals;
      req.values.insert(std::string(Trim(part.substr(p + 2))));
    } else if (size_t p = part.find("=="); p != std::string_view::npos) {
      req.key = std::string(Trim(part.substr(0, p)));
      req.op = Op::kEquals;
      req.values.insert(std::string(Trim(part.substr(p + 2))));
    } else if (size_t p = part.find('='); p != std::string_view::npos) {
      req.key = std::string(Trim(part.substr(0, p)));
      req.op = Op::kEquals;
      req.values.insert(std::string(Trim(part.substr(p + 1))));
    } else if (size_t open = part.find('('); open != std::string_view::npos) {
      if (part.back() != ')') return BadSelector(text, "missing closing ')'");
      std::string_view head = Trim(part.substr(0, open));
      size_t sp = head.find_last_of(" \t");
      if (sp == std::string_view::npos) return BadSelector(text, "expected 'in' or 'notin'");
      std::string op = internal::ToLower(Trim(head.substr(sp + 1)));
      req.key = std::string(Trim(head.substr(0, sp)));
      if (op == "in") {
        req.op = Op::kIn;
      } else if (op == "notin") {
        req.op = Op::kNotIn;
      } else {
        return BadSelector(text, "unknown operator '" + op + "'");
      }
      std::string_view inner = part.substr(open + 1, part.size() - open - 2);
      for (std::string_view v : SplitTopLevel(inner)) {
        std::string_view tv = Trim(v);
        if (!ValidLabelValue(tv))
          return BadSelector(text, "invalid label value '" + std::string(tv) + "'");
        req.values.insert(std::string(tv));
      }
    } else {
      req.key = std::string(part);
      req.op = Op::kExists;
    }
    if (!ValidLabelKey(req.key)) return BadSelector(text, "invalid label key '" + req.key + "'");
    for (const std::string& v : req.values) {
      if (!ValidLabelValue(v)) return BadSelector(text, "invalid label value '" + v + "'");
    }
    sel.reqs_.push_back(std::move(req));
  }
  return sel;
}

Result<LabelSelector> LabelSelector::FromJson(const nlohmann::json& selector) {
  LabelSelector sel;
  if (selector.is_null()) return sel;
  if (!selector.is_object()) return BadRequest("a label selector must be an object");
  if (auto ml = selector.find("matchLabels"); ml != selector.end() && !ml->is_null()) {
    if (!ml->is_object()) return BadRequest("matchLabels must be an object");
    for (auto it = ml->begin(); it != ml->end(); ++it) {
      if (!it->is_string()) return BadRequest("matchLabels values must be strings: " + it.key());
      sel.reqs_.push_back({it.key(), Op::kEquals, {it->get<std::string>()}});
    }
  }
  auto exprs = selector.find("matchExpressions");
  if (exprs == selector.end() || exprs->is_null()) return sel;
  if (!exprs->is_array()) return BadRequest("matchExpressions must be a list");
  static const std::map<std::string, Op> kOps = {{"In", Op::kIn},
                                                 {"NotIn", Op::kNotIn},
                                                 {"Exists", Op::kExists},
                                                 {"DoesNotExist", Op::kNotExists}};
  for (const nlohmann::json& e : *exprs) {
    Requirement req;
    req.key = e.is_object() ? e.value("key", "") : "";
    std::string op = e.is_object() ? e.value("operator", "") : "";
    auto found = kOps.find(op);
    if (found == kOps.end())
      return BadRequest("\"" + op + "\" is not a valid label selector operator");
    req.op = found->second;
    if (const nlohmann::json* values = internal::GetPath(e, {"values"});
        values && values->is_array()) {
      for (const nlohmann::json& v : *values) {
        if (!v.is_string()) return BadRequest("matchExpressions values must be strings");
        req.values.insert(v.get<std::string>());
      }
    }
    bool set_op = req.op == Op::kIn || req.op == Op::kNotIn;
    if (set_op == req.values.empty()) {
      return BadRequest(
          set_op
              ? "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"
              : "values: Invalid value: for 'exists', 'doesnotexist' operators, values set must be "
                "empty");
    }
    if (!ValidLabelKey(req.key)) return BadRequest("invalid label key \"" + req.key + "\"");
    sel.reqs_.push_back(std::move(req));
  }
  return sel;
}

bool LabelSelector::Matches(const nlohmann::json& labels) const {
  for (const Requirement& r : reqs_) {
    const nlohmann::json* v = nullptr;
    if (labels.is_object()) {
      auto it = labels.find(r.key);
      if (it != labels.end() && it->is_string()) v = &*it;
    }
    switch (r.op) {
      case Op::kExists:
        if (v == nullptr) return false;
        break;
      case Op::kNotExists:
        if (v != nullptr) return false;
        break;
      case Op::kEquals:
      case Op::kIn:
        if (v == nullptr || r.values.count(v->get<std::string>()) == 0) return false;
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        if (v != nullptr && r.values.count(v->get<std::string>()) > 0) return false;
        break;
    }
  }
  return true;
}

bool FieldSelector::Supported(const std::string& group, const std::string& resource, bool custom,
                              const std::string& key) {
  if (key == "metadata.name" || key == "metadata.namespace") return true;
  if (custom) return false;
  if (group.empty() && resource == "pods") {
    static const std::set<std::string> kPod = {"spec.nodeName",      "spec.schedulerName",
                                               "status.phase",       "status.nominatedNodeName",
                                               "spec.restartPolicy", "spec.serviceAccountName",
                                               "spec.hostNetwork",   "status.podIP",
                                               "status.podIPs"};
    return kPod.count(key) > 0;
  }
  if (group.empty() && resource == "nodes") return key == "spec.unschedulable";
  if (group.empty() && resource == "namespaces") return key == "status.phase";
  if (group.empty() && resource == "secrets") return key == "type";
  if ((group.empty() || group == "events.k8s.io") && resource == "events") {
    static const std::set<std::string> kEvent = {"involvedObject.kind",
                                                 "involvedObject.namespace",
                                                 "involvedObject.name",
                                                 "involvedObject.uid",
                                                 "involvedObject.apiVersion",
                                                 "involvedObject.resourceVersion",
                                                 "involvedObject.fieldPath",
                                                 "reason",
                                                 "reportingComponent",
                                                 "source",
                                                 "type",
                                                 "regarding.kind",
                                                 "regarding.namespace",
                                                 "regarding.name",
                                                 "regarding.uid",
                                                 "regarding.apiVersion",
                                                 "regarding.resourceVersion",
                                                 "regarding.fieldPath",
                                                 "reportingController"};
    return kEvent.count(key) > 0;
  }
  return false;
}

std::string FieldSelector::FieldValue(const nlohmann::json& object, const std::string& key) {
  if (key == "spec.unschedulable" || key == "spec.hostNetwork") {
    const nlohmann::json* v = internal::GetPath(object, {"spec", key.substr(5)});
    return (v != nullptr && v->is_boolean() && v->get<bool>()) ? "true" : "false";
  }
  if (key == "source") return internal::GetString(object, {"source", "component"});
  if (key == "reportingController") return internal::GetString(object, {"reportingComponent"});
  std::string k = key;
  if (internal::StartsWith(k, "regarding.")) k = "involvedObject." + k.substr(10);
  // Walk a dotted path.
  const nlohmann::json* cur = &object;
  size_t start = 0;
  while (start <= k.size()) {
    size_t dot = k.find('.', start);
    std::string seg = k.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object()) return {};
    auto it = cur->find(seg);
    if (it == cur->end()) return {};
    cur = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_number()) return cur->dump();
  return {};
}

Result<FieldSelector> FieldSelector::Parse(std::string_view text, const std::string& group,
                                           const std::string& resource, bool custom) {
  FieldSelector sel;
  if (Trim(text).empty()) return sel;
  for (std::string_view raw : SplitTopLevel(text)) {
    std::string_view part = Trim(raw);
    Requirement req;
    size_t p;
    if ((p = part.find("!=")) != std::string_view::npos) {
      req.key = std::string(Trim(part.substr(0, p)));
      req.value = std::string(Trim(part.substr(p + 2)));
      req.negate = true;
    } else if ((p = part.find("==")) != std::string_view::npos) {
      req.key = std::string(Trim(part.substr(0, p)));
      req.value = std::string(Trim(part.substr(p + 2)));
    } else if ((p = part.find('=')) != std::string_view::npos) {
      req.key = std::string(Trim(part.substr(0, p)));
      req.value = std::string(Trim(part.substr(p + 1)));
    } else {
      return BadRequest("invalid field selector: \"" + std::string(part) +
                        "\": the field selector must be key=value, key==value or key!=value");
    }
    // Unescape \, \= \\ as upstream's fields.UnescapeValue.
    std::string unescaped;
    for (size_t i = 0; i < req.value.size(); ++i) {
      if (req.value[i] == '\\' && i + 1 < req.value.size()) ++i;
      unescaped.push_back(req.value[i]);
    }
    req.value = unescaped;
    if (!Supported(group, resource, custom, req.key)) {
      return BadRequest("field label not supported: " + req.key);
    }
    sel.reqs_.push_back(std::move(req));
  }
  return sel;
}

bool FieldSelector::Matches(const nlohmann::json& object) const {
  for (const Requirement& r : reqs_) {
    bool eq = FieldValue(object, r.key) == r.value;
    if (eq == r.negate) return false;
  }
  return true;
}

bool ObjectFilter::Matches(const nlohmann::json& object) const {
  if (!labels.empty()) {
    const nlohmann::json* l = internal::GetPath(object, {"metadata", "labels"});
    if (!labels.Matches(l == nullptr ? nlohmann::json() : *l)) return false;
  }
  return fields.empty() || fields.Matches(object);
}

}  // namespace fairway::sandbox
