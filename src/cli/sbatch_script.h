// sbatch options: the `#SBATCH` directives of a batch script and the command line, parsed and
// validated with the src/api parsers, then turned into a Job manifest (slurm-semantics.md §4, §6).
//
// Directives are read from the lines after the "#!" line up to the first line that is neither
// blank nor a comment (as sbatch stops there). "##SBATCH" is a comment. On a directive line the
// text after a token starting with '#' is a comment. Options given on the command line override
// the script's.
//
// Supported: -p/--partition, -A/--account, -q/--qos, -t/--time, -N/--nodes, --gres,
// -G/--gpus (per job, split evenly over the nodes), --gpus-per-node, -c/--cpus-per-task, --mem,
// --mem-per-gpu (the node's memory is the size times the node's GPUs),
// -n/--ntasks and --ntasks-per-node (the job's nodes and CPUs: each task gets --cpus-per-task
// CPUs, 1 by default; the tasks must split evenly over the nodes, since every node of a Job gets
// the same resources), -a/--array, -b/--begin, -d/--dependency, -J/--job-name, --nice[=N],
// -H/--hold, --requeue/--no-requeue, --exclusive, -C/--constraint (node labels key=value joined
// by '&' or ','), --wrap (a generated "#!/bin/sh" script runs the command, as in Slurm), --image
// (kubectl-fairway's own: the container image), --test-only (CliEnvironment::test_only).
// -o/--output, -e/--error, --mail-type,
// --mail-user, --chdir and --export are accepted and ignored with a note. The Job spec has no
// task count, so pods see SLURM_NTASKS = their node count whatever --ntasks says.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/types.h"

namespace fairway::cli {

inline constexpr std::string_view kDefaultImage = "busybox";

struct SbatchOptions {
  std::string partition;
  std::string account;
  std::string qos;
  std::string time_limit;
  std::optional<int64_t> nodes;
  std::string gres;           // --gres (per node)
  std::string gpus;           // -G/--gpus (per job)
  std::string gpus_per_node;  // --gpus-per-node
  std::optional<int64_t> cpus_per_task;
  std::optional<int64_t> ntasks;           // -n/--ntasks: tasks of the whole job
  std::optional<int64_t> ntasks_per_node;  // --ntasks-per-node
  std::string mem;                         // Slurm form ("4G", "500" = MB)
  std::string mem_per_gpu;                 // --mem-per-gpu, same form
  std::string array;
  std::string begin;
  std::string dependency;
  std::string job_name;
  std::optional<int64_t> nice;
  bool hold = false;
  std::optional<bool> requeue;
  bool exclusive = false;
  std::map<std::string, std::string> constraint;
  std::string image;
  std::optional<std::string> wrap;  // --wrap: the command the generated script runs
  bool parsable = false;            // print only the job id
  bool test_only = false;           // --test-only: plan, do not submit
  // Notes for stderr ("sbatch: ignoring --output ..."): accepted but not applied.
  std::vector<std::string> notes;
  // Positional arguments (the script path, then the script's own arguments).
  std::vector<std::string> positional;
};

// Applies options given as argv-style tokens to `opts` (later wins). `where` prefixes error
// messages ("line 3: "). Validation errors are kInvalidArgument with Slurm-like text.
[[nodiscard]] Status ApplySbatchArgs(const std::vector<std::string>& args, std::string_view where,
                                     bool allow_positional, SbatchOptions* opts);

// True for a token like "-p" or "--time" whose value is the next token.
bool SbatchOptionTakesValue(std::string_view token);

// Reads the #SBATCH directives of `script` into `opts`. kInvalidArgument, in Slurm 22.05's words
// (several lines, as sbatch prints them), for a script that is empty or only whitespace, whose
// first line is not "#!...", or that holds a NUL byte or DOS line breaks; and for a directive
// that is unknown or invalid (the message names the line). A body that is not text is accepted,
// as Slurm does.
[[nodiscard]] Status ParseSbatchScript(std::string_view script, SbatchOptions* opts);

// True when `text` is well-formed UTF-8 (a ConfigMap's data holds only that; other scripts go
// into its binaryData).
bool IsUtf8Text(std::string_view text);

// The script `sbatch --wrap=COMMAND` submits (Slurm's): "#!/bin/sh", a comment, the command.
std::string WrapScript(std::string_view command);

// sbatch's --help: usage lines and one line per option.
std::string SbatchUsage();

// Splits a directive's text into tokens (whitespace separated, quotes "..." and '...' group,
// a token starting with '#' ends the line).
std::vector<std::string> TokenizeDirective(std::string_view text);

// Checks the combined options with the src/api parsers (time, array, begin at `now`,
// dependency, gres/gpus, memory). kInvalidArgument with a Slurm-like message.
[[nodiscard]] Status ValidateSbatchOptions(const SbatchOptions& opts, core::Timestamp now);

struct JobManifestInput {
  std::string name;            // metadata.name of the Job
  std::string namespace_name;  // metadata.namespace
  std::string config_map;      // ConfigMap holding the script (key "script")
  std::string interpreter;     // from the "#!" line, e.g. "/bin/bash"
  std::vector<std::string> script_args;
};

// The Job object for validated options. The pod runs the script from the ConfigMap mounted at
// /fairway/script. It never carries spec.user or spec.groups: the submitter is whoever the API
// server authenticates, and the admission webhook stamps it.
[[nodiscard]] StatusOr<nlohmann::json> BuildJobManifest(const SbatchOptions& opts,
                                                        const JobManifestInput& input);

// Memory in Slurm's --mem form ("4G", "500" = MiB, "1T", "512K") as a Kubernetes quantity.
[[nodiscard]] StatusOr<std::string> SlurmMemToQuantity(std::string_view text);

// A DNS-1123 label from a script file name ("Train_Model.sh" -> "train-model"); "sbatch" when
// nothing usable is left.
std::string JobNameFromScript(std::string_view path);
// A DNS-1123 label (at most 40 characters) from free text such as a job name ("Train Model" ->
// "train-model"); "sbatch" when nothing usable is left.
std::string DnsLabelFrom(std::string_view text);
bool IsDnsLabel(std::string_view text);

}  // namespace fairway::cli
