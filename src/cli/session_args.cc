#include "cli/session_args.h"

#include <cstdlib>
#include <utility>

#include "cli/sbatch_script.h"

namespace fairway::cli {

// "--name=value" or "--name value" at argv[*i]; advances *i past a separate value.
std::optional<std::string> FlagValue(const std::vector<std::string>& argv, size_t* i,
                                     const std::string& name) {
  const std::string& a = argv[*i];
  if (a.rfind(name + "=", 0) == 0) return a.substr(name.size() + 1);
  if (a == name && *i + 1 < argv.size()) return argv[++*i];
  return std::nullopt;
}

StatusOr<SessionArgs> ParseSessionArgs(const std::vector<std::string>& argv, bool srun) {
  SessionArgs out;
  out.pty = !srun;  // salloc's session is a terminal
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") {
      out.command.assign(argv.begin() + static_cast<long>(i) + 1, argv.end());
      break;
    }
    if (a.empty() || a[0] != '-') {  // the command starts; the rest are its arguments
      out.command.assign(argv.begin() + static_cast<long>(i), argv.end());
      break;
    }
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    if (srun && a == "--pty") {
      out.pty = true;
      continue;
    }
    bool kube = false;
    for (auto [flag, field] :
         {std::pair{"--kubeconfig", &out.kubeconfig}, std::pair{"--context", &out.context},
          std::pair{"--namespace", &out.ns},
          std::pair{"--request-timeout", &out.request_timeout}}) {
      if (std::optional<std::string> v = FlagValue(argv, &i, flag)) {
        *field = *v;
        // A request timeout would cut the session's stream: it bounds this client's calls only.
        if (field != &out.request_timeout) {
          out.kubectl_flags.push_back(std::string(flag) + "=" + *v);
        }
        kube = true;
      }
    }
    if (kube) continue;
    if (std::optional<std::string> v = FlagValue(argv, &i, "--idle-grace")) {
      char* end = nullptr;
      long long s = std::strtoll(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0' || s < 1 || s > 7 * 86400) {
        return InvalidArgumentError("--idle-grace wants seconds in [1, 604800], got \"" + *v +
                                    "\"");
      }
      out.idle_grace_s = s;
      continue;
    }
    out.sbatch.push_back(a);
    if (SbatchOptionTakesValue(a) && i + 1 < argv.size()) out.sbatch.push_back(argv[++i]);
  }
  if (srun && out.command.empty() && !out.help) {
    return InvalidArgumentError("no command given (srun --pty bash for a shell)");
  }
  return out;
}

}  // namespace fairway::cli
