#include "cli/commands.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "api/account_types.h"
#include "api/array_spec.h"
#include "api/array_task_list.h"
#include "api/common_types.h"
#include "api/job_types.h"
#include "api/partition_types.h"
#include "cli/format.h"
#include "cli/import_pcluster.h"
#include "cli/interactive.h"
#include "cli/job_records.h"
#include "cli/notebook.h"
#include "cli/print_fields.h"
#include "cli/reports.h"
#include "cli/sacct.h"
#include "cli/sbatch_script.h"
#include "cli/sinfo.h"
#include "cli/slurm_json.h"
#include "cli/squeue.h"
#include "common/base64.h"
#include "common/status_macros.h"
#include "kube/kube_config.h"
#include "kube/whoami.h"

namespace fairway::cli {
namespace {

using nlohmann::json;

// ---- argument parsing -----------------------------------------------------------------------

struct FlagDef {
  std::string long_name;
  char short_name = 0;
  bool takes_value = false;
  std::string value_name{};  // in the usage: --user=USERS
  std::string help{};        // the usage line
};

struct Args {
  std::map<std::string, std::vector<std::string>> values;
  std::vector<std::string> positional;
  bool Has(const std::string& f) const { return values.count(f) > 0; }
  std::string Get(const std::string& f, const std::string& def = "") const {
    auto it = values.find(f);
    return it == values.end() || it->second.empty() ? def : it->second.back();
  }
  std::vector<std::string> List(const std::string& f) const {
    std::vector<std::string> out;
    auto it = values.find(f);
    if (it == values.end()) return out;
    for (const std::string& v : it->second) {
      for (const std::string& p : SplitList(v)) out.push_back(p);
    }
    return out;
  }
};

// kubectl's connection flags and --help, accepted by every command after its own flags (a
// command's own short flag wins: sshare's -n is --noheader).
const std::vector<FlagDef> kGlobalFlags = {{"kubeconfig", 0, true},  {"context", 0, true},
                                           {"namespace", 'n', true}, {"all-namespaces", 0, false},
                                           {"help", 0, false},       {"request-timeout", 0, true}};

// The usage line of kGlobalFlags; `short_n`: -n is the namespace (the command has no -n).
std::string KubectlFlagsHelp(bool short_n) {
  return "kubectl flags: --kubeconfig=PATH, --context=NAME, " + std::string(short_n ? "-n/" : "") +
         "--namespace=NS, --all-namespaces,\n--request-timeout=SECONDS.\n";
}

StatusOr<Args> ParseArgs(const std::vector<std::string>& argv, std::vector<FlagDef> defs) {
  defs.insert(defs.end(), kGlobalFlags.begin(), kGlobalFlags.end());
  Args out;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") {
      out.positional.insert(out.positional.end(), argv.begin() + i + 1, argv.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    const FlagDef* def = nullptr;
    std::optional<std::string> value;
    if (a[1] == '-') {
      std::string name = a.substr(2);
      if (size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      for (const FlagDef& d : defs) {
        if (d.long_name == name && def == nullptr) def = &d;
      }
      if (def == nullptr) return InvalidArgumentError("unrecognized option '--" + name + "'");
    } else {
      for (const FlagDef& d : defs) {
        if (d.short_name == a[1] && def == nullptr) def = &d;
      }
      if (def == nullptr) return InvalidArgumentError("invalid option -- '" + a.substr(1, 1) + "'");
      if (a.size() > 2) {
        if (!def->takes_value)
          return InvalidArgumentError("invalid option -- '" + a.substr(1) + "'");
        value = a.substr(2);
        if (!value->empty() && (*value)[0] == '=') value = value->substr(1);
      }
    }
    if (def->takes_value && !value.has_value()) {
      if (i + 1 >= argv.size()) {
        return InvalidArgumentError("option '" + a + "' requires an argument");
      }
      value = argv[++i];
    }
    if (!def->takes_value && value.has_value()) {
      return InvalidArgumentError("option '--" + def->long_name + "' doesn't allow an argument");
    }
    out.values[def->long_name].push_back(value.value_or(""));
  }
  return out;
}

// ---- connection ----------------------------------------------------------------------------

struct Session {
  std::unique_ptr<kube::ApiClient> client;
  std::string namespace_name;  // "" with --all-namespaces
  std::string default_namespace;
  core::Timestamp now;
};

StatusOr<Session> Connect(const CliEnvironment& env, const Args& args) {
  Session s;
  FAIRWAY_ASSIGN_OR_RETURN(
      kube::RestConfig config,
      kube::ResolveRestConfig(args.Get("kubeconfig"), env.clock, args.Get("context")));
  config.qps = 0;  // one-shot command: no client-side throttling
  if (args.Has("request-timeout")) {
    auto t = std::atoi(args.Get("request-timeout").c_str());
    if (t > 0) config.timeout = std::chrono::seconds(t);
  }
  s.default_namespace = args.Has("namespace") ? args.Get("namespace") : config.namespace_name;
  s.namespace_name = args.Has("all-namespaces") ? "" : s.default_namespace;
  kube::RestClientOptions options;
  options.max_retries = 2;
  options.retry_backoff = {std::chrono::milliseconds(100), std::chrono::seconds(1), 2.0, 0.2};
  FAIRWAY_ASSIGN_OR_RETURN(auto client, kube::RestApiClient::Create(config, env.clock, options));
  s.client = std::move(client);
  s.now = std::chrono::time_point_cast<core::Seconds>(env.clock->Now());
  return s;
}

template <typename T, typename Decode>
StatusOr<std::vector<T>> ListDecoded(kube::ApiClient& client, const kube::ResourceRef& ref,
                                     const std::string& ns, Decode decode,
                                     std::vector<json>* raw = nullptr) {
  FAIRWAY_ASSIGN_OR_RETURN(kube::ObjectList list, client.List(ref, ns));
  std::vector<T> out;
  for (json& item : list.items) {
    auto obj = decode(item);
    if (!obj.ok()) continue;  // skip objects this version cannot read
    out.push_back(std::move(*obj));
    if (raw != nullptr) raw->push_back(std::move(item));
  }
  return out;
}

// ---- output helpers ------------------------------------------------------------------------

YAML::Node ToYaml(const json& j) {
  YAML::Node n;
  if (j.is_object()) {
    n = YAML::Node(YAML::NodeType::Map);
    for (const auto& [k, v] : j.items()) n[k] = ToYaml(v);
  } else if (j.is_array()) {
    n = YAML::Node(YAML::NodeType::Sequence);
    for (const json& v : j) n.push_back(ToYaml(v));
  } else if (j.is_string()) {
    n = j.get<std::string>();
  } else if (j.is_boolean()) {
    n = j.get<bool>();
  } else if (j.is_number_integer()) {
    n = j.get<int64_t>();
  } else if (j.is_number()) {
    n = j.get<double>();
  } else {
    n = YAML::Node(YAML::NodeType::Null);
  }
  return n;
}

// -o json|yaml: a kubectl-style List. Returns true when handled.
bool PrintStructured(const std::string& output, const std::vector<json>& items, std::ostream& out) {
  if (output != "json" && output != "yaml") return false;
  json list = {{"apiVersion", "v1"},
               {"kind", "List"},
               {"items", items},
               {"metadata", {{"resourceVersion", ""}}}};
  if (output == "json") {
    out << list.dump(4) << "\n";
  } else {
    YAML::Emitter e;
    e << ToYaml(list);
    out << e.c_str() << "\n";
  }
  return true;
}

// -o json|yaml of squeue and sacct: Slurm's own document (slurm_json.h). Returns true when
// handled.
bool PrintDocument(const std::string& output, const json& doc, std::ostream& out) {
  if (output == "json") {
    out << doc.dump(2) << "\n";
  } else if (output == "yaml") {
    YAML::Emitter e;
    e << ToYaml(doc);
    out << e.c_str() << "\n";
  } else {
    return false;
  }
  return true;
}

StatusOr<JobFilter> FilterFromArgs(const Args& a, const Session& s) {
  JobFilter f;
  for (const std::string& u : a.List("user")) f.users.insert(u);
  if (a.Has("me")) {
    FAIRWAY_ASSIGN_OR_RETURN(kube::AuthenticatedUser me, kube::WhoAmI(*s.client));
    f.users.insert(me.username);
  }
  for (const std::string& v : a.List("account")) f.accounts.insert(v);
  for (const std::string& v : a.List("partition")) f.partitions.insert(v);
  for (const std::string& v : a.List("name")) f.names.insert(v);
  for (const std::string& v : a.List("qos")) f.qos.insert(v);
  for (const std::string& v : a.List("jobs")) f.job_ids.insert(v);
  if (a.Has("states")) {
    FAIRWAY_ASSIGN_OR_RETURN(f.states, ParseStateList(a.Get("states")));
  }
  return f;
}

const std::vector<FlagDef> kJobFilterFlags = {
    {"account", 'A', true, "ACCOUNTS", "jobs of these accounts (comma list)"},
    {"jobs", 'j', true, "IDS", "these jobs: 12, 12_3, 12_[1-3] (comma list)"},
    {"me", 0, false, "", "my jobs (the user the API server authenticates)"},
    {"name", 0, true, "NAMES", "jobs with these names"},
    {"partition", 'p', true, "PARTITIONS", "jobs of these partitions"},
    {"qos", 'q', true, "QOS", "jobs of these QoSes"},
    {"states", 't', true, "STATES", "jobs in these states: PD,R,CD,CA,F,TO,NF,PR,OOM or all"},
    {"user", 'u', true, "USERS", "jobs of these users"}};

std::vector<FlagDef> With(std::vector<FlagDef> a, const std::vector<FlagDef>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// ---- commands ------------------------------------------------------------------------------

// Prints `msg` as Slurm does, "CMD: error: " before each of its lines.
int Fail(const CliEnvironment& env, const std::string& cmd, const std::string& msg) {
  for (const std::string& line : SplitList(msg, '\n')) {
    *env.err << cmd << ": error: " << line << "\n";
  }
  return 1;
}

struct Command;
using RunFn = int (*)(const Command&, const std::vector<std::string>&, const CliEnvironment&);

// A subcommand: its usage, its own flags (kGlobalFlags come on top) and what runs it.
struct Command {
  std::string name;
  std::string synopsis;  // what follows "kubectl fairway NAME" in the usage
  std::string about;     // one line: the overview's and the top of --help
  std::vector<FlagDef> flags;
  RunFn run = nullptr;
  // When set, lists the options instead of `flags` (sbatch's come from sbatch_script.h).
  std::string (*options_usage)() = nullptr;
  std::string note{};  // printed before the kubectl flags
};

// The command's --help: usage line, what it does, its options, kubectl's flags.
std::string CommandUsage(const Command& cmd) {
  std::string out;
  if (cmd.options_usage != nullptr) {
    out = cmd.options_usage();
  } else {
    out = "Usage: kubectl fairway " + cmd.name + (cmd.synopsis.empty() ? "" : " " + cmd.synopsis) +
          "\n" + cmd.about + "\n";
    std::vector<std::pair<std::string, std::string>> rows;
    for (const FlagDef& f : cmd.flags) {
      std::string left = f.short_name != 0 ? std::string("-") + f.short_name + ", " : "    ";
      left += "--" + f.long_name + (f.takes_value ? "=" + f.value_name : "");
      rows.emplace_back(std::move(left), f.help);
    }
    rows.emplace_back("    --help", "this help");
    size_t width = 0;
    for (const auto& [left, help] : rows) width = std::max(width, left.size());
    out += "\n";
    for (const auto& [left, help] : rows) {
      out += "  " + left + std::string(width + 2 - left.size(), ' ') + help + "\n";
    }
  }
  // sbatch's own options (options_usage) include -n, and so may those of a command's flags.
  bool short_n = cmd.options_usage == nullptr &&
                 std::none_of(cmd.flags.begin(), cmd.flags.end(),
                              [](const FlagDef& f) { return f.short_name == 'n'; });
  out += "\n" + cmd.note + KubectlFlagsHelp(short_n);
  return out;
}

int Help(const Command& cmd, const CliEnvironment& env) {
  *env.out << CommandUsage(cmd);
  return 0;
}

// What Slurm would print for a refused write. The admission webhook words its denials as Slurm
// does and the API server wraps them ("admission webhook \"validate.jobs.fairway.dev\" denied the
// request: Access/permission denied"), so the Slurm text is what follows the wrapper; an RBAC
// refusal (403) is Slurm's "Access/permission denied", with the API server's words kept for the
// administrator.
std::string SlurmErrorText(const Status& st) {
  constexpr std::string_view kDenied = "denied the request: ";
  const std::string& m = st.message();
  if (size_t at = m.find(kDenied); at != std::string::npos) return m.substr(at + kDenied.size());
  if (st.code() == StatusCode::kPermissionDenied) return "Access/permission denied (" + m + ")";
  return st.ToString();
}

// sbatch's words for a refused submission. A submit limit's refusal (webhook/submit_limits.h:
// "Job violates accounting/QOS policy (...) (AssocMaxSubmitJobLimit: ...)") is printed as
// Slurm prints it, the limit's reason on a line of its own first:
//   sbatch: error: AssocMaxSubmitJobLimit
//   sbatch: error: Batch job submission failed: Job violates accounting/QOS policy (...)
std::string SubmissionFailure(const std::string& slurm_text) {
  constexpr std::string_view kPolicy =
      "Job violates accounting/QOS policy (job submit limit, user's size and/or time limits) (";
  std::string failed = "Batch job submission failed: " + slurm_text;
  if (slurm_text.rfind(kPolicy, 0) != 0) return failed;
  const size_t colon = slurm_text.find(':', kPolicy.size());
  if (colon == std::string::npos) return failed;
  return slurm_text.substr(kPolicy.size(), colon - kPolicy.size()) + "\n" + failed;
}

StatusOr<std::vector<api::JobObject>> ListJobs(Session& s, std::vector<json>* raw = nullptr) {
  return ListDecoded<api::JobObject>(
      *s.client, kube::ResourceRef::FairwayJobs(), s.namespace_name,
      [](const json& j) { return api::JobFromJson(j); }, raw);
}

int Squeue(const Command& cmd, const std::vector<std::string>& argv, const CliEnvironment& env) {
  auto args = ParseArgs(argv, cmd.flags);
  if (!args.ok()) return Fail(env, "squeue", args.status().message());
  if (args->Has("help")) return Help(cmd, env);
  auto s = Connect(env, *args);
  if (!s.ok()) return Fail(env, "squeue", s.status().ToString());
  auto filter = FilterFromArgs(*args, *s);
  if (!filter.ok()) return Fail(env, "squeue", filter.status().message());
  auto jobs = ListJobs(*s);
  if (!jobs.ok()) return Fail(env, "squeue", jobs.status().ToString());
  bool explicit_states = !filter->states.empty() || !filter->job_ids.empty();
  std::vector<JobRow> rows = BuildJobRows(*jobs, s->now, explicit_states);
  if (!filter->job_ids.empty() && filter->states.empty()) {
    // squeue -j shows the named jobs in any state still known.
  }
  std::vector<JobRow> kept;
  for (const JobRow& r : rows) {
    if (!MatchesFilter(r, *filter)) continue;
    if (args->Has("start") && r.state != core::JobState::kPending) continue;
    kept.push_back(r);
  }
  std::string output = args->Get("format");
  if (args->Has("json")) output = "json";
  if (args->Has("yaml")) output = "yaml";
  if (PrintDocument(output, SqueueJson(kept), *env.out)) return 0;
  std::string format(kSqueueDefaultFormat);
  std::string prefix;
  if (args->Has("start")) {
    format = std::string(kSqueueStartFormat);
    SortByStart(&kept);
  } else {
    SortSqueue(&kept);
  }
  if (args->Has("long")) {
    format = std::string(kSqueueLongFormat);
    prefix = FormatTimestamp(s->now) + "\n";
  }
  if (!output.empty()) format = output;
  auto text = RenderSqueue(kept, format, !args->Has("noheader"), s->now);
  if (!text.ok()) return Fail(env, "squeue", text.status().message());
  *env.out << prefix << *text;
  return 0;
}

int Sinfo(const Command& cmd, const std::vector<std::string>& argv, const CliEnvironment& env) {
  auto args = ParseArgs(argv, cmd.flags);
  if (!args.ok()) return Fail(env, "sinfo", args.status().message());
  if (args->Has("help")) return Help(cmd, env);
  auto s = Connect(env, *args);
  if (!s.ok()) return Fail(env, "sinfo", s.status().ToString());
  std::vector<json> raw_parts;
  auto parts = ListDecoded<api::PartitionObject>(
      *s->client, kube::ResourceRef::FairwayPartitions(), "",
      [](const json& j) { return api::PartitionFromJson(j); }, &raw_parts);
  if (!parts.ok()) return Fail(env, "sinfo", parts.status().ToString());
  auto nodes = s->client->List(kube::ResourceRef::Nodes(), "");
  if (!nodes.ok()) return Fail(env, "sinfo", nodes.status().ToString());
  kube::ListOptions pod_opts;
  pod_opts.field_selector = "status.phase!=Succeeded,status.phase!=Failed";
  auto pods = s->client->List(kube::ResourceRef::Pods(), "", pod_opts);
  if (!pods.ok()) {
    pods = s->client->List(kube::ResourceRef::Pods(), "");  // servers without field selectors
    if (!pods.ok()) return Fail(env, "sinfo", pods.status().ToString());
  }
  std::string output = args->Get("format");
  if (args->Has("json")) output = "json";
  if (args->Has("yaml")) output = "yaml";
  if (PrintStructured(output, raw_parts, *env.out)) return 0;
  SinfoOptions o;
  o.node_oriented = args->Has("Node");
  o.format = output;
  if (o.format.empty() && args->Has("long")) {
    o.format = o.node_oriented ? "%#N %.6D %#P %.11T %.4c %.8m %.10G %.10g %f"
                               : "%#P %.5a %.10l %.6D %.11T %.12G %.10g %N";
  }
  o.header = !args->Has("noheader");
  o.partitions = args->List("partition");
  o.states = args->List("states");
  for (std::string& st : o.states) st = Lower(st);
  auto text = RenderSinfo(*parts, BuildNodeInfos(nodes->items, pods->items), o);
  if (!text.ok()) return Fail(env, "sinfo", text.status().message());
  if (args->Has("long")) *env.out << FormatTimestamp(s->now) << "\n";
  *env.out << *text;
  return 0;
}

// ---- sbatch --------------------------------------------------------------------------------

std::string RandomSuffix() {
  static const char kChars[] = "bcdfghjklmnpqrstvwxz2456789";
  std::random_device rd;
  std::mt19937 gen(rd());
  std::uniform_int_distribution<size_t> d(0, sizeof(kChars) - 2);
  std::string s;
  for (int i = 0; i < 5; ++i) s += kChars[d(gen)];
  return s;
}

// sbatch --test-only: the plan for the Job sbatch would create, printed as Slurm prints it (on
// stderr, nothing on stdout), with the caller as its user. Nothing is written.
int SbatchTestOnly(const CliEnvironment& env, Session& s, const SbatchOptions& opts) {
  if (!env.test_only) return Fail(env, "sbatch", "--test-only is not available in this build");
  JobManifestInput in;
  in.name = opts.job_name.empty() ? "test-only" : opts.job_name;
  in.namespace_name = s.default_namespace;
  in.config_map = in.name + "-script";
  auto manifest = BuildJobManifest(opts, in);
  if (!manifest.ok()) return Fail(env, "sbatch", manifest.status().message());
  StatusOr<kube::AuthenticatedUser> me = kube::WhoAmI(*s.client);
  if (!me.ok()) return Fail(env, "sbatch", "--test-only: " + me.status().message());
  (*manifest)["spec"]["user"] = me->username;
  (*manifest)["spec"]["groups"] = me->groups;
  StatusOr<TestOnlyAnswer> plan = env.test_only(*s.client, *manifest, s.now);
  if (!plan.ok()) {
    const Status& st = plan.status();
    if (st.code() == StatusCode::kPermissionDenied) {
      // The plan needs the operator's view; RBAC for plain users (fairway-user) gives less.
      return Fail(env, "sbatch",
                  "--test-only plans on this machine over the whole cluster: it needs to list "
                  "nodes, pods and fairway.dev Jobs in all namespaces, Partitions, Accounts and "
                  "QoS, which your user may not (" +
                      st.message() +
                      ")\nsubmit the job and read `kubectl fairway squeue --start` instead, or "
                      "ask an administrator");
    }
    return Fail(env, "sbatch",
                st.code() == StatusCode::kFailedPrecondition ? st.message() : SlurmErrorText(st));
  }
  *env.err << "sbatch: Job " << plan->job_id << " to start at " << FormatTimestamp(plan->start)
           << " using " << plan->cpus << " processors"
           << (plan->nodes.empty() ? "" : " on nodes " + plan->nodes) << " in partition "
           << plan->partition << "\n";
  return 0;
}

int Sbatch(const Command& cmd, const std::vector<std::string>& argv, const CliEnvironment& env) {
  // Split kubectl flags (up to the script path) from sbatch options. Inside sbatch Slurm's short
  // options win: -n is --ntasks, so the namespace is only --namespace.
  std::vector<std::string> kube_args, sbatch_args;
  bool script_seen = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (script_seen) {
      sbatch_args.push_back(a);
      continue;
    }
    auto is = [&](const char* l, const char* s = nullptr) {
      return a == l || (s != nullptr && a == s) || a.rfind(std::string(l) + "=", 0) == 0;
    };
    if (is("--kubeconfig") || is("--context") || is("--namespace") || is("--request-timeout")) {
      kube_args.push_back(a);
      if (a.find('=') == std::string::npos && i + 1 < argv.size()) kube_args.push_back(argv[++i]);
      continue;
    }
    if (a == "-h" || a == "--help") return Help(cmd, env);
    sbatch_args.push_back(a);
    if (a.size() > 1 && a[0] == '-') {
      // An option value that follows as its own token is not the script.
      if (SbatchOptionTakesValue(a) && i + 1 < argv.size()) sbatch_args.push_back(argv[++i]);
    } else {
      script_seen = true;
    }
  }
  auto kargs = ParseArgs(kube_args, {});
  if (!kargs.ok()) return Fail(env, "sbatch", kargs.status().message());

  SbatchOptions cli;
  if (Status st = ApplySbatchArgs(sbatch_args, "", true, &cli); !st.ok()) {
    return Fail(env, "sbatch", st.message());
  }
  std::string script_path = cli.positional.empty() ? "" : cli.positional.front();
  std::string script;
  if (cli.wrap.has_value()) {
    if (!cli.positional.empty()) {
      return Fail(env, "sbatch", "Script arguments not permitted with --wrap option");
    }
    script = WrapScript(*cli.wrap);
  } else if (script_path.empty() || script_path == "-") {
    if (env.in == nullptr) return Fail(env, "sbatch", "no batch script given");
    std::stringstream ss;
    ss << env.in->rdbuf();
    script = ss.str();
  } else {
    std::ifstream f(script_path, std::ios::binary);
    if (!f) return Fail(env, "sbatch", "Unable to open file " + script_path);
    std::stringstream ss;
    ss << f.rdbuf();
    script = ss.str();
  }
  SbatchOptions opts;
  if (Status st = ParseSbatchScript(script, &opts); !st.ok()) {
    return Fail(env, "sbatch", st.message());
  }
  opts.notes.clear();
  SbatchOptions merged = opts;
  if (Status st = ApplySbatchArgs(sbatch_args, "", true, &merged); !st.ok()) {
    return Fail(env, "sbatch", st.message());
  }
  // Notes from both sources, once each.
  SbatchOptions notes_only;
  (void)ParseSbatchScript(script, &notes_only);
  std::vector<std::string> notes = notes_only.notes;
  notes.insert(notes.end(), cli.notes.begin(), cli.notes.end());
  for (const std::string& n : notes) *env.err << n << "\n";

  core::Timestamp now = std::chrono::time_point_cast<core::Seconds>(env.clock->Now());
  if (Status st = ValidateSbatchOptions(merged, now); !st.ok()) {
    return Fail(env, "sbatch", st.message());
  }
  auto s = Connect(env, *kargs);
  if (!s.ok()) return Fail(env, "sbatch", s.status().ToString());
  std::string ns = s->default_namespace;

  if (merged.test_only) return SbatchTestOnly(env, *s, merged);
  std::string first_line = script.substr(0, script.find('\n'));
  JobManifestInput in;
  in.namespace_name = ns;
  in.interpreter = first_line.size() > 2 ? first_line.substr(2) : "/bin/sh";
  in.script_args.assign(merged.positional.begin() + (merged.positional.empty() ? 0 : 1),
                        merged.positional.end());
  bool named = !merged.job_name.empty();
  // Slurm's default job name: "wrap" for --wrap, the script's file name, "sbatch" for stdin.
  std::string base = named                                       ? DnsLabelFrom(merged.job_name)
                     : cli.wrap.has_value()                      ? "wrap"
                     : script_path.empty() || script_path == "-" ? "sbatch"
                                                                 : JobNameFromScript(script_path);
  // -J NAME (spec.jobName) also names the object when NAME is a DNS-1123 label not yet taken;
  // otherwise, as for repeated names (which Slurm allows), the object gets a random suffix.
  bool exact = named && IsDnsLabel(merged.job_name);
  StatusOr<json> created = UnavailableError("not attempted");
  std::string cm_name;
  const bool text = IsUtf8Text(script);
  for (int attempt = 0; attempt < 5; ++attempt) {
    in.name = exact && attempt == 0 ? base : base + "-" + RandomSuffix();
    cm_name = in.name + "-script";
    in.config_map = cm_name;
    json cm = {
        {"apiVersion", "v1"},
        {"kind", "ConfigMap"},
        {"metadata",
         {{"name", cm_name},
          {"namespace", ns},
          {"labels",
           {{"app.kubernetes.io/created-by", "kubectl-fairway"}, {"fairway.dev/job", in.name}}}}},
        // A script that is not UTF-8 text (Slurm runs those too) goes into binaryData.
        {text ? "data" : "binaryData", {{"script", text ? script : Base64Encode(script)}}}};
    auto cm_created = s->client->Create(kube::ResourceRef{"", "v1", "configmaps", true}, ns, cm);
    if (!cm_created.ok() && cm_created.status().code() != StatusCode::kAlreadyExists) {
      return Fail(env, "sbatch",
                  "creating ConfigMap " + cm_name + ": " + cm_created.status().ToString());
    }
    if (!cm_created.ok()) continue;  // name taken: try another suffix
    auto manifest = BuildJobManifest(merged, in);
    if (!manifest.ok()) return Fail(env, "sbatch", manifest.status().message());
    created = s->client->Create(kube::ResourceRef::FairwayJobs(), ns, *manifest);
    if (created.ok()) break;
    if (cm_created.ok()) {
      (void)s->client->Delete(kube::ResourceRef{"", "v1", "configmaps", true}, ns, cm_name);
    }
    if (created.status().code() != StatusCode::kAlreadyExists) break;
  }
  if (!created.ok()) {
    if (created.status().code() == StatusCode::kAlreadyExists) {
      return Fail(env, "sbatch", "a Job named " + in.name + " already exists in namespace " + ns);
    }
    return Fail(env, "sbatch", SubmissionFailure(SlurmErrorText(created.status())));
  }
  // The ConfigMap goes away with the Job.
  json owner = {
      {"metadata",
       {{"ownerReferences", json::array({{{"apiVersion", "fairway.dev/v1alpha1"},
                                          {"kind", "Job"},
                                          {"name", in.name},
                                          {"uid", (*created)["metadata"].value("uid", "")}}})}}}};
  (void)s->client->Patch(kube::ResourceRef{"", "v1", "configmaps", true}, ns, cm_name,
                         kube::PatchType::kMerge, owner);

  // Wait for the operator to assign the jobID.
  uint64_t job_id = 0;
  auto deadline = std::chrono::steady_clock::now() + env.sbatch_wait;
  while (true) {
    auto got = s->client->Get(kube::ResourceRef::FairwayJobs(), ns, in.name);
    if (got.ok()) {
      const json& st = (*got)["status"];
      if (st.is_object() && st.contains("jobID") && st["jobID"].is_number_unsigned()) {
        job_id = st["jobID"].get<uint64_t>();
      } else if (st.is_object() && st.contains("jobID") && st["jobID"].is_number_integer()) {
        job_id = static_cast<uint64_t>(st["jobID"].get<int64_t>());
      }
    }
    if (job_id != 0 || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (job_id == 0) {
    *env.err << "sbatch: warning: no jobID assigned yet (is the Fairway operator running?); "
             << "the job is " << ns << "/" << in.name << "\n";
    *env.out << (merged.parsable ? in.name : "Submitted batch job " + ns + "/" + in.name) << "\n";
    return 0;
  }
  if (merged.parsable) {
    *env.out << job_id << "\n";
  } else {
    *env.out << "Submitted batch job " << job_id << "\n";
  }
  return 0;
}

// ---- job control ---------------------------------------------------------------------------

enum class Action { kCancel, kHold, kRelease, kRequeue, kRequeueHold };

struct Target {
  const api::JobObject* job = nullptr;
  std::optional<std::set<uint32_t>> tasks;  // array tasks were named ("123_4", "123_[1-3]")
  std::string ref;                          // as the user wrote it
};

// Splits a job list at commas outside brackets: "12,20_[1,3]" -> "12", "20_[1,3]".
std::vector<std::string> SplitJobRefs(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '[') ++depth;
    if (c == ']' && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// The task part of "123_4" / "123_[1-3,7]"; nullopt if it is not a valid index list.
std::optional<std::set<uint32_t>> ParseTaskPart(const std::string& part) {
  std::string list = part;
  if (list.size() >= 2 && list.front() == '[' && list.back() == ']') {
    list = list.substr(1, list.size() - 2);
  } else if (list.empty() || !std::all_of(list.begin(), list.end(), ::isdigit)) {
    return std::nullopt;
  }
  auto v = api::ParseTaskIndexList(list);
  if (!v.ok() || v->empty()) return std::nullopt;
  return *v;
}

// Resolves "123", "123_4", a task's own id, or a Job name.
std::vector<Target> Resolve(const std::vector<api::JobObject>& jobs, const std::string& ref) {
  std::vector<Target> out;
  size_t us = ref.find('_');
  std::string id = ref.substr(0, us);
  bool numeric = !id.empty() && std::all_of(id.begin(), id.end(), ::isdigit);
  for (const api::JobObject& j : jobs) {
    if (numeric) {
      uint64_t n = std::strtoull(id.c_str(), nullptr, 10);
      if (j.status.job_id == n && n != 0) {
        Target t{&j, std::nullopt, ref};
        if (us != std::string::npos) {
          t.tasks = ParseTaskPart(ref.substr(us + 1));
          if (!t.tasks.has_value()) continue;
        }
        out.push_back(t);
        continue;
      }
      if (us == std::string::npos && j.status.array.has_value()) {
        for (const api::ArrayTaskRecord& r : j.status.array->tasks) {
          if (r.job_id == n && n != 0 && r.job_id != j.status.job_id) {
            out.push_back({&j, std::set<uint32_t>{r.index}, ref});
          }
        }
      }
    } else if (j.meta.name == ref) {
      out.push_back({&j, std::nullopt, ref});
    }
  }
  return out;
}

std::string ActionVerb(Action a) {
  switch (a) {
    case Action::kCancel:
      return "scancel";
    case Action::kHold:
      return "hold";
    case Action::kRelease:
      return "release";
    case Action::kRequeue:
      return "requeue";
    case Action::kRequeueHold:
      return "requeuehold";
  }
  return "";
}

// Per-task actions on an array (controllers/names.h): the listed indices are merged into the
// Job's fairway.dev/<action>-tasks annotation.
Status ApplyTasks(kube::ApiClient& client, const Target& t, Action action) {
  const api::JobObject& job = *t.job;
  const std::string label = t.ref;
  core::JobState state = job.status.state.value_or(core::JobState::kPending);
  auto spec = api::ParseArraySpec(job.spec.array, api::kMaxMaxArraySize);
  if (!spec.ok()) return FailedPreconditionError("Invalid job id specified: " + label);
  for (uint32_t i : *t.tasks) {
    if (!spec->Contains(i)) return NotFoundError("Invalid job id specified: " + label);
  }
  auto list = [&](const char* name) -> std::set<uint32_t> {
    auto it = job.meta.annotations.find(name);
    if (it == job.meta.annotations.end()) return {};
    auto v = api::ParseTaskIndexList(it->second);
    return v.ok() ? *v : std::set<uint32_t>{};
  };
  auto value = [](const std::set<uint32_t>& v) {
    return v.empty() ? json(nullptr) : json(api::FormatTaskIndexList(v));
  };
  // Task states as the status records them (absent = PENDING).
  std::map<uint32_t, core::JobState> states;
  if (job.status.array.has_value()) {
    for (const auto& [st, text] : job.status.array->indices) {
      if (st == core::JobState::kPending) continue;
      auto v = api::ParseTaskIndexList(text);
      if (v.ok())
        for (uint32_t i : *v) states[i] = st;
    }
    for (const api::ArrayTaskRecord& r : job.status.array->tasks) states[r.index] = r.state;
  }
  auto state_of = [&](uint32_t i) {
    auto it = states.find(i);
    return it == states.end() ? core::JobState::kPending : it->second;
  };
  json ann = json::object();
  switch (action) {
    case Action::kCancel: {
      if (core::IsTerminal(state)) {
        return FailedPreconditionError("Kill job error on job id " + label +
                                       ": Job/step already completing or completed");
      }
      std::set<uint32_t> live;
      for (uint32_t i : *t.tasks) {
        if (!core::IsTerminal(state_of(i))) live.insert(i);
      }
      if (live.empty()) {
        return FailedPreconditionError("Kill job error on job id " + label +
                                       ": Job/step already completing or completed");
      }
      ann["fairway.dev/cancel-tasks"] =
          value(api::UnionIndices(list("fairway.dev/cancel-tasks"), live));
      break;
    }
    case Action::kHold: {
      if (core::IsTerminal(state)) {
        return FailedPreconditionError("Job has already finished for job " + label);
      }
      ann["fairway.dev/hold-tasks"] =
          value(api::UnionIndices(list("fairway.dev/hold-tasks"), *t.tasks));
      std::set<uint32_t> release = list("fairway.dev/release-tasks");
      if (job.meta.annotations.count("fairway.dev/release-tasks") > 0) {
        ann["fairway.dev/release-tasks"] = value(api::MinusIndices(release, *t.tasks));
      }
      break;
    }
    case Action::kRelease: {
      if (core::IsTerminal(state)) {
        return FailedPreconditionError("Job has already finished for job " + label);
      }
      // As for whole jobs (Apply): releasing a task that is not held does nothing.
      const std::set<uint32_t> held =
          api::MinusIndices(list("fairway.dev/hold-tasks"), list("fairway.dev/release-tasks"));
      std::set<uint32_t> release;
      std::set_intersection(held.begin(), held.end(), t.tasks->begin(), t.tasks->end(),
                            std::inserter(release, release.end()));
      if (release.empty()) return OkStatus();
      ann["fairway.dev/release-tasks"] =
          value(api::UnionIndices(list("fairway.dev/release-tasks"), release));
      break;
    }
    case Action::kRequeue: {
      for (uint32_t i : *t.tasks) {
        if (state_of(i) != core::JobState::kRunning) {
          return FailedPreconditionError(
              "Job " + std::to_string(job.status.job_id) + "_" + std::to_string(i) + " is " +
              std::string(core::JobStateName(state_of(i))) + "; only running jobs can be requeued");
        }
      }
      ann["fairway.dev/requeue-tasks"] =
          value(api::UnionIndices(list("fairway.dev/requeue-tasks"), *t.tasks));
      break;
    }
    case Action::kRequeueHold:
      return FailedPreconditionError("Job " + label +
                                     ": requeuehold applies to whole jobs only; use requeue and "
                                     "hold on the task");
  }
  json patch = {
      {"metadata", {{"annotations", ann}, {"resourceVersion", job.meta.resource_version}}}};
  return client
      .Patch(kube::ResourceRef::FairwayJobs(), job.meta.namespace_name, job.meta.name,
             kube::PatchType::kMerge, patch)
      .status();
}

Status Apply(kube::ApiClient& client, const api::JobObject& job, Action action, core::Timestamp now,
             const std::string& token) {
  const std::string label = std::to_string(job.status.job_id);
  core::JobState state = job.status.state.value_or(core::JobState::kPending);
  json patch;
  switch (action) {
    case Action::kCancel:
      if (core::IsTerminal(state)) {
        return FailedPreconditionError("Kill job error on job id " + label +
                                       ": Job/step already completing or completed");
      }
      patch = {{"metadata", {{"annotations", {{"fairway.dev/cancel", api::FormatRfc3339(now)}}}}}};
      break;
    case Action::kHold:
    case Action::kRelease:
      // Slurm 22.05 holds a running job (it keeps running; held if it is requeued) and
      // releases a job that is not held, both silently; only a finished job is refused
      // (tests/testdata/slurm/scontrol_hold.txt).
      if (core::IsTerminal(state)) {
        return FailedPreconditionError("Job has already finished for job " + label);
      }
      if (action == Action::kRelease && !job.spec.hold) return OkStatus();
      patch = {{"spec", {{"hold", action == Action::kHold}}}};
      break;
    case Action::kRequeue:
    case Action::kRequeueHold:
      if (!job.spec.array.empty()) {
        return FailedPreconditionError("Job " + label +
                                       " is a job array; Fairway requeues single jobs only");
      }
      if (state != core::JobState::kRunning) {
        return FailedPreconditionError("Job " + label + " is " +
                                       std::string(core::JobStateName(state)) +
                                       "; only running jobs can be requeued");
      }
      patch = {{"metadata",
                {{"annotations",
                  {{action == Action::kRequeue ? "fairway.dev/requeue" : "fairway.dev/requeue-hold",
                    token}}}}}};
      break;
  }
  return client
      .Patch(kube::ResourceRef::FairwayJobs(), job.meta.namespace_name, job.meta.name,
             kube::PatchType::kMerge, patch)
      .status();
}

int Control(Action action, const Command& command, const std::vector<std::string>& argv,
            const CliEnvironment& env) {
  const std::string cmd = ActionVerb(action);
  auto args = ParseArgs(argv, command.flags);
  if (!args.ok()) return Fail(env, cmd, args.status().message());
  if (args->Has("help")) return Help(command, env);
  auto s = Connect(env, *args);
  if (!s.ok()) return Fail(env, cmd, s.status().ToString());
  auto jobs = ListJobs(*s);
  if (!jobs.ok()) return Fail(env, cmd, jobs.status().ToString());

  std::vector<Target> targets;
  int rc = 0;
  std::vector<std::string> refs;
  for (const std::string& p : args->positional) {
    for (const std::string& r : SplitJobRefs(p)) refs.push_back(r);
  }
  if (refs.empty()) {
    bool any_filter = false;
    for (const FlagDef& f : kJobFilterFlags) any_filter = any_filter || args->Has(f.long_name);
    if (action != Action::kCancel || !any_filter) {
      return Fail(env, cmd, "No job identification provided");
    }
    auto filter = FilterFromArgs(*args, *s);
    if (!filter.ok()) return Fail(env, cmd, filter.status().message());
    std::set<std::string> seen;
    for (const JobRow& r : BuildJobRows(*jobs, s->now, false)) {
      if (!MatchesFilter(r, *filter)) continue;
      for (const api::JobObject& j : *jobs) {
        if (j.meta.name == r.name && j.meta.namespace_name == r.namespace_name &&
            seen.insert(j.meta.Key()).second) {
          targets.push_back({&j, std::nullopt, std::to_string(j.status.job_id)});
        }
      }
    }
  }
  for (const std::string& ref : refs) {
    std::vector<Target> found = Resolve(*jobs, ref);
    if (found.empty()) {
      *env.err << cmd << ": error: Invalid job id specified: " << ref << "\n";
      rc = 1;
      continue;
    }
    if (found.size() > 1) {
      *env.err << cmd << ": error: " << ref << " names " << found.size()
               << " jobs in different namespaces; use -n NAMESPACE\n";
      rc = 1;
      continue;
    }
    const Target& t = found.front();
    if (t.tasks.has_value() && t.job->spec.array.empty()) {
      *env.err << cmd << ": error: Invalid job id specified: " << ref << "\n";
      rc = 1;
      continue;
    }
    targets.push_back(t);
  }
  // Task lists naming the same array go into one patch (one read-modify-write per Job).
  std::vector<Target> merged;
  for (const Target& t : targets) {
    auto same = std::find_if(merged.begin(), merged.end(), [&](const Target& m) {
      return m.job == t.job && m.tasks.has_value() && t.tasks.has_value();
    });
    if (same == merged.end()) {
      merged.push_back(t);
    } else {
      same->tasks->insert(t.tasks->begin(), t.tasks->end());
      same->ref += "," + t.ref;
    }
  }
  targets = std::move(merged);
  std::string token = api::FormatRfc3339(s->now) + "-" + RandomSuffix();
  for (const Target& t : targets) {
    Status st = t.tasks.has_value() ? ApplyTasks(*s->client, t, action)
                                    : Apply(*s->client, *t.job, action, s->now, token);
    if (st.ok()) continue;
    rc = 1;
    if (st.code() == StatusCode::kFailedPrecondition || st.code() == StatusCode::kNotFound) {
      *env.err << cmd << ": error: " << st.message() << "\n";  // already in Slurm's words
    } else if (action == Action::kCancel) {
      *env.err << cmd << ": error: Kill job error on job id " << t.ref << ": " << SlurmErrorText(st)
               << "\n";
    } else {
      *env.err << cmd << ": error: Job " << t.ref << ": " << SlurmErrorText(st) << "\n";
    }
  }
  return rc;
}

// ---- reports -------------------------------------------------------------------------------

int Sprio(const Command& cmd, const std::vector<std::string>& argv, const CliEnvironment& env) {
  auto args = ParseArgs(argv, cmd.flags);
  if (!args.ok()) return Fail(env, "sprio", args.status().message());
  if (args->Has("help")) return Help(cmd, env);
  auto s = Connect(env, *args);
  if (!s.ok()) return Fail(env, "sprio", s.status().ToString());
  auto filter = FilterFromArgs(*args, *s);
  if (!filter.ok()) return Fail(env, "sprio", filter.status().message());
  auto jobs = ListJobs(*s);
  if (!jobs.ok()) return Fail(env, "sprio", jobs.status().ToString());
  std::vector<json> items;
  for (const api::JobObject& j : *jobs) {
    if (j.status.state.value_or(core::JobState::kPending) != core::JobState::kPending) continue;
    items.push_back({{"jobID", j.status.job_id},
                     {"namespace", j.meta.namespace_name},
                     {"name", j.meta.name},
                     {"priority", j.status.priority.value_or(0)},
                     {"priorityFactors",
                      j.status.priority_factors
                          ? json(api::ToJson(j.status).value("priorityFactors", json::object()))
                          : json::object()}});
  }
  if (PrintStructured(args->Get("output"), items, *env.out)) return 0;
  *env.out << RenderSprio(*jobs, *filter, !args->Has("noheader"));
  return 0;
}

int Sshare(const Command& cmd, const std::vector<std::string>& argv, const CliEnvironment& env) {
  auto args = ParseArgs(argv, cmd.flags);
  if (!args.ok()) return Fail(env, "sshare", args.status().message());
  if (args->Has("help")) return Help(cmd, env);
  auto s = Connect(env, *args);
  if (!s.ok()) return Fail(env, "sshare", s.status().ToString());
  std::vector<json> raw;
  auto accounts = ListDecoded<api::AccountObject>(
      *s->client, kube::ResourceRef::FairwayAccounts(), "",
      [](const json& j) { return api::AccountFromJson(j); }, &raw);
  if (!accounts.ok()) return Fail(env, "sshare", accounts.status().ToString());
  if (PrintStructured(args->Get("output"), raw, *env.out)) return 0;
  SshareOptions o;
  for (const std::string& a : args->List("accounts")) o.accounts.insert(a);
  for (const std::string& u : args->List("users")) o.users.insert(u);
  o.long_format = args->Has("long");
  o.header = !args->Has("noheader");
  *env.out << RenderSshare(*accounts, o);
  return 0;
}

// sacct's local time zone (the offset of `now`), for -S/-E as the user writes them.
int LocalUtcOffset(core::Timestamp now) {
  std::time_t t = static_cast<std::time_t>(now.time_since_epoch().count());
  std::tm tm{};
  localtime_r(&t, &tm);
  return static_cast<int>(tm.tm_gmtoff);
}

// The rows sacct selects: live Jobs and the history's records, filtered and ordered by job id.
StatusOr<std::vector<JobRow>> SacctRows(Session& s, const JobFilter& filter,
                                        const SacctWindow& window, const CliEnvironment& env) {
  FAIRWAY_ASSIGN_OR_RETURN(std::vector<api::JobObject> jobs, ListJobs(s));
  // Records of Jobs that ended before the window cannot be selected: list from its start.
  std::optional<core::Timestamp> since;
  if (window.start > core::Timestamp{}) since = window.start;
  StatusOr<std::vector<api::JobObject>> records =
      ListJobRecords(*s.client, s.namespace_name, since, s.now);
  if (records.ok()) {
    jobs = MergeJobHistory(std::move(jobs), *records);
  } else {
    *env.err << "sacct: warning: job history not read (" << SlurmErrorText(records.status())
             << "); showing existing Jobs only\n";
  }
  std::vector<JobRow> rows;
  for (JobRow& r : BuildJobRows(jobs, s.now, true)) {
    if (MatchesFilter(r, filter) && SacctSelects(r, window)) rows.push_back(std::move(r));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const JobRow& a, const JobRow& b) {
    return std::make_tuple(a.array_id != 0 ? a.array_id : a.job_id, a.task_index.value_or(0)) <
           std::make_tuple(b.array_id != 0 ? b.array_id : b.job_id, b.task_index.value_or(0));
  });
  return rows;
}

int Sacct(const Command& cmd, const std::vector<std::string>& argv, const CliEnvironment& env) {
  auto args = ParseArgs(argv, cmd.flags);
  if (!args.ok()) return Fail(env, "sacct", args.status().message());
  if (args->Has("help")) return Help(cmd, env);
  const std::string format = args->Get("format", std::string(kSacctDefaultFormat));
  const bool structured = format == "json" || format == "yaml";
  auto columns = ParseSacctFormat(structured ? kSacctDefaultFormat : format);
  if (!columns.ok()) return Fail(env, "sacct", columns.status().message());
  SacctWindowInput in;
  if (args->Has("state")) {
    auto st = ParseStateList(args->Get("state"));
    if (!st.ok()) return Fail(env, "sacct", st.status().message());
    in.states = *st;
  }
  if (args->Has("starttime")) in.start_text = args->Get("starttime");
  if (args->Has("endtime")) in.end_text = args->Get("endtime");
  in.job_ids = args->Has("jobs");
  in.now = std::chrono::time_point_cast<core::Seconds>(env.clock->Now());
  in.utc_offset_s = LocalUtcOffset(in.now);
  auto window = MakeSacctWindow(in);
  if (!window.ok()) {
    *env.err << window.status().message() << "\n";  // Slurm prints it bare
    return 1;
  }
  auto s = Connect(env, *args);
  if (!s.ok()) return Fail(env, "sacct", s.status().ToString());
  auto filter = FilterFromArgs(*args, *s);
  if (!filter.ok()) return Fail(env, "sacct", filter.status().message());
  auto rows = SacctRows(*s, *filter, *window, env);
  if (!rows.ok()) return Fail(env, "sacct", rows.status().ToString());
  const std::string output = args->Has("json")   ? "json"
                             : args->Has("yaml") ? "yaml"
                             : structured        ? format
                                                 : "";
  if (PrintDocument(output, SacctJson(*rows), *env.out)) return 0;
  PrintOptions print;
  print.header = !args->Has("noheader");
  if (args->Has("parsable")) print.mode = PrintMode::kParsable;
  if (args->Has("parsable2")) print.mode = PrintMode::kParsable2;
  *env.out << RenderSacct(*rows, *columns, print);
  return 0;
}

int Version(const Command& cmd, const std::vector<std::string>& argv, const CliEnvironment& env) {
  auto args = ParseArgs(argv, cmd.flags);
  if (!args.ok()) return Fail(env, "version", args.status().message());
  if (args->Has("help")) return Help(cmd, env);
  *env.out << "kubectl-fairway " << FAIRWAY_VERSION << "\n";
  return 0;
}

FlagDef Flag(std::string long_name, char short_name, std::string value_name, std::string help) {
  return {std::move(long_name), short_name, !value_name.empty(), std::move(value_name),
          std::move(help)};
}

const std::vector<Command>& Commands() {
  const FlagDef noheader = Flag("noheader", 'h', "", "no header line");
  const std::string control_synopsis = "JOB[,JOB...] ...";
  const std::string job_refs =
      "JOB is a job id (12), array tasks (12_3, 12_[1-3]), a task's own id, or a Job name.\n";
  static const std::vector<Command> commands = {
      {"squeue", "[OPTIONS]", "Pending and running jobs (other states with -t or -j).",
       With(kJobFilterFlags,
            {Flag("format", 'o', "FORMAT",
                  "a Slurm format string (%i %P %j %u %t %M %D %R ...), "
                  "or json|yaml"),
             Flag("long", 'l', "", "long format: STATE and TIME_LIMIT columns"),
             Flag("start", 0, "", "expected start times of pending jobs"), noheader,
             Flag("json", 0, "", "Slurm's squeue --json document"),
             Flag("yaml", 0, "", "the same as YAML"),
             Flag("array", 'r', "", "accepted; array tasks that started have a line each anyway"),
             Flag("sort", 'S', "FIELDS", "accepted and ignored: squeue's default order")}),
       Squeue},
      {"sinfo",
       "[OPTIONS]",
       "Partitions and the states of their nodes.",
       {Flag("format", 'o', "FORMAT",
             "a Slurm format string (%P %a %l %D %t %N ...), or "
             "json|yaml"),
        Flag("Node", 'N', "", "one line per node"), Flag("long", 'l', "", "long format"),
        Flag("partition", 'p', "PARTITIONS", "these partitions"),
        Flag("states", 't', "STATES", "nodes in these states: idle,mix,alloc,drain,down,..."),
        noheader, Flag("json", 0, "", "the Partition objects as JSON"),
        Flag("yaml", 0, "", "the Partition objects as YAML")},
       Sinfo},
      {"sbatch",
       "",
       "Submits a batch script as a Fairway Job.",
       {},
       Sbatch,
       SbatchUsage,
       "kubectl flags go before SCRIPT; -n is Slurm's --ntasks here.\n"},
      {"scancel", "[OPTIONS] [JOB...]",
       "Cancels jobs: those named, or with no JOB every job the filters match.", kJobFilterFlags,
       [](const Command& c, const std::vector<std::string>& a, const CliEnvironment& e) {
         return Control(Action::kCancel, c, a, e);
       },
       nullptr, job_refs},
      {"hold",
       control_synopsis,
       "Holds pending jobs (scontrol hold).",
       {},
       [](const Command& c, const std::vector<std::string>& a, const CliEnvironment& e) {
         return Control(Action::kHold, c, a, e);
       },
       nullptr,
       job_refs},
      {"release",
       control_synopsis,
       "Releases held jobs (scontrol release).",
       {},
       [](const Command& c, const std::vector<std::string>& a, const CliEnvironment& e) {
         return Control(Action::kRelease, c, a, e);
       },
       nullptr,
       job_refs},
      {"requeue",
       control_synopsis,
       "Requeues running jobs (scontrol requeue).",
       {},
       [](const Command& c, const std::vector<std::string>& a, const CliEnvironment& e) {
         return Control(Action::kRequeue, c, a, e);
       },
       nullptr,
       job_refs},
      {"requeuehold",
       control_synopsis,
       "Requeues running jobs and holds them (scontrol requeuehold).",
       {},
       [](const Command& c, const std::vector<std::string>& a, const CliEnvironment& e) {
         return Control(Action::kRequeueHold, c, a, e);
       },
       nullptr,
       job_refs},
      {"sprio", "[OPTIONS]", "Priority factors of pending jobs.",
       With(kJobFilterFlags, {noheader, Flag("output", 'o', "json|yaml", "structured output")}),
       Sprio},
      {"sshare",
       "[OPTIONS]",
       "The fair-share tree: accounts and their users.",
       {Flag("accounts", 'A', "ACCOUNTS", "these accounts"),
        Flag("users", 'u', "USERS", "user lines of these users only"),
        Flag("all", 'a', "", "all users (the default here)"),
        Flag("long", 'l', "", "long format: NormUsage, LevelFS, GrpTRESMins, TRESRunMins"),
        Flag("noheader", 'n', "", "no header lines"),
        Flag("output", 'o', "json|yaml", "the Account objects")},
       Sshare},
      {"sacct",
       "[OPTIONS]",
       "Jobs of a time window (default: since midnight), with finished jobs' history.",
       {Flag("account", 'A', "ACCOUNTS", "jobs of these accounts"),
        Flag("jobs", 'j', "IDS", "these jobs (any time: the window starts at the epoch)"),
        Flag("me", 0, "", "my jobs (the user the API server authenticates)"),
        Flag("name", 0, "NAMES", "jobs with these names"),
        Flag("partition", 'r', "PARTITIONS", "jobs of these partitions"),
        Flag("state", 's', "STATES",
             "jobs in these states during the window (give -S and -E): R, PD, CD, F, ..."),
        Flag("starttime", 'S', "TIME", "window start: now-7days, 2026-12-01, 08:00, ..."),
        Flag("endtime", 'E', "TIME", "window end (default now)"),
        Flag("user", 'u', "USERS", "jobs of these users"),
        Flag("allusers", 'a', "", "every user's jobs (the default here)"),
        Flag("allocations", 'X', "", "accepted: Fairway jobs have no steps"),
        Flag("noheader", 'n', "", "no header lines"),
        Flag("parsable", 'p', "", "fields separated by '|', one at the end too"),
        Flag("parsable2", 'P', "", "fields separated by '|'"),
        Flag("format", 'o', "FIELDS",
             "JobID,JobName%20,State,... (Slurm's names; see the header of sacct.h), or "
             "json|yaml"),
        Flag("json", 0, "", "Slurm's sacct --json document"),
        Flag("yaml", 0, "", "the same as YAML")},
       Sacct,
       nullptr,
       "Fields: JobID JobIDRaw JobName Partition Account User QOS AllocCPUS AllocNodes NNodes\n"
       "NodeList State ExitCode Submit Start End Elapsed ElapsedRaw Timelimit Reason Priority\n"
       "AllocTRES ReqTRES, and Fairway's AllocGPUS GPUSeconds Namespace. Jobs whose Job object\n"
       "was deleted come from the operator's job history (JobRecords).\n"},
      {"salloc",
       "",
       "Interactive session through the queue: a shell (or COMMAND) in a job's pod.",
       {},
       [](const Command& c, const std::vector<std::string>& a, const CliEnvironment& e) {
         return RunInteractive(/*srun=*/false, a, e, CommandUsage(c));
       },
       [] { return InteractiveUsage(/*srun=*/false); }},
      {"srun",
       "",
       "Runs COMMAND through the queue (a TTY with --pty); its exit code.",
       {},
       [](const Command& c, const std::vector<std::string>& a, const CliEnvironment& e) {
         return RunInteractive(/*srun=*/true, a, e, CommandUsage(c));
       },
       [] { return InteractiveUsage(/*srun=*/true); }},
      {"import-pcluster",
       "",
       "Prints Partitions, node pools and settings for a ParallelCluster config.",
       {},
       [](const Command&, const std::vector<std::string>& a, const CliEnvironment& e) {
         return RunImportPcluster(a, e);
       },
       ImportPclusterUsage},
      {"jupyter",
       "",
       "A Jupyter server through the queue, port-forwarded; prints its URL and token.",
       {},
       [](const Command& c, const std::vector<std::string>& a, const CliEnvironment& e) {
         return RunNotebook(NotebookKind::kJupyter, a, e, CommandUsage(c));
       },
       [] { return NotebookUsage(NotebookKind::kJupyter); }},
      {"code",
       "",
       "A VS Code server (code-server) through the queue, port-forwarded; prints its URL.",
       {},
       [](const Command& c, const std::vector<std::string>& a, const CliEnvironment& e) {
         return RunNotebook(NotebookKind::kCode, a, e, CommandUsage(c));
       },
       [] { return NotebookUsage(NotebookKind::kCode); }},
      {"version", "", "Prints kubectl-fairway's version.", {}, Version},
  };
  return commands;
}

const Command* FindCommand(const std::string& name) {
  for (const Command& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

std::string Usage() {
  std::string out =
      "kubectl fairway: Slurm's commands over Fairway's Job, Partition and Account objects.\n"
      "\n"
      "usage: kubectl fairway COMMAND [options]\n"
      "\n";
  for (const Command& c : Commands()) {
    out += "  " + c.name + std::string(c.name.size() < 13 ? 13 - c.name.size() : 1, ' ') + c.about +
           "\n";
  }
  out +=
      "\n"
      "'kubectl fairway COMMAND --help' shows a command's options. -A is Slurm's --account; use\n"
      "--name for Slurm's job-name filter; inside sbatch -n is --ntasks.\n" +
      KubectlFlagsHelp(true);
  return out;
}

// kubectl's connection flags may come before the command (`kubectl fairway --context bob hold
// 12`, as one writes them for kubectl itself); they are moved right behind the command name,
// where every command parses them (and before sbatch's script, after which arguments are the
// script's own).
std::vector<std::string> CommandFirst(const std::vector<std::string>& args) {
  static const std::set<std::string> kWithValue = {"--kubeconfig", "--context", "--namespace", "-n",
                                                   "--request-timeout"};
  std::vector<std::string> leading;
  size_t i = 0;
  while (i < args.size() && args[i].size() > 1 && args[i][0] == '-') {
    const std::string& a = args[i];
    const std::string name = a.substr(0, a.find('='));
    const bool takes_value = kWithValue.count(name) > 0 && a.find('=') == std::string::npos;
    if (kWithValue.count(name) == 0 && a != "--all-namespaces") break;
    leading.push_back(a);
    if (takes_value && i + 1 < args.size()) leading.push_back(args[++i]);
    ++i;
  }
  if (leading.empty() || i == args.size()) return args;
  std::vector<std::string> out = {args[i]};
  // Behind the command, a command's own short flags win (sbatch's -n is --ntasks): the
  // namespace moves as --namespace.
  for (std::string& a : leading) {
    if (a == "-n") a = "--namespace";
  }
  out.insert(out.end(), leading.begin(), leading.end());
  out.insert(out.end(), args.begin() + static_cast<long>(i) + 1, args.end());
  return out;
}

int RunKubectlFairway(const std::vector<std::string>& raw_args, const CliEnvironment& env) {
  const std::vector<std::string> args = CommandFirst(raw_args);
  if (args.empty()) {
    *env.err << Usage();
    return 1;
  }
  if (args[0] == "--help" || args[0] == "-h") {
    *env.out << Usage();
    return 0;
  }
  if (args[0] == "help") {  // `help` alone, or `help COMMAND`
    const bool named = args.size() > 1 && args[1].rfind('-', 0) != 0;
    const Command* c = named ? FindCommand(args[1]) : nullptr;
    if (named && c == nullptr) {
      *env.err << "kubectl fairway: unknown command \"" << args[1] << "\"\n\n" << Usage();
      return 1;
    }
    *env.out << (c != nullptr ? CommandUsage(*c) : Usage());
    return 0;
  }
  const std::string cmd = args[0] == "--version" ? "version" : args[0];
  const Command* c = FindCommand(cmd);
  if (c == nullptr) {
    *env.err << "kubectl fairway: unknown command \"" << cmd << "\"\n\n" << Usage();
    return 1;
  }
  return c->run(*c, std::vector<std::string>(args.begin() + 1, args.end()), env);
}

}  // namespace fairway::cli
