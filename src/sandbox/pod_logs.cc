#include "sandbox/pod_logs.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "sandbox/internal/util.h"

namespace fairway::sandbox {
namespace {

using internal::GetPath;
using internal::GetString;

// The shell words of a container's command and args, joined for display.
std::string CommandLine(const nlohmann::json& container) {
  std::string out;
  for (const char* f : {"command", "args"}) {
    for (const std::string& w : internal::GetStrings(container, f)) {
      out += (out.empty() ? "" : " ") + w;
    }
  }
  return out.empty() ? "(the image's entrypoint)" : out;
}

}  // namespace

std::string ReadLogTail(const std::string& path, std::optional<int64_t> tail_lines, uint64_t* end) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  *end = text.size();
  if (!tail_lines.has_value()) return text;
  if (*tail_lines <= 0) return "";
  // Walk back over `tail_lines` line ends; a last line without '\n' counts as a line.
  size_t pos = text.size();
  int64_t seen = 0;
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  while (pos > 0) {
    if (text[pos - 1] == '\n' && ++seen == *tail_lines) break;
    --pos;
  }
  return text.substr(pos);
}

std::string ReadLogFrom(const std::string& path, uint64_t* offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  auto size = static_cast<uint64_t>(in.tellg());
  if (size <= *offset) return "";
  in.seekg(static_cast<std::streamoff>(*offset));
  std::string out(size - *offset, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<size_t>(in.gcount()));
  *offset += out.size();
  return out;
}

std::string SimulatedLog(const nlohmann::json& pod, const std::string& container) {
  const std::string prefix = "[fairway-sim] ";
  std::string out;
  if (const nlohmann::json* cs = GetPath(pod, {"spec", "containers"}); cs && cs->is_array()) {
    for (const nlohmann::json& c : *cs) {
      if (GetString(c, {"name"}) != container) continue;
      out += prefix + "simulated container " + container + " on node " +
             GetString(pod, {"spec", "nodeName"}) + " runs: " + CommandLine(c) + "\n";
    }
  }
  if (const nlohmann::json* ss = GetPath(pod, {"status", "containerStatuses"});
      ss && ss->is_array()) {
    for (const nlohmann::json& s : *ss) {
      if (GetString(s, {"name"}) != container) continue;
      if (std::string at = GetString(s, {"state", "running", "startedAt"}); !at.empty()) {
        out += prefix + "started at " + at + "\n";
      }
      if (const nlohmann::json* t = GetPath(s, {"state", "terminated"}); t != nullptr) {
        out += prefix + "started at " + GetString(*t, {"startedAt"}) + "\n";
        out += prefix + "exited with code " + std::to_string(t->value("exitCode", 0)) + " at " +
               GetString(*t, {"finishedAt"}) + "\n";
      }
    }
  }
  return out;
}

LogFollower::LogFollower(std::string path, uint64_t offset, std::string first,
                         std::function<bool()> running)
    : path_(std::move(path)),
      running_(std::move(running)),
      offset_(offset),
      pending_(std::move(first)) {}

void LogFollower::SetWakeup(std::function<void()> /*wakeup*/) {
  // Files give no notification; the server's one-second tick polls.
}

bool LogFollower::Poll(std::string* out) {
  MutexLock lock(&mu_);
  if (closed_) return false;
  // Read the liveness before the file: output written before the exit is then still read.
  const bool alive = running_();
  *out += std::move(pending_);
  pending_.clear();
  *out += ReadLogFrom(path_, &offset_);
  return alive;
}

void LogFollower::Close() {
  MutexLock lock(&mu_);
  closed_ = true;
}

}  // namespace fairway::sandbox
