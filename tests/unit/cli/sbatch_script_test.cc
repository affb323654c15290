// Table-driven tests of the #SBATCH parser, including malformed scripts.
#include "cli/sbatch_script.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/cli/slurm_recording.h"

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
      {"no_shebang", "echo hi\n", false, "line must start with #! followed by the path"},
      {"empty", "", false, "Batch script is empty!"},
      {"whitespace", " \n\t\n", false, "Batch script contains only whitespace!"},
      {"nul_byte", std::string("#!/bin/sh\necho \0 hi\n", 20), false,
       "contain a NULL character '\\0'"},
      {"dos_line_breaks", "#!/bin/sh\r\necho hi\r\n", false, "DOS line breaks (\\r\\n)"},
      // Like Slurm, a body that is not text is accepted (sbatch keeps it in binaryData).
      {"binary_after_shebang",
       "#!/bin/sh\necho hi\n\x7f"
       "ELF\x02\x01\xff\xfe\n",
       true, ""},
      {"truncated_utf8", "#!/bin/sh\necho \xc3", true, ""},
      // A job name is free text (issue #16), UTF-8 included.
      {"utf8_text",
       "#!/bin/sh\n#SBATCH -J caf\xc3\xa9 # caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80\necho\n",
       true, ""},
      {"utf8_comment", "#!/bin/sh\n# caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80\necho\n", true, ""},
      {"ntasks", "#!/bin/sh\n#SBATCH -n 4 --ntasks-per-node=2\n", true, ""},
      {"bad_ntasks", "#!/bin/sh\n#SBATCH -n zero\n", false,
       "Invalid numeric value \"zero\" for --ntasks"},
      {"ntasks_not_divisible", "#!/bin/sh\n#SBATCH -N 3 -n 4\n", false,
       "--ntasks=4 cannot be split evenly over 3 nodes"},
      {"ntasks_over_per_node", "#!/bin/sh\n#SBATCH -N 2 -n 8 --ntasks-per-node=2\n", false,
       "--ntasks=8 on 2 nodes exceeds --ntasks-per-node=2"},
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
      {"mem_per_gpu", "#!/bin/sh\n#SBATCH --mem-per-gpu=4G --gpus-per-node=2\n", true, ""},
      {"bad_mem_per_gpu", "#!/bin/sh\n#SBATCH --mem-per-gpu=4X --gres=gpu:1\n", false,
       "Invalid --mem-per-gpu specification \"4X\""},
      {"mem_per_gpu_without_gpus", "#!/bin/sh\n#SBATCH --mem-per-gpu=4G\n", false,
       "--mem-per-gpu=4G needs GPUs"},
      {"mem_and_mem_per_gpu", "#!/bin/sh\n#SBATCH --mem=1G --mem-per-gpu=4G --gres=gpu:1\n", false,
       "--mem and --mem-per-gpu are mutually exclusive"},
      {"bad_nodes", "#!/bin/sh\n#SBATCH -N zero\n", false, "Invalid numeric value"},
      {"bad_nice", "#!/bin/sh\n#SBATCH --nice=abc\n", false, "Invalid numeric value"},
      {"hold_with_value", "#!/bin/sh\n#SBATCH --hold=yes\n", false, "doesn't allow an argument"},
      {"bad_constraint", "#!/bin/sh\n#SBATCH --constraint=nvlink\n", false,
       "node labels KEY=VALUE"},
      {"free_text_job_name", "#!/bin/sh\n#SBATCH -J My_Job.v2\n", true, ""},
      {"long_job_name", "#!/bin/sh\n#SBATCH -J " + std::string(300, 'x') + "\n", false,
       "Invalid --job-name specification: must be at most 256 characters"},
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
  EXPECT_EQ(spec["jobName"], "train");  // -J: Slurm's job name (squeue NAME, singleton)
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

