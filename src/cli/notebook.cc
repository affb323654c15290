#include "cli/notebook.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "cli/kubectl_process.h"
#include "cli/sbatch_script.h"
#include "cli/session_launch.h"
#include "cli/session_script.h"

namespace fairway::cli {
namespace {

using nlohmann::json;

constexpr auto kTick = std::chrono::milliseconds(250);

struct NotebookArgs {
  std::string image, command;
  uint16_t port = 0;
  uint16_t local_port = 0;
  int64_t start_timeout_s = 600;
  SessionArgs session;
};

StatusOr<int64_t> ParseNumber(const std::string& flag, const std::string& v, int64_t lo,
                              int64_t hi) {
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < lo || n > hi) {
    return InvalidArgumentError(flag + " wants a number in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got \"" + v + "\"");
  }
  return static_cast<int64_t>(n);
}

StatusOr<NotebookArgs> ParseNotebookArgs(const std::vector<std::string>& argv) {
  NotebookArgs out;
  std::vector<std::string> rest;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--") {
      rest.insert(rest.end(), argv.begin() + static_cast<long>(i), argv.end());
      break;
    }
    if (auto v = FlagValue(argv, &i, "--image")) {
      out.image = *v;
    } else if (auto c = FlagValue(argv, &i, "--command")) {
      out.command = *c;
    } else if (auto p = FlagValue(argv, &i, "--port")) {
      StatusOr<int64_t> n = ParseNumber("--port", *p, 1, 65535);
      if (!n.ok()) return n.status();
      out.port = static_cast<uint16_t>(*n);
    } else if (auto l = FlagValue(argv, &i, "--local-port")) {
      StatusOr<int64_t> n = ParseNumber("--local-port", *l, 1, 65535);
      if (!n.ok()) return n.status();
      out.local_port = static_cast<uint16_t>(*n);
    } else if (auto t = FlagValue(argv, &i, "--start-timeout")) {
      StatusOr<int64_t> n = ParseNumber("--start-timeout", *t, 1, 86400);
      if (!n.ok()) return n.status();
      out.start_timeout_s = *n;
    } else {
      rest.push_back(argv[i]);
    }
  }
  StatusOr<SessionArgs> session = ParseSessionArgs(rest, /*srun=*/false);
  if (!session.ok()) return session.status();
  out.session = *std::move(session);
  if (!out.session.command.empty()) {
    return InvalidArgumentError("unexpected argument \"" + out.session.command[0] +
                                "\": the server's command is given with --command");
  }
  return out;
}

// The Partition the session's Job goes to (-p, else the default one); null when unknown.
json SessionPartition(kube::ApiClient& client, const SessionArgs& args) {
  SbatchOptions opts;
  if (!ApplySbatchArgs(args.sbatch, "", /*allow_positional=*/false, &opts).ok()) return nullptr;
  if (!opts.partition.empty()) {
    StatusOr<json> p = client.Get(kube::ResourceRef::FairwayPartitions(), "", opts.partition);
    return p.ok() ? *p : json(nullptr);
  }
  StatusOr<kube::ObjectList> all = client.List(kube::ResourceRef::FairwayPartitions(), "");
  if (!all.ok()) return nullptr;
  for (const json& p : all->items) {
    if (p.value("spec", json::object()).value("default", false)) return p;
  }
  return nullptr;
}

// A port on 127.0.0.1 that is free now, or 0.
uint16_t FreeLocalPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// Whether an HTTP request to 127.0.0.1:port is answered (by the server, through the forward).
bool HttpAnswers(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string req = "HEAD / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    char buf[5];
    ok = ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()) &&
         ::recv(fd, buf, sizeof(buf), MSG_WAITALL) == 5 && std::string(buf, 5) == "HTTP/";
  }
  ::close(fd);
  return ok;
}

// The running session: the server's exec and the port-forward, as kubectl children.
class Forwarding {
 public:
  Forwarding(const NotebookArgs& args, const Submitted& job, const Started& started,
             const NotebookServer& server, uint16_t local_port, const std::string& token)
      : args_(args),
        job_(job),
        pod_(started.pod),
        server_(server),
        local_port_(local_port),
        token_(token) {}

  // Runs until the server ends or `interrupt`; the exit code for the plugin.
  int Run(NotebookKind kind, const InterruptFlag& interrupt, const CliEnvironment& env);

 private:
  std::vector<std::string> Kubectl(std::initializer_list<std::string> args) const {
    std::vector<std::string> out = args_.session.kubectl_flags;
    out.push_back("--namespace=" + job_.ns);
    out.insert(out.end(), args);
    return out;
  }
  StatusOr<pid_t> StartServer() const {
    return SpawnKubectl(Kubectl({"exec", pod_, "-c", "session", "--", "/bin/sh", "-c",
                                 SessionWrapperScript(), "fairway-session", "/bin/sh", "-c",
                                 ExpandNotebookCommand(server_.command, server_.port, token_)}),
                        ChildOutput::kStderr);
  }
  StatusOr<pid_t> StartForward() const {
    return SpawnKubectl(Kubectl({"port-forward", "pod/" + pod_,
                                 std::to_string(local_port_) + ":" + std::to_string(server_.port)}),
                        ChildOutput::kDevNull);
  }

