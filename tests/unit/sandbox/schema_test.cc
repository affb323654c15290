#include "sandbox/schema.h"

#include <gtest/gtest.h>

namespace fairway::sandbox {
namespace {

using nlohmann::json;

const json& Schema() {
  static const json kSchema = json::parse(R"({
    "type":"object",
    "properties":{
      "spec":{"type":"object","default":{},"required":["gpus"],
        "properties":{
          "gpus":{"type":"integer","minimum":1,"maximum":8},
          "priority":{"type":"integer","default":0},
          "queue":{"type":"string","enum":["batch","interactive"]},
          "name":{"type":"string","pattern":"^[a-z]+$","minLength":2,"maxLength":5},
          "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":2},
          "resources":{"type":"object","properties":{"cpu":{"x-kubernetes-int-or-string":true},
                                                    "mem":{"type":"string","default":"1Gi"}}},
          "labels":{"type":"object","additionalProperties":{"type":"string"}},
          "template":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
          "ratio":{"type":"number","nullable":true},
          "ports":{"type":"array","items":{"type":"object","properties":{"port":{"type":"integer"}}}}
        }},
      "status":{"type":"object","x-kubernetes-preserve-unknown-fields":true}
    }})");
  return kSchema;
}

std::vector<std::string> Messages(const json& obj) {
  static const CrdSchema kCompiled(Schema());
  std::vector<std::string> out;
  for (const FieldCause& c : ValidateAgainstSchema(kCompiled, obj)) out.push_back(c.ToString());
  return out;
}

TEST(SchemaTest, PrunesUnknownFieldsButKeepsPreserved) {
  json obj =
      json::parse(R"({"apiVersion":"x/v1","kind":"K","metadata":{"name":"a","labels":{"l":"1"}},
    "spec":{"gpus":1,"bogus":true,"template":{"anything":{"goes":1}},"labels":{"a":"b"}},
    "status":{"free":"form"},"extra":1})");
  PruneObject(Schema(), &obj);
  EXPECT_FALSE(obj.contains("extra"));
  EXPECT_FALSE(obj["spec"].contains("bogus"));
  EXPECT_EQ(obj["spec"]["template"]["anything"]["goes"], 1);
  EXPECT_EQ(obj["spec"]["labels"]["a"], "b");
  EXPECT_EQ(obj["status"]["free"], "form");
  EXPECT_EQ(obj["metadata"]["labels"]["l"], "1");
  EXPECT_EQ(obj["kind"], "K");
}

TEST(SchemaTest, UnknownFieldsNamesWhatPruningDropsInUpstreamOrder) {
  const json obj = json::parse(R"({"apiVersion":"x/v1","kind":"K","metadata":{"name":"a","x":1},
    "spec":{"gpus":1,"gpuz":2,"template":{"free":1},"labels":{"a":"b"},
      "ports":[{"port":1},{},{"port":2,"proto":"TCP"},{},{},{},{},{},{},{},{"host":"h"}]},
    "extra":1})");
  // Root metadata is not the schema's business; array indexes sort as strings.
  EXPECT_EQ(UnknownFields(Schema(), obj),
            (std::vector<std::string>{"extra", "spec.gpuz", "spec.ports[10].host",
                                      "spec.ports[2].proto"}));
  json pruned = obj;
  PruneObject(Schema(), &pruned);
  EXPECT_TRUE(UnknownFields(Schema(), pruned).empty());
  EXPECT_EQ(pruned["spec"]["ports"][2], json({{"port", 2}}));
}

TEST(SchemaTest, PatternsAreCompiledOnceAndUnsupportedOnesAcceptEveryValue) {
  const CrdSchema schema(json::parse(R"({"type":"object","properties":{
    "a":{"type":"string","pattern":"^[a-z]+$"},
    "b":{"type":"string","pattern":"(?<=x)y"}}})"));
  const std::regex* a = schema.Pattern("^[a-z]+$");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(schema.Pattern("^[a-z]+$"), a);
  EXPECT_EQ(schema.Pattern("(?<=x)y"), nullptr);  // lookbehind: not ECMAScript
  EXPECT_TRUE(ValidateAgainstSchema(schema, {{"a", "abc"}, {"b", "anything"}}).empty());
  EXPECT_EQ(ValidateAgainstSchema(schema, {{"a", "A"}}).size(), 1u);
}