// -n/--ntasks and --ntasks-per-node become the job's nodes and per-node CPUs: each task gets
// --cpus-per-task CPUs (1 by default); --ntasks wins and --ntasks-per-node is then a maximum
// that, without -N, decides the node count.
TEST(SbatchScriptTest, TasksBecomeNodesAndCpus) {
  struct Case {
    std::vector<std::string> args;
    int64_t nodes;
    std::string cpu;  // "" = none requested
    int64_t gpus;
  };
  const std::vector<Case> cases = {
      {{"-n", "4"}, 1, "4", 0},
      {{"-n4", "-c", "2"}, 1, "8", 0},
      {{"-N", "2", "--ntasks=8"}, 2, "4", 0},
      {{"--ntasks-per-node=4", "-N", "2"}, 2, "4", 0},
      {{"-n", "8", "--ntasks-per-node", "4"}, 2, "4", 0},
      {{"-n", "6", "--ntasks-per-node", "4"}, 2, "3", 0},
      {{"-n", "8", "--ntasks-per-node=4", "-G", "8"}, 2, "4", 4},
      {{"-c", "8"}, 1, "8", 0},
      {{"-N", "2", "--gpus-per-node=a100:2"}, 2, "", 2},
      {{}, 1, "", 0},
  };
  for (const Case& c : cases) {
    std::string trace;
    for (const std::string& a : c.args) trace += a + " ";
    SCOPED_TRACE(trace);
    SbatchOptions o;
    ASSERT_TRUE(ApplySbatchArgs(c.args, "", false, &o).ok());
    ASSERT_TRUE(ValidateSbatchOptions(o, Now()).ok());
    auto job = BuildJobManifest(o, {"j", "ns", "j-script", "/bin/sh", {}});
    ASSERT_TRUE(job.ok()) << job.status();
    const nlohmann::json& spec = (*job)["spec"];
    EXPECT_EQ(spec["nodes"], c.nodes);
    const nlohmann::json res = spec.value("resources", nlohmann::json::object());
    EXPECT_EQ(res.value("cpu", ""), c.cpu);
    EXPECT_EQ(res.value("gpus", int64_t{0}), c.gpus);
  }
}

// --wrap submits Slurm's generated script: #!/bin/sh, a comment, the command.
TEST(SbatchScriptTest, WrapScriptIsSlurms) {
  SbatchOptions o;
  ASSERT_TRUE(ApplySbatchArgs({"--wrap", "sleep 5; exit 3", "-n", "2"}, "", true, &o).ok());
  ASSERT_TRUE(o.wrap.has_value());
  EXPECT_TRUE(o.positional.empty());
  std::string script = WrapScript(*o.wrap);
  EXPECT_EQ(script, "#!/bin/sh\n# This script was created by sbatch --wrap.\n\nsleep 5; exit 3\n");
  SbatchOptions from_script;
  EXPECT_TRUE(ParseSbatchScript(script, &from_script).ok());
  EXPECT_TRUE(SbatchOptionTakesValue("--wrap"));
  EXPECT_TRUE(SbatchOptionTakesValue("-n"));
}

TEST(SbatchScriptTest, UsageListsEveryOption) {
  std::string usage = SbatchUsage();
  for (const char* line :
       {"  -n, --ntasks=N ", "      --ntasks-per-node=N ", "      --gpus-per-node=[TYPE:]N ",
        "      --wrap=COMMAND ", "  -p, --partition=PARTITIONS ", "      --nice[=N] ",
        "  -H, --hold ", "  -h, --help "}) {
    EXPECT_NE(usage.find(line), std::string::npos) << line << "\n" << usage;
  }
  EXPECT_EQ(usage.rfind("Usage: kubectl fairway sbatch ", 0), 0u);
}

TEST(SbatchScriptTest, MemAndNames) {
  EXPECT_EQ(*SlurmMemToQuantity("500"), "500Mi");
  EXPECT_EQ(*SlurmMemToQuantity("4G"), "4Gi");
  EXPECT_EQ(*SlurmMemToQuantity("1T"), "1Ti");
  EXPECT_FALSE(SlurmMemToQuantity("").ok());
  EXPECT_FALSE(SlurmMemToQuantity("4Q").ok());
  EXPECT_EQ(JobNameFromScript("/tmp/Train_Model.sh"), "train-model");
  EXPECT_EQ(JobNameFromScript("___.sh"), "sbatch");
  EXPECT_EQ(DnsLabelFrom("My Job_1.v2"), "my-job-1-v2");
  EXPECT_EQ(DnsLabelFrom("\xc3\xa9\xc3\xa9"), "sbatch");
  EXPECT_TRUE(IsDnsLabel("train-1"));
  EXPECT_FALSE(IsDnsLabel("My_Job"));
  EXPECT_TRUE(SbatchOptionTakesValue("-p"));
  EXPECT_FALSE(SbatchOptionTakesValue("-pgpu"));
  EXPECT_FALSE(SbatchOptionTakesValue("--hold"));
  EXPECT_TRUE(SbatchOptionTakesValue("--time"));
  EXPECT_EQ(TokenizeDirective(" -J 'a b' --x=\"c d\" # note"),
            (std::vector<std::string>{"-J", "a b", "--x=c d"}));
}

