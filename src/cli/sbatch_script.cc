#include "cli/sbatch_script.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <functional>
#include <optional>
#include <utility>

#include "api/array_spec.h"
#include "api/begin_time.h"
#include "api/common_types.h"
#include "api/dependency.h"
#include "api/gres.h"
#include "api/job_types.h"
#include "api/quantity.h"
#include "api/time_limit.h"
#include "cli/format.h"
#include "common/status_macros.h"

namespace fairway::cli {
namespace {

using nlohmann::json;

enum class Arg { kNone, kRequired, kOptional };

struct OptionDef {
  std::string_view long_name;
  char short_name;  // 0: none
  Arg arg;
  std::string_view value_name;  // shown in the usage: --time=TIME
  std::string_view help;
  // Applies the value (empty for kNone, or kOptional without a value).
  std::function<Status(SbatchOptions*, const std::string&)> apply;
};

Status Invalid(const std::string& msg) { return InvalidArgumentError(msg); }

StatusOr<int64_t> ParseInt(std::string_view opt, const std::string& v, int64_t min, int64_t max) {
  int64_t n = 0;
  const char* b = v.data();
  const char* e = v.data() + v.size();
  if (!v.empty() && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, n);
  if (v.empty() || ec != std::errc() || p != e || n < min || n > max) {
    return Invalid("Invalid numeric value \"" + v + "\" for --" + std::string(opt));
  }
  return n;
}

auto SetString(std::string SbatchOptions::*field) {
  return [field](SbatchOptions* o, const std::string& v) -> Status {
    o->*field = v;
    return OkStatus();
  };
}

// An option Fairway accepts and does not apply; `why` ends the note on stderr.
auto Ignore(std::string_view name, std::string_view why) {
  return [name, why](SbatchOptions* o, const std::string& v) -> Status {
    o->notes.push_back("sbatch: ignoring --" + std::string(name) + (v.empty() ? "" : "=" + v) +
                       " (" + std::string(why) + ")");
    return OkStatus();
  };
}

Status ParseConstraint(SbatchOptions* o, const std::string& v) {
  std::string text = v;
  std::replace(text.begin(), text.end(), '&', ',');
  size_t start = 0;
  o->constraint.clear();
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Invalid("Invalid --constraint \"" + v +
                     "\": Fairway constraints are node labels KEY=VALUE joined by '&' or ','");
    }
    o->constraint[item.substr(0, eq)] = item.substr(eq + 1);
  }
  if (o->constraint.empty()) return Invalid("Invalid --constraint \"" + v + "\"");
  return OkStatus();
}

auto SetCount(std::optional<int64_t> SbatchOptions::*field, std::string_view name) {
  return [field, name](SbatchOptions* o, const std::string& v) -> Status {
    FAIRWAY_ASSIGN_OR_RETURN(o->*field, ParseInt(name, v, 1, 1 << 20));
    return OkStatus();
  };
}

