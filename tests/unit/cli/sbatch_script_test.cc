// Table-driven tests of the #SBATCH parser, including malformed scripts.
#include "cli/sbatch_script.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fairway::cli {
namespace {

core::Timestamp Now() { return core::Timestamp(core::Seconds(1'700'000'000)); }

struct Case {
  std::string name;
  std::string script;
  bool ok;
  std::string error_substr;  // when !ok
};

TEST(SbatchScriptTest, Table) {
  const std::vector<Case> cases = {
      {"minimal", "#!/bin/bash\necho hi\n", true, ""},
      {"no_shebang", "echo hi\n", false, "first line must start with #!"},
      {"empty", "", false, "first line must start with #!"},
      {"all_directives",
       "#!/bin/bash\n#SBATCH -p gpu\n#SBATCH --account=physics -q high\n#SBATCH -t 1:00:00\n"
       "#SBATCH -N 2 --gres=gpu:a100:4 -c 8 --mem=64G\n#SBATCH --array=0-9%2 --begin=now+1hour\n"
       "#SBATCH -d afterok:prep --nice=10 -H --no-requeue --exclusive\n#SBATCH -C zone=a&rack=1\n"
       "#SBATCH -J train\n",
       true, ""},
      {"unknown_long", "#!/bin/sh\n#SBATCH --frobnicate=1\n", false,
       "line 2: unrecognized option '--frobnicate'"},
      {"unknown_short", "#!/bin/sh\n#SBATCH -Z\n", false, "line 2: invalid option -- 'Z'"},
      {"missing_value", "#!/bin/sh\n#SBATCH --time\n", false, "requires an argument"},
      {"bad_time", "#!/bin/sh\n#SBATCH -t 1:xx\n", false, "Invalid --time specification"},
      {"bad_array", "#!/bin/sh\n#SBATCH --array=5-1\n", false, "Invalid --array specification"},
      {"bad_begin", "#!/bin/sh\n#SBATCH --begin=yesterdayish\n", false,
       "Invalid --begin specification"},
      {"bad_dependency", "#!/bin/sh\n#SBATCH -d afterok:\n", false,
       "Invalid --dependency specification"},
      {"bad_gres", "#!/bin/sh\n#SBATCH --gres=fpga:2\n", false, "Invalid --gres specification"},
      {"gres_and_gpus", "#!/bin/sh\n#SBATCH --gres=gpu:2 --gpus-per-node=2\n", false,
       "mutually exclusive"},
      {"bad_mem", "#!/bin/sh\n#SBATCH --mem=12X\n", false, "Invalid --mem specification"},
      {"bad_nodes", "#!/bin/sh\n#SBATCH -N zero\n", false, "Invalid numeric value"},
      {"bad_nice", "#!/bin/sh\n#SBATCH --nice=abc\n", false, "Invalid numeric value"},
      {"hold_with_value", "#!/bin/sh\n#SBATCH --hold=yes\n", false, "doesn't allow an argument"},
      {"bad_constraint", "#!/bin/sh\n#SBATCH --constraint=nvlink\n", false,
       "node labels KEY=VALUE"},
      {"bad_job_name", "#!/bin/sh\n#SBATCH -J My_Job\n", false, "DNS-1123"},
      {"gpus_not_divisible", "#!/bin/sh\n#SBATCH -N 3 --gpus=4\n", false, "split evenly"},
      {"positional_in_directive", "#!/bin/sh\n#SBATCH -p gpu extra\n", false,
       "unexpected argument \"extra\""},
      {"directives_after_command_ignored", "#!/bin/sh\necho hi\n#SBATCH --frobnicate\n", true, ""},
      {"double_hash_is_comment", "#!/bin/sh\n##SBATCH --frobnicate\n", true, ""},
      {"trailing_comment", "#!/bin/sh\n#SBATCH -p gpu # the GPU partition\n", true, ""},
      {"sbatchx_not_directive", "#!/bin/sh\n#SBATCHX --frobnicate\n", true, ""},
      {"bad_partition", "#!/bin/sh\n#SBATCH -p GPU_Part\n", false, "Invalid --partition"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    SbatchOptions o;
    Status s = ParseSbatchScript(c.script, &o);
    if (s.ok()) s = ValidateSbatchOptions(o, Now());
    EXPECT_EQ(s.ok(), c.ok) << s;
    if (!c.ok) {
      EXPECT_NE(s.message().find(c.error_substr), std::string::npos) << s.message();
    }
  }
}

TEST(SbatchScriptTest, ParsesValues) {
  SbatchOptions o;
  ASSERT_TRUE(ParseSbatchScript("#!/bin/bash\n"
                                "#SBATCH -p gpu\n"
                                "#SBATCH --account=physics -q high\n"
                                "#SBATCH -t1:00:00 -N 2\n"
                                "#SBATCH --gpus-per-node=a100:4 -c 8 --mem=64G\n"
                                "#SBATCH --array=0-9%2 --begin=now+1hour\n"
                                "#SBATCH -d afterok:prep --nice -H --no-requeue --exclusive\n"
                                "#SBATCH -C \"zone=a&rack=1\" -J train -o out.log\n"
                                "\n"
                                "srun python train.py\n",
                                &o)
                  .ok());
  EXPECT_EQ(o.partition, "gpu");
  EXPECT_EQ(o.account, "physics");
  EXPECT_EQ(o.qos, "high");
  EXPECT_EQ(o.time_limit, "1:00:00");
  EXPECT_EQ(o.nodes, 2);
  EXPECT_EQ(o.gpus_per_node, "a100:4");
  EXPECT_EQ(o.cpus_per_task, 8);
  EXPECT_EQ(o.mem, "64G");
  EXPECT_EQ(o.array, "0-9%2");
  EXPECT_EQ(o.begin, "now+1hour");
  EXPECT_EQ(o.dependency, "afterok:prep");
  EXPECT_EQ(o.nice, 100);  // bare --nice
  EXPECT_TRUE(o.hold);
  EXPECT_EQ(o.requeue, false);
  EXPECT_TRUE(o.exclusive);
  EXPECT_EQ(o.constraint, (std::map<std::string, std::string>{{"rack", "1"}, {"zone", "a"}}));
  EXPECT_EQ(o.job_name, "train");
  ASSERT_EQ(o.notes.size(), 1u);
  EXPECT_NE(o.notes[0].find("ignoring --output=out.log"), std::string::npos);
  EXPECT_TRUE(ValidateSbatchOptions(o, Now()).ok());

  auto job = BuildJobManifest(o, {"train", "default", "train-script", "/bin/bash", {"x"}});
  ASSERT_TRUE(job.ok()) << job.status();
  const auto& spec = (*job)["spec"];
  EXPECT_EQ(spec["partition"], "gpu");
  EXPECT_EQ(spec["nodes"], 2);
  EXPECT_EQ(spec["resources"]["gpus"], 4);
  EXPECT_EQ(spec["resources"]["gpuType"], "a100");
  EXPECT_EQ(spec["resources"]["cpu"], "8");
  EXPECT_EQ(spec["resources"]["memory"], "64Gi");
  EXPECT_EQ(spec["hold"], true);
  EXPECT_EQ(spec["requeue"], false);
  // The submitter is never written by the client: the admission webhook stamps it.
  EXPECT_FALSE(spec.contains("user"));
  EXPECT_FALSE(spec.contains("groups"));
  const auto& c = spec["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["image"], "busybox");
  EXPECT_EQ(c["command"], nlohmann::json({"/bin/bash", "/fairway/script/script", "x"}));
  EXPECT_EQ(spec["template"]["spec"]["volumes"][0]["configMap"]["name"], "train-script");
}

TEST(SbatchScriptTest, CommandLineOverridesScript) {
  SbatchOptions o;
  ASSERT_TRUE(ParseSbatchScript("#!/bin/sh\n#SBATCH -p debug -t 5\n", &o).ok());
  ASSERT_TRUE(
      ApplySbatchArgs({"-p", "gpu", "--image=python:3.12", "job.sh", "-p", "arg"}, "", true, &o)
          .ok());
  EXPECT_EQ(o.partition, "gpu");
  EXPECT_EQ(o.time_limit, "5");
  EXPECT_EQ(o.image, "python:3.12");
  EXPECT_EQ(o.positional, (std::vector<std::string>{"job.sh", "-p", "arg"}));
}

TEST(SbatchScriptTest, GpusPerJobSplitOverNodes) {
  SbatchOptions o;
  ASSERT_TRUE(ApplySbatchArgs({"-N", "2", "-G", "h100:8"}, "", false, &o).ok());
  ASSERT_TRUE(ValidateSbatchOptions(o, Now()).ok());
  auto job = BuildJobManifest(o, {"j", "ns", "j-script", "/bin/sh", {}});
  ASSERT_TRUE(job.ok());
  EXPECT_EQ((*job)["spec"]["resources"]["gpus"], 4);
  EXPECT_EQ((*job)["spec"]["resources"]["gpuType"], "h100");
}

TEST(SbatchScriptTest, MemAndNames) {
  EXPECT_EQ(*SlurmMemToQuantity("500"), "500Mi");
  EXPECT_EQ(*SlurmMemToQuantity("4G"), "4Gi");
  EXPECT_EQ(*SlurmMemToQuantity("1T"), "1Ti");
  EXPECT_FALSE(SlurmMemToQuantity("").ok());
  EXPECT_FALSE(SlurmMemToQuantity("4Q").ok());
  EXPECT_EQ(JobNameFromScript("/tmp/Train_Model.sh"), "train-model");
  EXPECT_EQ(JobNameFromScript("___.sh"), "sbatch");
  EXPECT_TRUE(SbatchOptionTakesValue("-p"));
  EXPECT_FALSE(SbatchOptionTakesValue("-pgpu"));
  EXPECT_FALSE(SbatchOptionTakesValue("--hold"));
  EXPECT_TRUE(SbatchOptionTakesValue("--time"));
  EXPECT_EQ(TokenizeDirective(" -J 'a b' --x=\"c d\" # note"),
            (std::vector<std::string>{"-J", "a b", "--x=c d"}));
}

}  // namespace
}  // namespace fairway::cli