// Slurm 22.05's words, line by line (tests/testdata/slurm/sbatch_script_checks.txt); the CLI
// prints each line after "sbatch: error: ".
TEST(SbatchScriptTest, ScriptChecksSayWhatSlurmSays) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"#!/bin/sh\r\nsleep 1\r\n", "/tmp/h_dos.sh"},
      {"echo hi\n", "/tmp/h_noshebang.sh"},
      {std::string("#!/bin/sh\nsleep 1\n\x7f"
                   "ELF\0\0\xff\n",
                   26),
       "/tmp/h_nul.sh"},
  };
  for (const auto& [script, file] : cases) {
    SCOPED_TRACE(file);
    SbatchOptions o;
    Status s = ParseSbatchScript(script, &o);
    ASSERT_FALSE(s.ok());
    std::string printed;
    for (size_t b = 0, e; b <= s.message().size(); b = e + 1) {
      e = s.message().find('\n', b);
      if (e == std::string::npos) e = s.message().size();
      printed += "sbatch: error: " + s.message().substr(b, e - b) + "\n";
    }
    EXPECT_EQ(printed, testing::RecordedOutput(
                           "sbatch_script_checks.txt",
                           "sbatch --test-only --chdir=/tmp -o /dev/null -e /dev/null " + file));
  }
  EXPECT_TRUE(IsUtf8Text("caf\xc3\xa9"));
  EXPECT_FALSE(
      IsUtf8Text("\x7f"
                 "ELF\xff"));
}

TEST(SbatchScriptTest, MemPerGpuSizesTheNode) {
  SbatchOptions o;
  ASSERT_TRUE(
      ApplySbatchArgs({"--mem-per-gpu=3G", "-N", "2", "--gpus=a100:4"}, "", false, &o).ok());
  ASSERT_TRUE(ValidateSbatchOptions(o, Now()).ok());
  auto job = BuildJobManifest(o, {"j", "ns", "j-script", "/bin/sh", {}});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ((*job)["spec"]["resources"]["gpus"], 2);  // per node
  EXPECT_EQ((*job)["spec"]["resources"]["memory"], "6Gi");
}

// Inside sbatch every short option is Slurm's (kubectl's -n, -A, -o, -h mean --ntasks, --account,
// --output, --help here); kubectl's connection flags are long only (--namespace, --context).
TEST(SbatchScriptTest, ShortOptionsAreSlurms) {
  SbatchOptions o;
  ASSERT_TRUE(ApplySbatchArgs({"-A",     "physics", "-a",   "0-3", "-b",   "now+1hour", "-C",
                               "zone=a", "-c",      "2",    "-D",  "/tmp", "-d",        "singleton",
                               "-e",     "e.log",   "-G",   "4",   "-H",   "-J",        "name",
                               "-N",     "2",       "-n",   "4",   "-o",   "o.log",     "-p",
                               "gpu",    "-q",      "high", "-t",  "10"},
                              "", false, &o)
                  .ok());
  EXPECT_EQ(o.account, "physics");
  EXPECT_EQ(o.array, "0-3");
  EXPECT_EQ(o.begin, "now+1hour");
  EXPECT_EQ(o.constraint.at("zone"), "a");
  EXPECT_EQ(o.cpus_per_task, 2);
  EXPECT_EQ(o.dependency, "singleton");
  EXPECT_EQ(o.gpus, "4");
  EXPECT_TRUE(o.hold);
  EXPECT_EQ(o.job_name, "name");
  EXPECT_EQ(o.nodes, 2);
  EXPECT_EQ(o.ntasks, 4);
  EXPECT_EQ(o.partition, "gpu");
  EXPECT_EQ(o.qos, "high");
  EXPECT_EQ(o.time_limit, "10");
  EXPECT_EQ(o.notes.size(), 3u);                              // -D, -e, -o: accepted, not applied
  EXPECT_FALSE(ApplySbatchArgs({"-v"}, "", false, &o).ok());  // not a kubectl flag either
}

// Ignored options say why; a mail option does not send the user to the pod log.
TEST(SbatchScriptTest, IgnoredOptionNotesSayWhy) {
  SbatchOptions o;
  ASSERT_TRUE(
      ApplySbatchArgs({"--mail-type=END", "--mail-user=a@b", "-o", "x.log"}, "", false, &o).ok());
  ASSERT_EQ(o.notes.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(o.notes[i].find("kubectl logs"), std::string::npos) << o.notes[i];
    EXPECT_NE(o.notes[i].find("Fairway sends no mail"), std::string::npos) << o.notes[i];
  }
  EXPECT_NE(o.notes[2].find("kubectl logs"), std::string::npos) << o.notes[2];
}

}  // namespace
}  // namespace fairway::cli
