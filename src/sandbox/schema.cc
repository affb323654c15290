#include "sandbox/schema.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

namespace fairway::sandbox {
namespace {

bool Flag(const nlohmann::json& schema, const char* key) {
  auto it = schema.find(key);
  return it != schema.end() && it->is_boolean() && it->get<bool>();
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// Walks `value` (a nlohmann::json, const or not) against `schema` and calls
// on_unknown(object, key, path) for every field the schema does not declare, once the object's
// declared fields have been walked: pruning drops them, field validation reports them. Kept:
// fields below x-kubernetes-preserve-unknown-fields, and apiVersion/kind/metadata where
// `root_like` (the resource) or x-kubernetes-embedded-resource. `path` is the path of `value`
// in upstream's notation ("spec.list[2]"); it is restored on return.
template <typename Json, typename OnUnknown>
void WalkUnknown(const nlohmann::json& schema, Json& value, bool root_like, std::string* path,
                 const OnUnknown& on_unknown) {
  if (!schema.is_object()) return;
  const size_t path_len = path->size();
  if (value.is_object()) {
    bool preserve = Flag(schema, "x-kubernetes-preserve-unknown-fields");
    bool embedded = root_like || Flag(schema, "x-kubernetes-embedded-resource");
    const nlohmann::json* props = nullptr;
    if (auto it = schema.find("properties"); it != schema.end() && it->is_object()) props = &*it;
    const nlohmann::json* additional = nullptr;
    if (auto it = schema.find("additionalProperties"); it != schema.end()) {
      additional = &*it;
    }
    std::vector<std::string> unknown;
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string& k = it.key();
      if (embedded && (k == "apiVersion" || k == "kind" || k == "metadata")) continue;
      const nlohmann::json* field_schema = nullptr;
      if (props != nullptr && props->contains(k)) {
        field_schema = &(*props)[k];
      } else if (additional != nullptr) {
        field_schema = additional;
      } else if (!preserve) {
        unknown.push_back(k);
        continue;
      }
      if (field_schema == nullptr) continue;
      *path += path_len == 0 ? k : "." + k;
      WalkUnknown(*field_schema, it.value(), false, path, on_unknown);
      path->resize(path_len);
    }
    for (const std::string& k : unknown) {
      on_unknown(value, k, path_len == 0 ? k : *path + "." + k);
    }
  } else if (value.is_array()) {
    if (auto it = schema.find("items"); it != schema.end() && it->is_object()) {
      for (size_t i = 0; i < value.size(); ++i) {
        *path += "[" + std::to_string(i) + "]";
        WalkUnknown(*it, value[i], false, path, on_unknown);
        path->resize(path_len);
      }
    }
  }
}

void Default(const nlohmann::json& schema, nlohmann::json* value) {
  if (!schema.is_object()) return;
  if (value->is_object()) {
    if (auto it = schema.find("properties"); it != schema.end() && it->is_object()) {
      for (auto p = it->begin(); p != it->end(); ++p) {
        auto cur = value->find(p.key());
        if (cur != value->end() && cur->is_null() && !Flag(*p, "nullable")) {
          value->erase(cur);
          cur = value->end();
        }
        if (cur == value->end()) {
          if (auto d = p->find("default"); d != p->end()) (*value)[p.key()] = *d;
        }
        cur = value->find(p.key());
        if (cur != value->end()) Default(*p, &*cur);
      }
    }
    if (auto add = schema.find("additionalProperties"); add != schema.end() && add->is_object()) {
      for (auto& [k, v] : value->items()) Default(*add, &v);
    }
  } else if (value->is_array()) {
    if (auto it = schema.find("items"); it != schema.end() && it->is_object()) {
      for (auto& e : *value) Default(*it, &e);
    }
  }
}

std::string TypeOf(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number_float()) {
    double d = v.get<double>();
    return std::floor(d) == d ? "integer" : "number";
  }
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

std::string Num(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  nlohmann::json j = d;
  return j.dump();
}

class Validator {
 public:
  explicit Validator(const CrdSchema& crd_schema) : crd_schema_(crd_schema) {}

  std::vector<FieldCause> causes;

