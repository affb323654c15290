// Container logs for the pods/log subresource: a log file of --run-pods (pod_runtime.h) read from
// its tail and followed as it grows, and the lines a simulated container "printed" (what the
// kubelet simulator did with it, from the pod's status) in the default mode.
//
// Thread-safety: pure functions; LogFollower is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/mutex.h"
#include "sandbox/http_types.h"

namespace fairway::sandbox {

// The text of the log file at `path`, limited to its last `tail_lines` lines (nullopt: all);
// *end is set to the file size read up to.
std::string ReadLogTail(const std::string& path, std::optional<int64_t> tail_lines, uint64_t* end);
// What was appended to the file since *offset (advanced past it).
std::string ReadLogFrom(const std::string& path, uint64_t* offset);

// The lines of a simulated container: when it started, what it runs, how it ended.
std::string SimulatedLog(const nlohmann::json& pod, const std::string& container);

// `kubectl logs -f`: streams what is appended to a log file after `offset` until `running`
// returns false and nothing is left. The HTTP server polls it every second.
class LogFollower : public WatchStream {
 public:
  LogFollower(std::string path, uint64_t offset, std::string first, std::function<bool()> running);
  void SetWakeup(std::function<void()> wakeup) override;
  bool Poll(std::string* out) override;
  void Close() override;
  std::chrono::seconds timeout() const override { return std::chrono::seconds(0); }

 private:
  const std::string path_;
  const std::function<bool()> running_;
  Mutex mu_;
  uint64_t offset_ FAIRWAY_GUARDED_BY(mu_);
  std::string pending_ FAIRWAY_GUARDED_BY(mu_);  // the tail, sent by the first Poll
  bool closed_ FAIRWAY_GUARDED_BY(mu_) = false;
};

}  // namespace fairway::sandbox
