#include "api/pod_template_gpus.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/gres.h"

namespace fairway::api {
namespace {

using nlohmann::json;

// A container whose resources are `resources`.
json Container(json resources) {
  return {{"name", "c"}, {"image", "x"}, {"resources", std::move(resources)}};
}
// A container with a limit of `count` nvidia.com/gpu.
json GpuContainer(json count) { return Container({{"limits", {{"nvidia.com/gpu", count}}}}); }
// An init container with a limit of `count` nvidia.com/gpu and restartPolicy `restart_policy`
// ("Always": a sidecar) unless empty.
json InitContainer(json count, const std::string& restart_policy = "") {
  json c = GpuContainer(std::move(count));
  if (!restart_policy.empty()) c["restartPolicy"] = restart_policy;
  return c;
}
// A PodTemplateSpec with these containers (and init containers, unless null).
json Template(json containers, json init_containers = nullptr) {
  json spec = {{"containers", std::move(containers)}};
  if (!init_containers.is_null()) spec["initContainers"] = std::move(init_containers);
  return {{"metadata", {{"labels", {{"app", "x"}}}}}, {"spec", std::move(spec)}};
}

// ---- CheckPodTemplateShape ---------------------------------------------------------------------

struct ShapeCase {
  std::string name;
  json pod_template;
  std::string field;
  std::string message;
};

TEST(CheckPodTemplateShapeTest, NamesTheFieldThatHasTheWrongType) {
  const std::vector<ShapeCase> cases = {
      {"TemplateNotAnObject", json::array({1, 2}), "spec.template",
       "must be an object (a PodTemplateSpec)"},
      {"SpecNotAnObject", {{"spec", "x"}}, "spec.template.spec", "must be an object"},
      {"ContainersNotAList",
       {{"spec", {{"containers", json::object()}}}},
       "spec.template.spec.containers",
       "must be a list"},
      {"InitContainersNotAList", Template(json::array(), "init"),
       "spec.template.spec.initContainers", "must be a list"},
      {"ContainerNotAnObject", Template(json::array({GpuContainer(1), 3})),
       "spec.template.spec.containers[1]", "must be an object"},
      {"ResourcesNotAnObject", Template(json::array({GpuContainer(1), Container(json::array())})),
       "spec.template.spec.containers[1].resources", "must be an object"},
      {"LimitsNotAnObject",
       Template(json::array({GpuContainer(1)}), json::array({Container({{"limits", "8"}})})),
       "spec.template.spec.initContainers[0].resources.limits", "must be an object"},
      {"RequestsNotAnObject", Template(json::array({Container({{"requests", 1}})})),
       "spec.template.spec.containers[0].resources.requests", "must be an object"},
  };
  for (const ShapeCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(CheckPodTemplateShape(c.pod_template), InvalidArgumentError(c.message, c.field));
  }
}

TEST(CheckPodTemplateShapeTest, AcceptsAbsentAndNullParts) {
  const std::vector<json> templates = {
      json::object(),
      {{"spec", nullptr}},
      {{"spec", json::object()}},
      {{"spec", {{"containers", nullptr}, {"initContainers", json::array()}}}},
      Template(json::array({{{"name", "a"}},
                            Container(nullptr),
                            Container({{"limits", nullptr}, {"requests", {{"cpu", "1"}}}})})),
  };
  for (const json& t : templates) {
    SCOPED_TRACE(t.dump());
    EXPECT_TRUE(CheckPodTemplateShape(t).ok());
  }
}

// ---- CountTemplateGpus -------------------------------------------------------------------------

struct CountCase {
  std::string name;
  json pod_template;
  bool any;
  int64_t per_pod;
  bool first_container;
};

TEST(CountTemplateGpusTest, CountsAsKubernetesDoes) {
  const std::vector<CountCase> cases = {
      {"NoPodSpec", json::object(), false, 0, false},
      {"NoGpus", Template(json::array({Container({{"limits", {{"cpu", "2"}}}})})), false, 0, true},
      {"IntegerLimit", Template(json::array({GpuContainer(4)})), true, 4, true},
      {"StringLimit", Template(json::array({GpuContainer("4")})), true, 4, true},
      {"ZeroIsNamed", Template(json::array({GpuContainer("0")})), true, 0, true},
      {"LargestCount", Template(json::array({GpuContainer(kMaxGpuCount)})), true, kMaxGpuCount,
       true},
      {"SumOfContainers", Template(json::array({GpuContainer(2), GpuContainer("2")})), true, 4,
       true},
      {"OnlyTheSecondContainer", Template(json::array({{{"name", "a"}}, GpuContainer(3)})), true, 3,
       true},
      {"RequestOnly", Template(json::array({Container({{"requests", {{"nvidia.com/gpu", "3"}}}})})),
       true, 3, true},
      {"EqualLimitAndRequest",
       Template(json::array({Container(
           {{"limits", {{"nvidia.com/gpu", 2}}}, {"requests", {{"nvidia.com/gpu", "2"}}}})})),
       true, 2, true},
      {"SidecarsAddToContainers",
       Template(json::array({GpuContainer(3)}),
                json::array({InitContainer(2, "Always"), InitContainer(4)})),
       true, 5, true},
      {"LargestInitContainerWins",
       Template(json::array({GpuContainer(1)}),
                json::array({InitContainer(2, "Always"), InitContainer(4), InitContainer(1)})),
       true, 4, true},
      {"OnFailureInitIsNoSidecar",
       Template(json::array({GpuContainer(1)}), json::array({InitContainer(2, "OnFailure")})), true,
       2, true},
      {"InitContainersOnly", Template(json::array(), json::array({InitContainer(6)})), true, 6,
       false},
      {"UnrelatedExtendedResources",
       Template(json::array({Container(
           {{"limits",
             {{"example.com/gpuish", 1}, {"example.com/fpga", 1}, {"memory", "1Gi"}}}})})),
       false, 0, true},
  };
  for (const CountCase& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(CheckPodTemplateShape(c.pod_template).ok());
    StatusOr<TemplateGpus> got = CountTemplateGpus(c.pod_template);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->any, c.any);
    EXPECT_EQ(got->per_pod, c.per_pod);
    EXPECT_EQ(got->first_container, c.first_container);
  }
}

struct CountErrorCase {
  std::string name;
  json pod_template;
  std::string field;
  std::string message;
};

TEST(CountTemplateGpusTest, RefusesWhatCannotBeAccounted) {
  const std::string first = "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]";
  const std::vector<CountErrorCase> cases = {
      {"Fraction", Template(json::array({GpuContainer("0.5")})), first,
       "must be a whole number of GPUs, got \"0.5\""},
      {"Float", Template(json::array({GpuContainer(1.0)})), first,
       "must be a whole number of GPUs, got 1.0"},
      {"Negative", Template(json::array({GpuContainer(-1)})), first,
       "must be a whole number of GPUs, got -1"},
      {"EmptyString", Template(json::array({GpuContainer("")})), first,
       "must be a whole number of GPUs, got \"\""},
      {"Quantity", Template(json::array({GpuContainer("1k")})), first,
       "must be a whole number of GPUs, got \"1k\""},
      {"Bool", Template(json::array({GpuContainer(true)})), first,
       "must be a whole number of GPUs, got true"},
      {"LongDigitString", Template(json::array({GpuContainer("12345678")})), first,
       "must be a whole number of GPUs, got \"12345678\""},
      {"TooManyInteger", Template(json::array({GpuContainer(kMaxGpuCount + 1)})), first,
       "too many GPUs"},
      {"TooManyString", Template(json::array({GpuContainer("1000001")})), first, "too many GPUs"},
      {"RequestDiffersFromLimit",
       Template(json::array({GpuContainer(1), Container({{"limits", {{"nvidia.com/gpu", 2}}},
                                                         {"requests", {{"nvidia.com/gpu", 1}}}})})),
       "spec.template.spec.containers[1].resources.requests[nvidia.com/gpu]",
       "must equal the limit (2)"},
      {"AmdGpu", Template(json::array({Container({{"limits", {{"amd.com/gpu", 1}}}})})),
       "spec.template.spec.containers[0].resources.limits[amd.com/gpu]",
       "only nvidia.com/gpu is accounted; ask for GPUs in spec.resources"},
      {"MigSlice",
       Template(json::array({GpuContainer(1)}),
                json::array({Container({{"requests", {{"nvidia.com/mig-1g.5gb", "1"}}}})})),
       "spec.template.spec.initContainers[0].resources.requests[nvidia.com/mig-1g.5gb]",
       "only nvidia.com/gpu is accounted; ask for GPUs in spec.resources"},
      {"SharedGpu",
       Template(json::array({Container({{"limits", {{"nvidia.com/gpu.shared", 1}}}})})),
       "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu.shared]",
       "only nvidia.com/gpu is accounted; ask for GPUs in spec.resources"},
      {"IntelGpu", Template(json::array({Container({{"limits", {{"gpu.intel.com/i915", 1}}}})})),
       "spec.template.spec.containers[0].resources.limits[gpu.intel.com/i915]",
       "only nvidia.com/gpu is accounted; ask for GPUs in spec.resources"},
  };
  for (const CountErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(CheckPodTemplateShape(c.pod_template).ok());
    EXPECT_EQ(CountTemplateGpus(c.pod_template).status(), InvalidArgumentError(c.message, c.field));
  }
}

// ---- PerNodeGpus and CheckTemplateGpusMatch ----------------------------------------------------

JobSpec Spec(int64_t gpus, const std::string& gres = "", json pod_template = json::object()) {
  JobSpec spec;
  spec.resources.gpus = gpus;
  spec.resources.gres = gres;
  spec.pod_template = std::move(pod_template);
  return spec;
}

TEST(PerNodeGpusTest, GresCountElseGpus) {
  EXPECT_EQ(PerNodeGpus(Spec(3)), 3);
  EXPECT_EQ(PerNodeGpus(Spec(0, "gpu:a100:2")), 2);
  EXPECT_EQ(PerNodeGpus(Spec(0, "gpu")), 1);
  EXPECT_EQ(PerNodeGpus(Spec(0, "mps:2")), 0);  // refused by the decoder
}

TEST(CheckTemplateGpusMatchTest, TemplateGpusMustEqualPerNodeGpus) {
  // A template naming no GPUs matches any request (admission and the pod builder fill it).
  EXPECT_TRUE(CheckTemplateGpusMatch(Spec(4, "", Template(json::array({{{"name", "a"}}})))).ok());
  EXPECT_TRUE(CheckTemplateGpusMatch(
                  Spec(4, "", Template(json::array({GpuContainer(2), GpuContainer("2")}))))
                  .ok());
  EXPECT_TRUE(
      CheckTemplateGpusMatch(Spec(0, "gpu:a100:3", Template(json::array({GpuContainer(3)})))).ok());
  EXPECT_TRUE(CheckTemplateGpusMatch(Spec(0, "", Template(json::array({GpuContainer(0)})))).ok());

  EXPECT_EQ(CheckTemplateGpusMatch(Spec(0, "", Template(json::array({GpuContainer(8)})))),
            InvalidArgumentError("the pod template asks for 8 nvidia.com/gpu per pod but "
                                 "spec.resources asks for 0 GPUs per node; ask for GPUs in "
                                 "spec.resources only (admission copies them into the template)",
                                 "spec.template"));
  EXPECT_EQ(CheckTemplateGpusMatch(Spec(2, "", Template(json::array({GpuContainer("0")})))),
            InvalidArgumentError("the pod template asks for 0 nvidia.com/gpu per pod but "
                                 "spec.resources asks for 2 GPUs per node; ask for GPUs in "
                                 "spec.resources only (admission copies them into the template)",
                                 "spec.template"));
  // A count that does not read is the count's error.
  EXPECT_EQ(
      CheckTemplateGpusMatch(Spec(1, "", Template(json::array({GpuContainer("0.5")})))),
      InvalidArgumentError("must be a whole number of GPUs, got \"0.5\"",
                           "spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]"));
}

}  // namespace
}  // namespace fairway::api