  const NotebookArgs& args_;
  const Submitted& job_;
  const std::string pod_;
  const NotebookServer server_;
  const uint16_t local_port_;
  const std::string token_;
};

int Forwarding::Run(NotebookKind kind, const InterruptFlag& interrupt, const CliEnvironment& env) {
  const std::string prog = NotebookName(kind);
  StatusOr<pid_t> server = StartServer();
  if (!server.ok()) return 127;
  pid_t forward = -1;
  bool ready = false;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(args_.start_timeout_s);
  std::optional<int> server_exit;
  for (; !interrupt.raised(); std::this_thread::sleep_for(kTick)) {
    if ((server_exit = PollChild(*server))) break;
    if (forward < 0 || PollChild(forward).has_value()) {
      StatusOr<pid_t> f = StartForward();
      forward = f.ok() ? *f : -1;
      continue;
    }
    if (!ready && HttpAnswers(local_port_)) {
      ready = true;
      *env.out << NotebookUrl(kind, local_port_, token_) << std::endl;
    }
    if (!ready && std::chrono::steady_clock::now() > deadline) {
      *env.err << prog << ": error: the server did not answer within " << args_.start_timeout_s
               << "s" << std::endl;
      break;
    }
  }
  if (forward > 0) StopChild(forward);
  if (!server_exit) StopChild(*server);
  if (interrupt.raised()) return 0;
  return server_exit.value_or(1);
}

}  // namespace

std::string NotebookUsage(NotebookKind kind) {
  const std::string name = NotebookName(kind);
  const NotebookServer d = ResolveNotebookServer(kind, "", "", 0, nullptr);
  return "Usage: kubectl fairway " + name +
         " [kubectl flags] [sbatch options] [--image=IMAGE] [--command=CMD] [--port=N]\n"
         "       [--local-port=N] [--start-timeout=SECONDS] [--idle-grace=SECONDS]\n"
         "\n"
         "Submits an interactive Job that waits in the queue like salloc, starts the server in\n"
         "its first pod, port-forwards to it and prints the local URL with the session's token\n"
         "(generated for each session). Ctrl-C ends the session and frees its GPUs.\n"
         "\n"
         "  --image          the server's image (default " +
         d.image + ",\n" + "                   or the partition's fairway.dev/" + name +
         "-image annotation)\n"
         "  --command        the server's shell command; {port} and {token} are replaced\n"
         "                   (default: " +
         d.command +
         ",\n"
         "                   or the partition's fairway.dev/" +
         name +
         "-command annotation)\n"
         "  --port           the server's port in the pod (default " +
         std::to_string(d.port) +
         ")\n"
         "  --local-port     the local port (default: a free one)\n"
         "  --start-timeout  how long the server may take to answer (default 600)\n"
         "\n"
         "sbatch options: see `kubectl fairway sbatch --help` (-p, -A, -q, -t, -N, -G, --gres, "
         "-J, ...).\n";
}

int RunNotebook(NotebookKind kind, const std::vector<std::string>& argv, const CliEnvironment& env,
                const std::string& help) {
  const std::string prog = NotebookName(kind);
  auto fail = [&](const std::string& msg) {
    *env.err << prog << ": error: " << msg << std::endl;
    return 1;
  };
  StatusOr<NotebookArgs> args = ParseNotebookArgs(argv);
  if (!args.ok()) return fail(args.status().message());
  if (args->session.help) {
    *env.out << help;
    return 0;
  }
  std::string ns;
  StatusOr<std::unique_ptr<kube::ApiClient>> client = ConnectSession(args->session, env, &ns);
  if (!client.ok()) return fail(client.status().ToString());
  const NotebookServer server = ResolveNotebookServer(kind, args->image, args->command, args->port,
                                                      SessionPartition(**client, args->session));
  const uint16_t local_port = args->local_port != 0 ? args->local_port : FreeLocalPort();
  if (local_port == 0) return fail("no free local port");
  StatusOr<Submitted> job = SubmitSession(**client, args->session, ns, server.image, env);
  if (!job.ok()) return fail("Job submit/allocate failed: " + job.status().message());
  StatusOr<Started> started = WaitForStart(**client, *job, prog, /*salloc_lines=*/true, env);
  if (!started.ok()) {
    if (started.status().code() == StatusCode::kCancelled) return 1;
    return fail(started.status().message());
  }
  *env.err << prog << ": Granted job allocation " << started->job_id << std::endl;
  InterruptFlag interrupt;
  Forwarding forwarding(*args, *job, *started, server, local_port, NewSessionToken());
  int rc = forwarding.Run(kind, interrupt, env);
  *env.err << prog << ": Relinquishing job allocation " << started->job_id << std::endl;
  // The server's exec may be gone without the wrapper recording an exit code (a hang-up): the
  // job is cancelled rather than left to the idle grace.
  CancelSession(**client, *job, prog);
  AwaitEnd(**client, *job);
  return rc;
}

}  // namespace fairway::cli