TEST(SchemaTest, DefaultsApplyOnlyUnderExistingParents) {
  json obj = {{"metadata", {{"name", "a"}}}};
  ApplyDefaults(Schema(), &obj);
  // spec defaults to {}, then its nested priority default applies; resources is absent so
  // resources.mem is not defaulted.
  EXPECT_EQ(obj["spec"], json({{"priority", 0}}));
  json with_resources = {{"spec", {{"gpus", 1}, {"resources", json::object()}}}};
  ApplyDefaults(Schema(), &with_resources);
  EXPECT_EQ(with_resources["spec"]["resources"]["mem"], "1Gi");
  json null_field = {{"spec", {{"gpus", 1}, {"priority", nullptr}, {"ratio", nullptr}}}};
  ApplyDefaults(Schema(), &null_field);
  EXPECT_EQ(null_field["spec"]["priority"], 0);
  EXPECT_TRUE(null_field["spec"]["ratio"].is_null());
}

TEST(SchemaTest, ValidationMessagesFollowUpstream) {
  EXPECT_EQ(
      Messages(json::parse(R"({"spec":{"gpus":9}})")),
      std::vector<std::string>{
          "spec.gpus: Invalid value: 9: spec.gpus in body should be less than or equal to 8"});
  EXPECT_EQ(
      Messages(json::parse(R"({"spec":{"gpus":0}})")),
      std::vector<std::string>{
          "spec.gpus: Invalid value: 0: spec.gpus in body should be greater than or equal to 1"});
  EXPECT_EQ(Messages(json::parse(R"({"spec":{}})")),
            std::vector<std::string>{"spec.gpus: Required value"});
  EXPECT_EQ(Messages(json::parse(R"({"spec":{"gpus":"four"}})")),
            std::vector<std::string>{"spec.gpus: Invalid value: \"four\": spec.gpus in body must "
                                     "be of type integer: \"string\""});
  EXPECT_EQ(
      Messages(json::parse(R"({"spec":{"gpus":1,"queue":"x"}})")),
      std::vector<std::string>{
          "spec.queue: Unsupported value: \"x\": supported values: \"batch\", \"interactive\""});
  EXPECT_EQ(Messages(json::parse(R"({"spec":{"gpus":1,"name":"A1"}})")),
            std::vector<std::string>{
                "spec.name: Invalid value: \"A1\": spec.name in body should match '^[a-z]+$'"});
  EXPECT_EQ(
      Messages(json::parse(R"({"spec":{"gpus":1,"name":"a"}})")),
      std::vector<std::string>{
          "spec.name: Invalid value: \"a\": spec.name in body should be at least 2 chars long"});
  EXPECT_EQ(Messages(json::parse(R"({"spec":{"gpus":1,"name":"abcdef"}})")),
            std::vector<std::string>{"spec.name: Invalid value: \"abcdef\": spec.name in body "
                                     "should be at most 5 chars long"});
  EXPECT_EQ(Messages(json::parse(R"({"spec":{"gpus":1,"tags":[]}})")),
            std::vector<std::string>{
                "spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"});
  EXPECT_EQ(Messages(json::parse(R"({"spec":{"gpus":1,"tags":["a","b","c"]}})")),
            std::vector<std::string>{"spec.tags: Too many: 3: must have at most 2 items"});
  EXPECT_EQ(Messages(json::parse(R"({"spec":{"gpus":1,"tags":[1]}})")),
            std::vector<std::string>{"spec.tags[0]: Invalid value: 1: spec.tags[0] in body must be "
                                     "of type string: \"integer\""});
  EXPECT_EQ(Messages(json::parse(R"({"spec":{"gpus":1,"labels":{"a":2}}})")).size(), 1u);
}

TEST(SchemaTest, ValidObjectsPass) {
  EXPECT_TRUE(Messages(json::parse(R"({"metadata":{"name":"x"},"spec":{"gpus":8,"queue":"batch",
      "name":"abc","tags":["t"],"resources":{"cpu":"500m"},"ratio":0.5}})"))
                  .empty());
  EXPECT_TRUE(
      Messages(json::parse(R"({"spec":{"gpus":2,"resources":{"cpu":4},"ratio":null}})")).empty());
  // A whole float counts as an integer (JSON has one number type).
  EXPECT_TRUE(Messages(json::parse(R"({"spec":{"gpus":2.0}})")).empty());
  EXPECT_EQ(Messages(json::parse(R"({"spec":{"gpus":1,"resources":{"cpu":true}}})")).size(), 1u);
}

}  // namespace
}  // namespace fairway::sandbox
