// Basic value types of the scheduling core: names with their own types, time, and resource
// quantities (STYLE.md §3: each role gets its own type).
//
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fairway::core {

// Time in the core is whole seconds since the Unix epoch; the core never reads a clock (the
// caller passes `now` in the cycle input).
using Seconds = std::chrono::seconds;
using Timestamp = std::chrono::sys_seconds;

// A string with a role. Tag makes JobName and NodeName different types.
template <typename Tag>
class Name {
 public:
  Name() = default;
  explicit Name(std::string value) : value_(std::move(value)) {}
  explicit Name(std::string_view value) : value_(value) {}
  explicit Name(const char* value) : value_(value) {}

  const std::string& str() const { return value_; }
  bool empty() const { return value_.empty(); }
  auto operator<=>(const Name&) const = default;

 private:
  std::string value_;
};

struct NodeNameTag {};
struct PartitionNameTag {};
struct AccountNameTag {};
struct UserNameTag {};
struct QosNameTag {};
struct GroupNameTag {};

using NodeName = Name<NodeNameTag>;
using PartitionName = Name<PartitionNameTag>;
using AccountName = Name<AccountNameTag>;
using UserName = Name<UserNameTag>;
using QosName = Name<QosNameTag>;
using GroupName = Name<GroupNameTag>;

// Slurm job id: a cluster-unique positive integer. 0 means "not yet assigned".
struct JobId {
  uint64_t value = 0;
  auto operator<=>(const JobId&) const = default;
};

// Per-node (or per-pod) resource quantities. CPU in millicores, memory in bytes, GPUs whole.
struct Resources {
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  int64_t gpus = 0;

  Resources& operator+=(const Resources& o) {
    cpu_millis += o.cpu_millis;
    memory_bytes += o.memory_bytes;
    gpus += o.gpus;
    return *this;
  }
  Resources& operator-=(const Resources& o) {
    cpu_millis -= o.cpu_millis;
    memory_bytes -= o.memory_bytes;
    gpus -= o.gpus;
    return *this;
  }
  friend Resources operator+(Resources a, const Resources& b) { return a += b; }
  friend Resources operator-(Resources a, const Resources& b) { return a -= b; }
  friend Resources operator*(Resources a, int64_t n) {
    a.cpu_millis *= n;
    a.memory_bytes *= n;
    a.gpus *= n;
    return a;
  }
  // True if every quantity of `request` is within this one.
  bool Fits(const Resources& request) const {
    return request.cpu_millis <= cpu_millis && request.memory_bytes <= memory_bytes &&
           request.gpus <= gpus;
  }
  bool operator==(const Resources&) const = default;
};

// Renders seconds as Slurm does for time limits and elapsed times: "M:SS", "H:MM:SS",
// "D-HH:MM:SS".
std::string FormatSlurmDuration(Seconds d);
// The inverse of FormatSlurmDuration for what it writes ("0:05", "1:02:03", "2-00:00:00", with
// an optional leading '-'); nullopt for anything else.
std::optional<Seconds> ParseSlurmDuration(std::string_view text);

}  // namespace fairway::core

template <typename Tag>
struct std::hash<fairway::core::Name<Tag>> {
  size_t operator()(const fairway::core::Name<Tag>& n) const noexcept {
    return std::hash<std::string>()(n.str());
  }
};