const std::vector<OptionDef>& Options() {
  static const std::vector<OptionDef> defs = {
      {"account", 'A', Arg::kRequired, "ACCOUNT", "charge the job to this account",
       SetString(&SbatchOptions::account)},
      {"array", 'a', Arg::kRequired, "INDEXES", "job array: 0-15, 1,3,5, 0-99:2, 0-99%10",
       SetString(&SbatchOptions::array)},
      {"begin", 'b', Arg::kRequired, "TIME", "defer the start: now+1hour, 16:00, 2025-03-01T10:00",
       SetString(&SbatchOptions::begin)},
      {"constraint", 'C', Arg::kRequired, "LABELS",
       "node labels every node must carry: KEY=VALUE joined by '&' or ','", ParseConstraint},
      {"cpus-per-task", 'c', Arg::kRequired, "N", "CPUs per task (per node without --ntasks)",
       SetCount(&SbatchOptions::cpus_per_task, "cpus-per-task")},
      {"dependency", 'd', Arg::kRequired, "LIST",
       "after, afterany, afterok, afternotok:JOB[:JOB], singleton",
       SetString(&SbatchOptions::dependency)},
      {"exclusive", 0, Arg::kOptional, "", "whole nodes only",
       [](SbatchOptions* o, const std::string&) -> Status {
         o->exclusive = true;
         return OkStatus();
       }},
      {"gpus", 'G', Arg::kRequired, "[TYPE:]N", "GPUs for the job, split evenly over its nodes",
       SetString(&SbatchOptions::gpus)},
      {"gpus-per-node", 0, Arg::kRequired, "[TYPE:]N", "GPUs on each node",
       SetString(&SbatchOptions::gpus_per_node)},
      {"gres", 0, Arg::kRequired, "gpu[:TYPE][:N]", "GPUs on each node, Slurm's GRES form",
       SetString(&SbatchOptions::gres)},
      {"hold", 'H', Arg::kNone, "", "submit held (release with kubectl fairway release)",
       [](SbatchOptions* o, const std::string&) -> Status {
         o->hold = true;
         return OkStatus();
       }},
      {"image", 0, Arg::kRequired, "IMAGE", "container image the script runs in (default busybox)",
       SetString(&SbatchOptions::image)},
      {"job-name", 'J', Arg::kRequired, "NAME",
       "job name (free text; singleton groups by it); also the object's name when it is a "
       "DNS-1123 label not yet taken",
       SetString(&SbatchOptions::job_name)},
      {"mem", 0, Arg::kRequired, "SIZE", "memory per node: 500 (MB), 4G, 1T",
       SetString(&SbatchOptions::mem)},
      {"mem-per-gpu", 0, Arg::kRequired, "SIZE",
       "memory per GPU: the node's memory is SIZE x its GPUs",
       SetString(&SbatchOptions::mem_per_gpu)},
      {"nice", 0, Arg::kOptional, "[=N]", "lower the priority by N (default 100)",
       [](SbatchOptions* o, const std::string& v) -> Status {
         if (v.empty()) {
           o->nice = 100;  // sbatch's default for a bare --nice
           return OkStatus();
         }
         FAIRWAY_ASSIGN_OR_RETURN(o->nice, ParseInt("nice", v, -2147483645, 2147483645));
         return OkStatus();
       }},
      {"no-requeue", 0, Arg::kNone, "", "never requeue the job (preemption, node failure)",
       [](SbatchOptions* o, const std::string&) -> Status {
         o->requeue = false;
         return OkStatus();
       }},
      {"nodes", 'N', Arg::kRequired, "N", "nodes (one pod each); N-M allocates N",
       [](SbatchOptions* o, const std::string& v) -> Status {
         // "2" or "2-4": Fairway allocates exactly the minimum.
         std::string min = v.substr(0, v.find('-'));
         FAIRWAY_ASSIGN_OR_RETURN(int64_t n, ParseInt("nodes", min, 1, 65536));
         if (min != v)
           o->notes.push_back("sbatch: --nodes=" + v + ": allocating the minimum, " + min);
         o->nodes = n;
         return OkStatus();
       }},
      {"ntasks", 'n', Arg::kRequired, "N",
       "tasks: N x --cpus-per-task CPUs, spread evenly over the nodes",
       SetCount(&SbatchOptions::ntasks, "ntasks")},
      {"ntasks-per-node", 0, Arg::kRequired, "N", "tasks on each node (with --ntasks, at most N)",
       SetCount(&SbatchOptions::ntasks_per_node, "ntasks-per-node")},
      {"test-only", 0, Arg::kNone, "",
       "print when and where the job would start; submit nothing. The scheduler's plan is "
       "made locally and needs list access to nodes, pods and Jobs in all namespaces",
       [](SbatchOptions* o, const std::string&) -> Status {
         o->test_only = true;
         return OkStatus();
       }},
      {"parsable", 0, Arg::kNone, "", "print only the job id",
       [](SbatchOptions* o, const std::string&) -> Status {
         o->parsable = true;
         return OkStatus();
       }},
      {"partition", 'p', Arg::kRequired, "PARTITIONS", "partition(s) to run in (comma list)",
       SetString(&SbatchOptions::partition)},
      {"qos", 'q', Arg::kRequired, "QOS", "quality of service", SetString(&SbatchOptions::qos)},
      {"requeue", 0, Arg::kNone, "", "the job may be requeued (the default)",
       [](SbatchOptions* o, const std::string&) -> Status {
         o->requeue = true;
         return OkStatus();
       }},
      {"time", 't', Arg::kRequired, "TIME", "time limit: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S",
       SetString(&SbatchOptions::time_limit)},
      {"wrap", 0, Arg::kRequired, "COMMAND",
       "run COMMAND in a generated sh script (no script file)",
       [](SbatchOptions* o, const std::string& v) -> Status {
         o->wrap = v;
         return OkStatus();
       }},
      {"chdir", 'D', Arg::kRequired, "DIR", "ignored",
       Ignore("chdir", "the script runs in the image's working directory")},
      {"error", 'e', Arg::kRequired, "FILE", "ignored: output goes to the pod log",
       Ignore("error", "output goes to the pod log: kubectl logs")},
      {"export", 0, Arg::kRequired, "VARS", "ignored",
       Ignore("export", "the pod's environment is the image's and Slurm's variables")},
      {"mail-type", 0, Arg::kRequired, "TYPE", "ignored: Fairway sends no mail",
       Ignore("mail-type", "Fairway sends no mail; kubectl fairway squeue shows the job's state")},
      {"mail-user", 0, Arg::kRequired, "USER", "ignored: Fairway sends no mail",
       Ignore("mail-user", "Fairway sends no mail; kubectl fairway squeue shows the job's state")},
      {"output", 'o', Arg::kRequired, "FILE", "ignored: output goes to the pod log",
       Ignore("output", "output goes to the pod log: kubectl logs")},
  };
  return defs;
}

