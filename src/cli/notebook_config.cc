#include "cli/notebook_config.h"

#include <random>

namespace fairway::cli {
namespace {

struct Defaults {
  const char* image;
  const char* command;
  uint16_t port;
};

Defaults DefaultsOf(NotebookKind kind) {
  if (kind == NotebookKind::kJupyter) {
    return {"quay.io/jupyter/base-notebook",
            "jupyter lab --no-browser --ip=127.0.0.1 --port={port} --ServerApp.token={token}",
            8888};
  }
  return {"codercom/code-server",
          "PASSWORD={token} code-server --bind-addr 127.0.0.1:{port} --auth password "
          "--disable-telemetry",
          8080};
}

std::string Annotation(const nlohmann::json& partition, const std::string& key) {
  if (!partition.is_object()) return "";
  const nlohmann::json& a = partition.value("metadata", nlohmann::json::object())
                                .value("annotations", nlohmann::json::object());
  auto it = a.find(key);
  return it != a.end() && it->is_string() ? it->get<std::string>() : "";
}

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

}  // namespace

std::string NotebookName(NotebookKind kind) {
  return kind == NotebookKind::kJupyter ? "jupyter" : "code";
}

NotebookServer ResolveNotebookServer(NotebookKind kind, const std::string& image_flag,
                                     const std::string& command_flag, uint16_t port_flag,
                                     const nlohmann::json& partition) {
  const Defaults d = DefaultsOf(kind);
  const std::string prefix = "fairway.dev/" + NotebookName(kind) + "-";
  auto pick = [&](const std::string& flag, const std::string& key, const char* fallback) {
    if (!flag.empty()) return flag;
    std::string annotated = Annotation(partition, prefix + key);
    return annotated.empty() ? std::string(fallback) : annotated;
  };
  NotebookServer s;
  s.image = pick(image_flag, "image", d.image);
  s.command = pick(command_flag, "command", d.command);
  s.port = port_flag != 0 ? port_flag : d.port;
  return s;
}

std::string ExpandNotebookCommand(const std::string& command, uint16_t port,
                                  const std::string& token) {
  std::string out = command;
  ReplaceAll(&out, "{port}", std::to_string(port));
  ReplaceAll(&out, "{token}", token);
  return out;
}

std::string NewSessionToken() {
  std::random_device rd;
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 4; ++i) {
    uint32_t word = rd();
    for (int j = 0; j < 8; ++j, word >>= 4) token += kHex[word & 0xf];
  }
  return token;
}

std::string NotebookUrl(NotebookKind kind, uint16_t local_port, const std::string& token) {
  const std::string base = "http://127.0.0.1:" + std::to_string(local_port) + "/";
  if (kind == NotebookKind::kJupyter) return base + "lab?token=" + token;
  return base + " (password " + token + ")";
}

}  // namespace fairway::cli
