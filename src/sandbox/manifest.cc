#include "sandbox/manifest.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace fairway::sandbox {
namespace {

nlohmann::json ScalarToJson(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno == 0 && end != nullptr && *end == '\0' && end != s.c_str()) return v;
  }
  bool numeric_looking = s.find_first_not_of("0123456789+-.eE") == std::string::npos &&
                         s.find_first_of("0123456789") != std::string::npos;
  if (numeric_looking) {
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end != nullptr && *end == '\0') return d;
  }
  return s;
}

nlohmann::json ToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& kv : node) obj[kv.first.as<std::string>()] = ToJson(kv.second);
      return obj;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& e : node) arr.push_back(ToJson(e));
      return arr;
    }
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    default:
      return nullptr;
  }
}

}  // namespace

StatusOr<std::vector<nlohmann::json>> ParseManifests(const std::string& text,
                                                     const std::string& source) {
  std::vector<nlohmann::json> out;
  try {
    for (const YAML::Node& doc : YAML::LoadAll(text)) {
      nlohmann::json j = ToJson(doc);
      if (j.is_null()) continue;
      if (!j.is_object()) return InvalidArgumentError(source + ": a manifest must be a mapping");
      if (j.value("kind", "") == "List" && j.contains("items") && j["items"].is_array()) {
        for (auto& item : j["items"]) out.push_back(item);
      } else {
        out.push_back(std::move(j));
      }
    }
  } catch (const std::exception& e) {
    return InvalidArgumentError(source + ": " + e.what());
  }
  return out;
}

StatusOr<std::vector<nlohmann::json>> ReadManifests(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
        files.push_back(entry.path().string());
      }
    }
    std::sort(files.begin(), files.end());
  } else if (fs::exists(path, ec)) {
    files.push_back(path);
  } else {
    return NotFoundError("no such file or directory: " + path);
  }
  std::vector<nlohmann::json> out;
  for (const std::string& f : files) {
    std::ifstream in(f);
    if (!in) return NotFoundError("cannot read " + f);
    std::stringstream ss;
    ss << in.rdbuf();
    StatusOr<std::vector<nlohmann::json>> docs = ParseManifests(ss.str(), f);
    if (!docs.ok()) return docs.status();
    for (auto& d : docs.value()) out.push_back(std::move(d));
  }
  return out;
}

}  // namespace fairway::sandbox