const OptionDef* FindLong(std::string_view name) {
  for (const OptionDef& d : Options()) {
    if (d.long_name == name) return &d;
  }
  return nullptr;
}

const OptionDef* FindShort(char c) {
  for (const OptionDef& d : Options()) {
    if (d.short_name == c) return &d;
  }
  return nullptr;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Offset of the first byte of `text` that is not part of well-formed UTF-8 (RFC 3629: no
// overlong forms, surrogates or code points above U+10FFFF), or nullopt.
std::optional<size_t> FirstInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (b < 0x80) {
      len = 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > text.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) return i;
    }
    i += len;
  }
  return std::nullopt;
}

// Nodes and tasks per node from -N, -n and --ntasks-per-node. As in Slurm, --ntasks wins and
// --ntasks-per-node is then a maximum, and without -N the job gets the nodes its tasks need.
// Fairway gives every node of a job the same resources, so the tasks must split evenly.
struct TaskLayout {
  int64_t nodes = 1;
  std::optional<int64_t> tasks_per_node;  // nullopt: no task count asked for
};

StatusOr<TaskLayout> LayoutOf(const SbatchOptions& o) {
  TaskLayout l;
  if (o.nodes.has_value()) {
    l.nodes = *o.nodes;
  } else if (o.ntasks.has_value() && o.ntasks_per_node.has_value()) {
    l.nodes = (*o.ntasks + *o.ntasks_per_node - 1) / *o.ntasks_per_node;
  }
  if (!o.ntasks.has_value()) {
    l.tasks_per_node = o.ntasks_per_node;
    return l;
  }
  if (*o.ntasks % l.nodes != 0) {
    return Invalid("--ntasks=" + std::to_string(*o.ntasks) + " cannot be split evenly over " +
                   std::to_string(l.nodes) +
                   " nodes (Fairway gives every node the same resources; use --ntasks-per-node)");
  }
  l.tasks_per_node = *o.ntasks / l.nodes;
  if (o.ntasks_per_node.has_value() && *l.tasks_per_node > *o.ntasks_per_node) {
    return Invalid("--ntasks=" + std::to_string(*o.ntasks) + " on " + std::to_string(l.nodes) +
                   " nodes exceeds --ntasks-per-node=" + std::to_string(*o.ntasks_per_node));
  }
  return l;
}