  void Check(const nlohmann::json& schema, const nlohmann::json& v, const std::string& path) {
    if (!schema.is_object()) return;
    if (v.is_null()) {
      if (!Flag(schema, "nullable") && schema.contains("type")) {
        causes.push_back(InvalidCause(
            path, "null",
            path + " in body must be of type " + schema["type"].get<std::string>() + ": \"null\""));
      }
      return;
    }
    if (Flag(schema, "x-kubernetes-int-or-string")) {
      if (!v.is_string() && TypeOf(v) != "integer") {
        causes.push_back(InvalidCause(
            path, v, path + " in body must be of type integer,string: \"" + TypeOf(v) + "\""));
        return;
      }
    } else if (auto t = schema.find("type"); t != schema.end() && t->is_string()) {
      std::string want = t->get<std::string>();
      std::string have = TypeOf(v);
      bool ok = have == want || (want == "number" && have == "integer");
      if (!ok) {
        causes.push_back(TypeInvalidCause(
            path, v, path + " in body must be of type " + want + ": \"" + have + "\""));
        return;
      }
    }
    if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
      bool found = false;
      std::vector<std::string> supported;
      for (const auto& x : *e) {
        found = found || x == v;
        supported.push_back(x.is_string() ? x.get<std::string>() : x.dump());
      }
      if (!found) causes.push_back(NotSupportedCause(path, v, supported));
    }
    if (v.is_number()) CheckNumber(schema, v, path);
    if (v.is_string()) CheckString(schema, v, path);
    if (v.is_array()) CheckArray(schema, v, path);
    if (v.is_object()) CheckObject(schema, v, path);
  }

 private:
  void CheckNumber(const nlohmann::json& schema, const nlohmann::json& v, const std::string& path) {
    double d = v.get<double>();
    if (auto m = schema.find("maximum"); m != schema.end() && m->is_number()) {
      double max = m->get<double>();
      if (Flag(schema, "exclusiveMaximum") ? d >= max : d > max) {
        causes.push_back(InvalidCause(
            path, v,
            path + " in body should be less than " +
                std::string(Flag(schema, "exclusiveMaximum") ? "" : "or equal to ") + Num(max)));
      }
    }
    if (auto m = schema.find("minimum"); m != schema.end() && m->is_number()) {
      double min = m->get<double>();
      if (Flag(schema, "exclusiveMinimum") ? d <= min : d < min) {
        causes.push_back(InvalidCause(
            path, v,
            path + " in body should be greater than " +
                std::string(Flag(schema, "exclusiveMinimum") ? "" : "or equal to ") + Num(min)));
      }
    }
    if (auto m = schema.find("multipleOf"); m != schema.end() && m->is_number()) {
      double f = m->get<double>();
      if (f > 0 && std::fmod(d, f) != 0) {
        causes.push_back(
            InvalidCause(path, v, path + " in body should be a multiple of " + Num(f)));
      }
    }
  }

  void CheckString(const nlohmann::json& schema, const nlohmann::json& v, const std::string& path) {
    const std::string& s = v.get_ref<const std::string&>();
    // Length in characters (UTF-8 code points), as upstream counts.
    size_t len = 0;
    for (unsigned char c : s) len += (c & 0xC0) != 0x80;
    if (auto m = schema.find("maxLength"); m != schema.end() && m->is_number_integer()) {
      if (len > m->get<size_t>()) {
        causes.push_back(InvalidCause(path, v,
                                      path + " in body should be at most " +
                                          std::to_string(m->get<int64_t>()) + " chars long"));
      }
    }
    if (auto m = schema.find("minLength"); m != schema.end() && m->is_number_integer()) {
      if (len < m->get<size_t>()) {
        causes.push_back(InvalidCause(path, v,
                                      path + " in body should be at least " +
                                          std::to_string(m->get<int64_t>()) + " chars long"));
      }
    }
    if (auto p = schema.find("pattern"); p != schema.end() && p->is_string()) {
      const std::string& pattern = p->get_ref<const std::string&>();
      // A pattern std::regex cannot compile is not the object's fault: accept.
      const std::regex* re = crd_schema_.Pattern(pattern);
      if (re != nullptr && !std::regex_search(s, *re)) {
        causes.push_back(InvalidCause(path, v, path + " in body should match '" + pattern + "'"));
      }
    }
  }

  void CheckArray(const nlohmann::json& schema, const nlohmann::json& v, const std::string& path) {
    if (auto m = schema.find("maxItems"); m != schema.end() && m->is_number_integer()) {
      if (v.size() > m->get<size_t>()) {
        causes.push_back({"TooMany",
                          "Too many: " + std::to_string(v.size()) + ": must have at most " +
                              std::to_string(m->get<int64_t>()) + " items",
                          path});
      }
    }
    if (auto m = schema.find("minItems"); m != schema.end() && m->is_number_integer()) {
      if (v.size() < m->get<size_t>()) {
        causes.push_back(InvalidCause(path, static_cast<int64_t>(v.size()),
                                      path + " in body should have at least " +
                                          std::to_string(m->get<int64_t>()) + " items"));
      }
    }
    if (auto it = schema.find("items"); it != schema.end() && it->is_object()) {
      for (size_t i = 0; i < v.size(); ++i) Check(*it, v[i], path + "[" + std::to_string(i) + "]");
    }
  }

