// Test-only helpers for the CRD and example tests: YAML -> JSON as the Kubernetes tooling
// reads it, and a small OpenAPI v3 validator / defaulter covering the keywords our CRDs use.
// src/api must not depend on yaml-cpp; only tests include this.
#pragma once

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/common_types.h"

namespace fairway::api::testing {

inline std::filesystem::path SourceRoot() {
  // FAIRWAY_TESTDATA_DIR is <root>/tests/testdata.
  return std::filesystem::path(FAIRWAY_TESTDATA_DIR).parent_path().parent_path();
}

// Every regular *.yaml file directly in `dir`, sorted.
inline std::vector<std::filesystem::path> YamlFilesIn(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A plain YAML scalar resolved the way sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) does: null,
// booleans including yes/no/on/off, integers, floats; anything else is a string. Quoted
// scalars are always strings.
inline nlohmann::json ResolvePlainScalar(const std::string& s) {
  static const std::set<std::string> kNull = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string> kTrue = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                              "True", "TRUE", "on",  "On",  "ON"};
  static const std::set<std::string> kFalse = {"n",     "N",     "no",  "No",  "NO", "false",
                                               "False", "FALSE", "off", "Off", "OFF"};
  static const std::regex kInt(R"(^[-+]?(0|[1-9][0-9]*)$)");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  if (kNull.count(s)) {
    return nullptr;
  }
  if (kTrue.count(s)) {
    return true;
  }
  if (kFalse.count(s)) {
    return false;
  }
  if (std::regex_match(s, kInt)) {
    try {
      return std::stoll(s);
    } catch (...) {
      return s;
    }
  }
  if (std::regex_match(s, kFloat)) {
    return std::stod(s);
  }
  return s;
}

inline nlohmann::json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags quoted (non-plain) scalars "!", plain ones "?".
      if (node.Tag() == "!") {
        return node.Scalar();
      }
      return ResolvePlainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const YAML::Node& item : node) {
        out.push_back(YamlToJson(item));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node) {
        out[kv.first.as<std::string>()] = YamlToJson(kv.second);
      }
      return out;
    }
  }
  return nullptr;
}

// Every document of a YAML file, as JSON (empty documents skipped).
inline std::vector<nlohmann::json> LoadYamlDocuments(const std::filesystem::path& file) {
  std::vector<nlohmann::json> out;
  for (const YAML::Node& doc : YAML::LoadAllFromFile(file.string())) {
    if (doc.IsNull()) {
      continue;
    }
    out.push_back(YamlToJson(doc));
  }
  return out;
}

// ---- A small OpenAPI v3 validator (the subset the CRDs use) ----------------------------------

inline bool HasTypeOrStandIn(const nlohmann::json& schema) {
  return schema.contains("type") || schema.value("x-kubernetes-preserve-unknown-fields", false) ||
         schema.value("x-kubernetes-int-or-string", false);
}

inline bool JsonIsType(const nlohmann::json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "integer") {
    return v.is_number_integer() ||
           (v.is_number_float() &&
            v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())));
  }
  if (type == "number") return v.is_number();
  return false;
}