// The GPUs each node gets, from whichever of --gres, --gpus (split over the nodes) or
// --gpus-per-node was given (ValidateSbatchOptions allows one); nullopt: none asked for.
StatusOr<std::optional<api::GpuRequest>> GpusPerNodeOf(const SbatchOptions& o, int64_t nodes) {
  if (!o.gres.empty() || !o.gpus_per_node.empty()) {
    FAIRWAY_ASSIGN_OR_RETURN(api::GpuRequest g, !o.gres.empty() ? api::ParseGres(o.gres)
                                                                : api::ParseGpus(o.gpus_per_node));
    return std::optional<api::GpuRequest>(g);
  }
  if (o.gpus.empty()) return std::optional<api::GpuRequest>();
  FAIRWAY_ASSIGN_OR_RETURN(api::GpuRequest g, api::ParseGpus(o.gpus));
  if (g.count % nodes != 0) {
    return Invalid("--gpus=" + o.gpus + " cannot be split evenly over " + std::to_string(nodes) +
                   " nodes (Fairway allocates the same GPUs on every node; use --gpus-per-node)");
  }
  g.count /= nodes;
  return std::optional<api::GpuRequest>(g);
}

// The memory of each node as a Kubernetes quantity ("" when none was asked for): --mem, or
// --mem-per-gpu times the node's GPUs (Slurm's --mem-per-gpu is per allocated GPU).
StatusOr<std::string> MemPerNode(const SbatchOptions& o,
                                 const std::optional<api::GpuRequest>& gpus) {
  if (!o.mem.empty()) return SlurmMemToQuantity(o.mem);
  if (o.mem_per_gpu.empty()) return std::string();
  StatusOr<std::string> per_gpu = SlurmMemToQuantity(o.mem_per_gpu);
  if (!per_gpu.ok()) {
    return Invalid("Invalid --mem-per-gpu specification \"" + o.mem_per_gpu + "\"");
  }
  if (!gpus.has_value() || gpus->count <= 0) {
    return Invalid("--mem-per-gpu=" + o.mem_per_gpu +
                   " needs GPUs (--gpus, --gpus-per-node or --gres): Fairway sizes the node's "
                   "memory from them");
  }
  // SlurmMemToQuantity gives digits then a binary suffix ("4Gi"): multiply the digits.
  const size_t digits = per_gpu->find_first_not_of("0123456789");
  const int64_t amount = std::stoll(per_gpu->substr(0, digits)) * gpus->count;
  const std::string q = std::to_string(amount) + per_gpu->substr(digits);
  FAIRWAY_RETURN_IF_ERROR(api::ParseMemoryBytes(q).status());
  return q;
}

}  // namespace

std::vector<std::string> TokenizeDirective(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    if (text[i] == '#') break;
    std::string tok;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) {
      char c = text[i];
      if (c == '"' || c == '\'') {
        size_t close = text.find(c, i + 1);
        if (close == std::string_view::npos) close = text.size();
        tok += text.substr(i + 1, close - i - 1);
        i = close + 1;
        continue;
      }
      tok += c;
      ++i;
    }
    out.push_back(tok);
  }
  return out;
}

Status ApplySbatchArgs(const std::vector<std::string>& args, std::string_view where,
                       bool allow_positional, SbatchOptions* opts) {
  const std::string prefix(where);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!opts->positional.empty() || a.size() < 2 || a[0] != '-') {
      if (!allow_positional) {
        return Invalid(prefix + "unexpected argument \"" + a + "\" in #SBATCH directive");
      }
      opts->positional.push_back(a);
      continue;
    }
    const OptionDef* def = nullptr;
    std::string value;
    bool has_value = false;
    if (a[1] == '-') {
      std::string name = a.substr(2);
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      def = FindLong(name);
      if (def == nullptr) return Invalid(prefix + "unrecognized option '--" + name + "'");
      if (def->arg == Arg::kNone && has_value) {
        return Invalid(prefix + "option '--" + name + "' doesn't allow an argument");
      }
    } else {
      def = FindShort(a[1]);
      if (def == nullptr) return Invalid(prefix + "invalid option -- '" + a.substr(1, 1) + "'");
      if (a.size() > 2) {
        if (def->arg == Arg::kNone) {
          return Invalid(prefix + "invalid option -- '" + a.substr(1) + "'");
        }
        value = a.substr(2);
        if (!value.empty() && value[0] == '=') value = value.substr(1);
        has_value = true;
      }
    }
    if (def->arg == Arg::kRequired && !has_value) {
      if (i + 1 >= args.size()) {
        return Invalid(prefix + "option '" + a + "' requires an argument");
      }
      value = args[++i];
    }
    Status s = def->apply(opts, value);
    if (!s.ok()) return Invalid(prefix + s.message());
  }
  return OkStatus();
}