  void CheckObject(const nlohmann::json& schema, const nlohmann::json& v, const std::string& path) {
    if (auto r = schema.find("required"); r != schema.end() && r->is_array()) {
      for (const auto& k : *r) {
        if (k.is_string() && !v.contains(k.get<std::string>())) {
          causes.push_back(RequiredCause(Join(path, k.get<std::string>())));
        }
      }
    }
    if (auto m = schema.find("maxProperties"); m != schema.end() && m->is_number_integer()) {
      if (v.size() > m->get<size_t>()) {
        causes.push_back({"TooMany",
                          "Too many: " + std::to_string(v.size()) + ": must have at most " +
                              std::to_string(m->get<int64_t>()) + " items",
                          path});
      }
    }
    if (auto m = schema.find("minProperties"); m != schema.end() && m->is_number_integer()) {
      if (v.size() < m->get<size_t>()) {
        causes.push_back(InvalidCause(path, static_cast<int64_t>(v.size()),
                                      path + " in body should have at least " +
                                          std::to_string(m->get<int64_t>()) + " properties"));
      }
    }
    const nlohmann::json* props = nullptr;
    if (auto it = schema.find("properties"); it != schema.end() && it->is_object()) props = &*it;
    const nlohmann::json* additional = nullptr;
    if (auto it = schema.find("additionalProperties"); it != schema.end() && it->is_object()) {
      additional = &*it;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (path.empty() &&
          (it.key() == "metadata" || it.key() == "apiVersion" || it.key() == "kind")) {
        continue;
      }
      if (props != nullptr && props->contains(it.key())) {
        Check((*props)[it.key()], *it, Join(path, it.key()));
      } else if (additional != nullptr) {
        Check(*additional, *it, Join(path, it.key()));
      }
    }
  }

  const CrdSchema& crd_schema_;
};

// Compiles every `pattern` keyword below `node` into *out, leaving out those std::regex cannot
// compile.
void CompilePatterns(const nlohmann::json& node, std::map<std::string, std::regex>* out) {
  if (node.is_array()) {
    for (const auto& e : node) CompilePatterns(e, out);
    return;
  }
  if (!node.is_object()) return;
  if (auto p = node.find("pattern"); p != node.end() && p->is_string() && !out->count(*p)) {
    try {
      out->emplace(*p, std::regex(p->get<std::string>(), std::regex::ECMAScript));
    } catch (const std::regex_error&) {
      // Left out: Pattern() then accepts every value.
    }
  }
  for (const auto& [key, child] : node.items()) CompilePatterns(child, out);
}

}  // namespace

void PruneObject(const nlohmann::json& schema, nlohmann::json* object) {
  std::string path;
  WalkUnknown(schema, *object, /*root_like=*/true, &path,
              [](nlohmann::json& parent, const std::string& key, const std::string&) {
                parent.erase(key);
              });
}

std::vector<std::string> UnknownFields(const nlohmann::json& schema, const nlohmann::json& object) {
  std::vector<std::string> out;
  std::string path;
  WalkUnknown(schema, object, /*root_like=*/true, &path,
              [&out](const nlohmann::json&, const std::string&, const std::string& field_path) {
                out.push_back(field_path);
              });
  // Upstream sorts the paths as strings ("a[10]" before "a[2]").
  std::sort(out.begin(), out.end());
  return out;
}

void ApplyDefaults(const nlohmann::json& schema, nlohmann::json* object) {
  Default(schema, object);
}

CrdSchema::CrdSchema(nlohmann::json document) : document_(std::move(document)) {
  CompilePatterns(document_, &patterns_);
}

const std::regex* CrdSchema::Pattern(const std::string& pattern) const {
  auto it = patterns_.find(pattern);
  return it == patterns_.end() ? nullptr : &it->second;
}

std::vector<FieldCause> ValidateAgainstSchema(const CrdSchema& schema,
                                              const nlohmann::json& object) {
  Validator v(schema);
  v.Check(schema.document(), object, "");
  return std::move(v.causes);
}

}  // namespace fairway::sandbox
