// Checks crds/*.yaml: names as DESIGN.md fixes them, structural schemas (kubernetes-api.md §5),
// defaults that validate against their own schema, and printer columns whose jsonPaths point at
// declared fields of a matching type.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/job_types.h"
#include "tests/unit/api/crd_test_util.h"

namespace fairway::api {
namespace {

using nlohmann::json;
using testing::LoadCrdsByKind;
using testing::RootSchema;

struct NamesCase {
  std::string kind;
  std::string plural;
  std::string singular;
  std::string scope;
  std::vector<std::string> short_names;
};

TEST(CrdSchemaTest, NamesMatchTheDesign) {
  const std::vector<NamesCase> cases = {
      {"Job", "jobs", "job", "Namespaced", {"fjob", "fj"}},
      {"Partition", "partitions", "partition", "Cluster", {"part"}},
      {"Account", "accounts", "account", "Cluster", {"acct"}},
      {"QoS", "qoses", "qos", "Cluster", {}},
      {"JobRecord", "jobrecords", "jobrecord", "Namespaced", {"fjr"}},
  };
  std::map<std::string, json> crds = LoadCrdsByKind();
  ASSERT_EQ(crds.size(), cases.size());
  for (const NamesCase& c : cases) {
    SCOPED_TRACE(c.kind);
    ASSERT_TRUE(crds.count(c.kind));
    const json& crd = crds[c.kind];
    EXPECT_EQ(crd["apiVersion"], "apiextensions.k8s.io/v1");
    EXPECT_EQ(crd["metadata"]["name"], c.plural + ".fairway.dev");
    const json& spec = crd["spec"];
    EXPECT_EQ(spec["group"], "fairway.dev");
    EXPECT_EQ(spec["scope"], c.scope);
    EXPECT_EQ(spec["names"]["plural"], c.plural);
    EXPECT_EQ(spec["names"]["singular"], c.singular);
    EXPECT_EQ(spec["names"]["listKind"], c.kind + "List");
    EXPECT_EQ(spec["names"].value("shortNames", json::array()), json(c.short_names));
    EXPECT_EQ(spec["names"]["categories"], json::array({"fairway"}));
    ASSERT_EQ(spec["versions"].size(), 1u);
    const json& v = spec["versions"][0];
    EXPECT_EQ(v["name"], "v1alpha1");
    EXPECT_EQ(v["served"], true);
    EXPECT_EQ(v["storage"], true);
    EXPECT_EQ(v["subresources"]["status"], json::object());
    // spec: default {} so nested defaults apply when the user omits spec.
    EXPECT_EQ(RootSchema(crd)["properties"]["spec"]["default"], json::object());
  }
}

// Walks every schema node and reports structural-schema violations.
void CheckStructural(const json& schema, const std::string& path, bool in_any_of,
                     std::vector<std::string>* errors) {
  auto fail = [&](const std::string& msg) { errors->push_back(path + ": " + msg); };
  if (!schema.is_object()) {
    fail("schema must be an object");
    return;
  }
  if (in_any_of) {
    for (const char* forbidden : {"description", "default", "additionalProperties", "nullable"}) {
      if (schema.contains(forbidden)) {
        fail(std::string("'") + forbidden + "' is not allowed inside anyOf");
      }
    }
    return;
  }
  if (!testing::HasTypeOrStandIn(schema)) {
    fail("no type (and no x-kubernetes-preserve-unknown-fields / int-or-string)");
  }
  if (schema.contains("anyOf") && !schema.value("x-kubernetes-int-or-string", false)) {
    fail("anyOf is only used for int-or-string here");
  }
  if (schema.contains("uniqueItems")) {
    fail("uniqueItems is forbidden");
  }
  if (schema.contains("properties") && schema.contains("additionalProperties")) {
    fail("properties and additionalProperties are mutually exclusive");
  }
  std::string type = schema.value("type", "");
  if (schema.contains("properties") && type != "object") {
    fail("properties on a non-object");
  }
  if (type == "array" && !schema.contains("items")) {
    fail("array without items");
  }
  if (schema.contains("default")) {
    std::vector<std::string> default_errors;
    testing::ValidateAgainstSchema(schema, schema["default"], path + "(default)", &default_errors);
    errors->insert(errors->end(), default_errors.begin(), default_errors.end());
  }
  if (schema.contains("pattern")) {
    try {
      std::regex re(schema["pattern"].get<std::string>());
    } catch (const std::regex_error&) {
      fail("pattern does not compile");
    }
  }
  if (schema.value("x-kubernetes-list-type", "") == "map") {
    const json& items = schema["items"];
    std::set<std::string> required;
    for (const auto& r : items.value("required", json::array())) {
      required.insert(r.get<std::string>());
    }
    for (const auto& key : schema.value("x-kubernetes-list-map-keys", json::array())) {
      if (!required.count(key.get<std::string>()) &&
          !items["properties"][key.get<std::string>()].contains("default")) {
        fail("list-map key " + key.dump() + " must be required or defaulted");
      }
    }
  }
  if (schema.contains("properties")) {
    for (const auto& [key, prop] : schema["properties"].items()) {
      CheckStructural(prop, path + "." + key, false, errors);
    }
  }
  if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
    CheckStructural(schema["additionalProperties"], path + ".*", false, errors);
  }
  if (schema.contains("items")) {
    CheckStructural(schema["items"], path + "[]", false, errors);
  }
  if (schema.contains("anyOf")) {
    for (const auto& alt : schema["anyOf"]) {
      CheckStructural(alt, path + "(anyOf)", true, errors);
    }
  }
}

TEST(CrdSchemaTest, SchemasAreStructural) {
  for (const auto& [kind, crd] : LoadCrdsByKind()) {
    SCOPED_TRACE(kind);
    const json& root = RootSchema(crd);
    std::vector<std::string> errors;
    CheckStructural(root, kind, false, &errors);
    EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
    // At the root only apiVersion, kind, metadata, spec and status; metadata unconstrained.
    std::set<std::string> top;
    for (const auto& [key, prop] : root["properties"].items()) {
      top.insert(key);
    }
    EXPECT_EQ(top, (std::set<std::string>{"apiVersion", "kind", "metadata", "spec", "status"}));
    EXPECT_EQ(root["properties"]["metadata"], json({{"type", "object"}}));
    EXPECT_EQ(root["properties"]["status"]["type"], "object");
  }
}

// Resolves a simple printer-column jsonPath (".a.b.c") to the schema node it names. Fields
// under metadata resolve to a pseudo schema (metadata is not spelled out in CRDs).
const json* ResolveJsonPath(const json& root, const std::string& json_path) {
  static const json kMetadataString = {{"type", "string"}, {"format", "date-time"}};
  if (json_path.empty() || json_path[0] != '.') {
    return nullptr;
  }
  const json* node = &root;
  size_t pos = 1;
  while (pos <= json_path.size()) {
    size_t end = json_path.find('.', pos);
    if (end == std::string::npos) {
      end = json_path.size();
    }
    std::string key = json_path.substr(pos, end - pos);
    if (key.empty() || key.find_first_of("[]?@\"") != std::string::npos) {
      return nullptr;
    }
    if (node == &root && key == "metadata") {
      return &kMetadataString;  // .metadata.creationTimestamp and friends
    }
    if (!node->contains("properties") || !(*node)["properties"].contains(key)) {
      return nullptr;
    }
    node = &(*node)["properties"][key];
    pos = end + 1;
  }
  return node;
}

TEST(CrdSchemaTest, PrinterColumnsPointAtDeclaredFieldsOfMatchingType) {
  for (const auto& [kind, crd] : LoadCrdsByKind()) {
    const json& version = crd["spec"]["versions"][0];
    const json& root = RootSchema(crd);
    ASSERT_TRUE(version.contains("additionalPrinterColumns")) << kind;
    std::set<std::string> names;
    for (const json& col : version["additionalPrinterColumns"]) {
      std::string name = col["name"].get<std::string>();
      std::string path = col["jsonPath"].get<std::string>();
      std::string type = col["type"].get<std::string>();
      SCOPED_TRACE(kind + " column " + name + " " + path);
      EXPECT_TRUE(names.insert(name).second) << "duplicate column";
      const json* field = ResolveJsonPath(root, path);
      ASSERT_NE(field, nullptr) << "jsonPath does not name a declared field";
      std::string field_type = field->value("type", "");
      if (type == "integer") {
        EXPECT_EQ(field_type, "integer");
      } else if (type == "number") {
        EXPECT_TRUE(field_type == "number" || field_type == "integer");
      } else if (type == "boolean") {
        EXPECT_EQ(field_type, "boolean");
      } else if (type == "date") {
        EXPECT_EQ(field_type, "string");
        EXPECT_EQ(field->value("format", ""), "date-time");
      } else if (type == "string") {
        EXPECT_TRUE(field_type == "string" || field_type == "array") << field_type;
      } else {
        ADD_FAILURE() << "unknown column type " << type;
      }
    }
  }
}

TEST(CrdSchemaTest, JobColumnsReadLikeSqueue) {
  json crd = LoadCrdsByKind()["Job"];
  std::vector<std::string> names;
  for (const json& col : crd["spec"]["versions"][0]["additionalPrinterColumns"]) {
    if (col.value("priority", 0) == 0 && col["type"] != "date") {
      names.push_back(col["name"].get<std::string>());
    }
  }
  // kubectl prints NAME first and upper-cases headers.
  EXPECT_EQ(names, (std::vector<std::string>{"JobID", "Partition", "User", "ST", "Time", "Nodes",
                                             "NodeList(Reason)"}));
}

TEST(CrdSchemaTest, TimeLimitPatternsAgreeWithTheParser) {
  json crd = LoadCrdsByKind()["Job"];
  const json& schema = RootSchema(crd)["properties"]["spec"]["properties"]["timeLimit"];
  struct Case {
    std::string value;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"30", true},      {"90:30", true},      {"1:00:00", true},   {"1-12", true},
      {"1-12:30", true}, {"1-12:30:15", true}, {"UNLIMITED", true}, {"infinite", true},
      {"-1", true},      {"", true},           {"1h", false},       {"1:2:3:4", false},
      {"-2", false},     {"1-", false},        {"abc", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    std::vector<std::string> errors;
    testing::ValidateAgainstSchema(schema, json(c.value), "spec.timeLimit", &errors);
    EXPECT_EQ(errors.empty(), c.ok) << ::testing::PrintToString(errors);
    // Whatever the schema admits, the C++ decoder must admit too (no surprise rejections).
    if (c.ok) {
      json job = {{"spec", {{"timeLimit", c.value}}}};
      EXPECT_TRUE(JobFromJson(job).ok()) << c.value;
    }
  }
}

}  // namespace
}  // namespace fairway::api