bool SbatchOptionTakesValue(std::string_view a) {
  if (a.size() < 2 || a[0] != '-') return false;
  if (a[1] == '-') {
    if (a.find('=') != std::string_view::npos) return false;
    const OptionDef* d = FindLong(a.substr(2));
    return d != nullptr && d->arg == Arg::kRequired;
  }
  const OptionDef* d = FindShort(a[1]);
  return d != nullptr && a.size() == 2 && d->arg == Arg::kRequired;
}

namespace {

// Slurm's checks of a batch script, in its order and words (sbatch.c, _get_script_buffer; as
// 22.05 prints them: tests/testdata/slurm/sbatch_script_checks.txt). Like Slurm, a script whose
// body is not text is accepted.
Status CheckBatchScript(std::string_view script) {
  if (script.empty()) return Invalid("Batch script is empty!");
  if (std::all_of(script.begin(), script.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
    return Invalid("Batch script contains only whitespace!");
  }
  if (script.substr(0, 2) != "#!") {
    return Invalid(
        "This does not look like a batch script.  The first\n"
        "line must start with #! followed by the path to an interpreter.\n"
        "For instance: #!/bin/sh");
  }
  if (script.find('\0') != std::string_view::npos) {
    return Invalid(
        "The Slurm controller does not allow scripts that\n"
        "contain a NULL character '\\0'.");
  }
  if (script.find("\r\n") != std::string_view::npos) {
    return Invalid(
        "Batch script contains DOS line breaks (\\r\\n)\n"
        "instead of expected UNIX line breaks (\\n).");
  }
  return OkStatus();
}

}  // namespace

bool IsUtf8Text(std::string_view text) { return !FirstInvalidUtf8(text).has_value(); }

std::string WrapScript(std::string_view command) {
  return "#!/bin/sh\n# This script was created by sbatch --wrap.\n\n" + std::string(command) + "\n";
}

std::string SbatchUsage() {
  std::vector<std::pair<std::string, std::string_view>> rows;
  size_t width = 0;
  for (const OptionDef& d : Options()) {
    std::string left = d.short_name != 0 ? std::string("-") + d.short_name + ", " : "    ";
    left += "--" + std::string(d.long_name);
    if (d.arg == Arg::kRequired) left += "=" + std::string(d.value_name);
    if (d.arg == Arg::kOptional) left += std::string(d.value_name);
    width = std::max(width, left.size());
    rows.emplace_back(std::move(left), d.help);
  }
  std::string out =
      "Usage: kubectl fairway sbatch [OPTIONS] SCRIPT [ARGS...]\n"
      "       kubectl fairway sbatch [OPTIONS] --wrap=COMMAND\n"
      "Submits a batch script (a file, or stdin when SCRIPT is - or missing) as a Fairway Job.\n"
      "Options may also be given as #SBATCH lines at the top of the script; the command line\n"
      "wins.\n\n";
  for (const auto& [left, help] : rows) {
    out += "  " + left + std::string(width + 2 - left.size(), ' ') + std::string(help) + "\n";
  }
  out += "  -h, --help" + std::string(width + 2 - 10, ' ') + "this help\n";
  return out;
}

Status ParseSbatchScript(std::string_view script, SbatchOptions* opts) {
  FAIRWAY_RETURN_IF_ERROR(CheckBatchScript(script));
  size_t pos = 0;
  int line_no = 0;
  bool first = true;
  while (pos <= script.size()) {
    size_t end = script.find('\n', pos);
    if (end == std::string_view::npos) end = script.size();
    std::string_view line = script.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (first) {
      first = false;
      continue;
    }
    std::string t = Trim(line);
    if (t.empty()) continue;
    if (t[0] != '#') break;  // the first command ends the directives
    if (t.rfind("#SBATCH", 0) != 0) continue;
    std::string rest = t.substr(7);
    if (!rest.empty() && !std::isspace(static_cast<unsigned char>(rest[0]))) continue;
    std::vector<std::string> tokens = TokenizeDirective(rest);
    FAIRWAY_RETURN_IF_ERROR(
        ApplySbatchArgs(tokens, "line " + std::to_string(line_no) + ": ", false, opts));
    if (end == script.size()) break;
  }
  return OkStatus();
}

StatusOr<std::string> SlurmMemToQuantity(std::string_view text) {
  std::string t = Trim(text);
  if (t.empty()) return Invalid("Invalid --mem specification \"\"");
  size_t digits = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
  std::string unit = t.substr(digits);
  std::string number = t.substr(0, digits);
  if (number.empty() || number.size() > 15) {
    return Invalid("Invalid --mem specification \"" + t + "\"");
  }
  std::string u = Upper(unit);
  std::string suffix;
  if (u.empty() || u == "M" || u == "MB") {
    suffix = "Mi";
  } else if (u == "K" || u == "KB") {
    suffix = "Ki";
  } else if (u == "G" || u == "GB") {
    suffix = "Gi";
  } else if (u == "T" || u == "TB") {
    suffix = "Ti";
  } else {
    return Invalid("Invalid --mem specification \"" + t + "\" (units K, M, G, T; default M)");
  }
  std::string q = number + suffix;
  FAIRWAY_RETURN_IF_ERROR(api::ParseMemoryBytes(q).status());
  return q;
}

Status ValidateSbatchOptions(const SbatchOptions& o, core::Timestamp now) {
  auto err = [](std::string_view opt, const std::string& value, const Status& s) {
    return Invalid("Invalid --" + std::string(opt) + " specification \"" + value +
                   "\": " + s.message());
  };
  if (!o.time_limit.empty()) {
    if (auto r = api::ParseTimeLimit(o.time_limit); !r.ok())
      return err("time", o.time_limit, r.status());
  }
  if (!o.array.empty()) {
    if (auto r = api::ParseArraySpec(o.array, api::kMaxMaxArraySize); !r.ok()) {
      return err("array", o.array, r.status());
    }
  }
  if (!o.begin.empty()) {
    if (auto r = api::ParseBeginTime(o.begin, now); !r.ok())
      return err("begin", o.begin, r.status());
  }
  if (!o.dependency.empty()) {
    if (auto r = api::ParseDependency(o.dependency); !r.ok()) {
      return err("dependency", o.dependency, r.status());
    }
  }
  FAIRWAY_ASSIGN_OR_RETURN(TaskLayout layout, LayoutOf(o));
  int gpu_forms = !o.gres.empty() + !o.gpus.empty() + !o.gpus_per_node.empty();
  if (gpu_forms > 1) {
    return Invalid("--gres, --gpus and --gpus-per-node are mutually exclusive");
  }
  if (!o.gres.empty()) {
    if (auto r = api::ParseGres(o.gres); !r.ok()) return err("gres", o.gres, r.status());
  }
  if (!o.gpus.empty()) {
    if (auto r = api::ParseGpus(o.gpus); !r.ok()) return err("gpus", o.gpus, r.status());
  }
  if (!o.gpus_per_node.empty()) {
    if (auto r = api::ParseGpus(o.gpus_per_node); !r.ok()) {
      return err("gpus-per-node", o.gpus_per_node, r.status());
    }
  }
  FAIRWAY_ASSIGN_OR_RETURN(std::optional<api::GpuRequest> gpus, GpusPerNodeOf(o, layout.nodes));
  if (!o.mem.empty() && !o.mem_per_gpu.empty()) {
    return Invalid("--mem and --mem-per-gpu are mutually exclusive");
  }
  FAIRWAY_RETURN_IF_ERROR(MemPerNode(o, gpus).status());
  if (!o.partition.empty()) {
    if (auto r = api::ParsePartitionList(o.partition); !r.ok()) {
      return err("partition", o.partition, r.status());
    }
  }
  if (Status name = api::CheckJobName(o.job_name, "--job-name"); !name.ok()) {
    return Invalid("Invalid --job-name specification: " + name.message());
  }
  return OkStatus();
}

StatusOr<json> BuildJobManifest(const SbatchOptions& o, const JobManifestInput& in) {
  json spec = json::object();
  if (!o.partition.empty()) spec["partition"] = o.partition;
  if (!o.account.empty()) spec["account"] = o.account;
  if (!o.qos.empty()) spec["qos"] = o.qos;
  if (!o.time_limit.empty()) spec["timeLimit"] = o.time_limit;
  FAIRWAY_ASSIGN_OR_RETURN(TaskLayout layout, LayoutOf(o));
  int64_t nodes = layout.nodes;
  spec["nodes"] = nodes;
  json res = json::object();
  FAIRWAY_ASSIGN_OR_RETURN(std::optional<api::GpuRequest> gpus, GpusPerNodeOf(o, nodes));
  if (gpus.has_value()) {
    res["gpus"] = gpus->count;
    if (!gpus->type.empty()) res["gpuType"] = gpus->type;
  }
  // Each task gets --cpus-per-task CPUs (1 by default, as in Slurm); without a task count the
  // node runs one task: the batch script.
  if (layout.tasks_per_node.has_value()) {
    res["cpu"] = std::to_string(*layout.tasks_per_node * o.cpus_per_task.value_or(1));
  } else if (o.cpus_per_task.has_value()) {
    res["cpu"] = std::to_string(*o.cpus_per_task);
  }
  FAIRWAY_ASSIGN_OR_RETURN(std::string memory, MemPerNode(o, gpus));
  if (!memory.empty()) res["memory"] = memory;
  if (!res.empty()) spec["resources"] = res;
  if (!o.array.empty()) spec["array"] = o.array;
  if (!o.begin.empty()) spec["begin"] = o.begin;
  if (!o.dependency.empty()) spec["dependency"] = o.dependency;
  if (!o.job_name.empty()) spec["jobName"] = o.job_name;
  if (o.hold) spec["hold"] = true;
  if (o.nice.has_value()) spec["nice"] = *o.nice;
  if (o.requeue.has_value()) spec["requeue"] = *o.requeue;
  if (o.exclusive) spec["exclusive"] = true;
  if (!o.constraint.empty()) spec["constraint"] = o.constraint;

  json command = json::array();
  std::vector<std::string> interp = TokenizeDirective(in.interpreter);
  if (interp.empty()) interp = {"/bin/sh"};
  for (const std::string& t : interp) command.push_back(t);
  command.push_back("/fairway/script/script");
  for (const std::string& a : in.script_args) command.push_back(a);
  json container = {
      {"name", "batch"},
      {"image", o.image.empty() ? std::string(kDefaultImage) : o.image},
      {"command", command},
      {"volumeMounts",
       json::array(
           {{{"name", "batch-script"}, {"mountPath", "/fairway/script"}, {"readOnly", true}}})}};
  spec["template"] = {
      {"spec",
       {{"restartPolicy", "Never"},
        {"containers", json::array({container})},
        {"volumes",
         json::array({{{"name", "batch-script"},
                       {"configMap", {{"name", in.config_map}, {"defaultMode", 0755}}}}})}}}};
  return json{{"apiVersion", "fairway.dev/v1alpha1"},
              {"kind", "Job"},
              {"metadata",
               {{"name", in.name},
                {"namespace", in.namespace_name},
                {"labels", {{"app.kubernetes.io/created-by", "kubectl-fairway"}}}}},
              {"spec", spec}};
}

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return s.front() != '-' && s.back() != '-';
}

std::string JobNameFromScript(std::string_view path) {
  size_t slash = path.find_last_of('/');
  std::string base(slash == std::string_view::npos ? path : path.substr(slash + 1));
  size_t dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0) base = base.substr(0, dot);
  return DnsLabelFrom(base);
}

std::string DnsLabelFrom(std::string_view text) {
  std::string out;
  for (char c : text) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::isalnum(static_cast<unsigned char>(l))) {
      out += l;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 40) out = out.substr(0, 40);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "sbatch" : out;
}

}  // namespace fairway::cli