// Appends "path: message" for every violation of `schema` by `value`. Unknown object fields are
// violations unless preserved: the API server would prune them silently, which in an example
// is always a mistake.
inline void ValidateAgainstSchema(const nlohmann::json& schema, const nlohmann::json& value,
                                  const std::string& path, std::vector<std::string>* errors) {
  auto fail = [&](const std::string& msg) { errors->push_back(path + ": " + msg); };
  if (value.is_null()) {
    return;  // pruned, then defaulted
  }
  bool int_or_string = schema.value("x-kubernetes-int-or-string", false);
  if (int_or_string) {
    if (!value.is_string() && !JsonIsType(value, "integer")) {
      fail("must be an integer or a string");
      return;
    }
  } else if (schema.contains("type")) {
    std::string type = schema["type"].get<std::string>();
    if (!JsonIsType(value, type)) {
      fail("must be of type " + type + ", got " + value.dump());
      return;
    }
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& e : schema["enum"]) {
      found = found || e == value;
    }
    if (!found) {
      fail("not one of the enum values " + schema["enum"].dump() + ": " + value.dump());
    }
  }
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (schema.contains("pattern") &&
        !std::regex_search(s, std::regex(schema["pattern"].get<std::string>()))) {
      fail("does not match pattern " + schema["pattern"].get<std::string>() + ": " + s);
    }
    if (schema.contains("maxLength") && s.size() > schema["maxLength"].get<size_t>()) {
      fail("longer than maxLength");
    }
    if (schema.contains("minLength") && s.size() < schema["minLength"].get<size_t>()) {
      fail("shorter than minLength");
    }
    if (schema.value("format", "") == "date-time" && !ParseRfc3339(s).ok()) {
      fail("not a date-time: " + s);
    }
  }
  if (value.is_number()) {
    double d = value.get<double>();
    if (schema.contains("minimum") && d < schema["minimum"].get<double>()) {
      fail("below minimum " + schema["minimum"].dump());
    }
    if (schema.contains("maximum") && d > schema["maximum"].get<double>()) {
      fail("above maximum " + schema["maximum"].dump());
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      ValidateAgainstSchema(schema["items"], value[i], path + "[" + std::to_string(i) + "]",
                            errors);
    }
  }
  if (value.is_object()) {
    for (const auto& r : schema.value("required", nlohmann::json::array())) {
      if (!value.contains(r.get<std::string>())) {
        fail("missing required field " + r.get<std::string>());
      }
    }
    bool preserve = schema.value("x-kubernetes-preserve-unknown-fields", false);
    const nlohmann::json props = schema.value("properties", nlohmann::json::object());
    for (const auto& [key, v] : value.items()) {
      std::string sub = path.empty() ? key : path + "." + key;
      if (props.contains(key)) {
        ValidateAgainstSchema(props[key], v, sub, errors);
      } else if (schema.contains("additionalProperties")) {
        ValidateAgainstSchema(schema["additionalProperties"], v, sub, errors);
      } else if (!preserve &&
                 !(schema.value("type", "") == "object" && props.empty() && path == "metadata")) {
        errors->push_back(sub + ": unknown field (the API server would prune it)");
      }
    }
  }
}

// Applies schema defaults the way the API server does: to absent fields of objects that exist.
inline void ApplyDefaults(const nlohmann::json& schema, nlohmann::json* value) {
  if (value->is_object() && schema.contains("properties")) {
    for (const auto& [key, prop] : schema["properties"].items()) {
      if ((!value->contains(key) || (*value)[key].is_null()) && prop.contains("default")) {
        (*value)[key] = prop["default"];
      }
      if (value->contains(key)) {
        ApplyDefaults(prop, &(*value)[key]);
      }
    }
  }
  if (value->is_object() && schema.contains("additionalProperties") &&
      schema["additionalProperties"].is_object()) {
    for (auto& [key, v] : value->items()) {
      ApplyDefaults(schema["additionalProperties"], &v);
    }
  }
  if (value->is_array() && schema.contains("items")) {
    for (auto& v : *value) {
      ApplyDefaults(schema["items"], &v);
    }
  }
}

// The CRD documents in crds/, keyed by kind.
inline std::map<std::string, nlohmann::json> LoadCrdsByKind() {
  std::map<std::string, nlohmann::json> out;
  for (const auto& file : YamlFilesIn(SourceRoot() / "crds")) {
    for (nlohmann::json& doc : LoadYamlDocuments(file)) {
      if (doc.value("kind", "") == "CustomResourceDefinition") {
        std::string kind = doc["spec"]["names"]["kind"].get<std::string>();
        out[kind] = std::move(doc);
      }
    }
  }
  return out;
}

inline const nlohmann::json& RootSchema(const nlohmann::json& crd) {
  return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
}

}  // namespace fairway::api::testing
