#include "sim/builtin_scenario.h"

#include <array>

namespace fairway::sim {
namespace {

// Knuth's MMIX LCG: deterministic across platforms, unlike std::uniform_*_distribution.
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed) {}
  uint64_t Next(uint64_t bound) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state_ >> 33) % bound;
  }

 private:
  uint64_t state_;
};

}  // namespace

Workload BuiltinGpuScenario(uint64_t seed) {
  constexpr int64_t kGiB = 1024LL * 1024 * 1024;
  Workload w;
  w.name = "builtin:gpu-two-accounts";
  w.nodes = UniformNodes(16, {64000, 512 * kGiB, 8}, "a100");

  core::Account physics;
  physics.name = core::AccountName("physics");
  physics.shares = 2;
  physics.users = {{core::UserName("ada"), 1, false, {}}, {core::UserName("max"), 1, false, {}}};
  core::Account biology;
  biology.name = core::AccountName("biology");
  biology.shares = 1;
  biology.users = {{core::UserName("rosalind"), 1, false, {}}};
  w.accounts = {physics, biology};

  // (nodes, GPUs per node) with repetition as weights.
  const std::array<std::pair<int32_t, int64_t>, 10> shapes = {
      {{1, 1}, {1, 1}, {1, 2}, {1, 2}, {1, 4}, {1, 4}, {1, 8}, {1, 8}, {2, 8}, {4, 8}}};
  const std::array<const char*, 3> users = {"ada", "max", "rosalind"};
  Lcg rng(seed);
  int64_t t = 0;
  for (uint64_t id = 1; id <= 600; ++id) {
    t += static_cast<int64_t>(rng.Next(600));  // mean gap 5 min: about 95 % offered load
    SimJob j;
    j.id = id;
    j.line = static_cast<int64_t>(id);
    j.submit_s = t;
    auto [nodes, gpus] = shapes[rng.Next(shapes.size())];
    j.nodes = nodes;
    j.per_node = {gpus * 8000, gpus * 64 * kGiB, gpus};
    // Run times: 5 min to 4 h, skewed short.
    int64_t minutes =
        5 + static_cast<int64_t>(rng.Next(60)) * static_cast<int64_t>(rng.Next(4) + 1);
    j.run_s = minutes * 60;
    j.limit_s = (j.run_s * (12 + static_cast<int64_t>(rng.Next(9))) / 10 + 59) / 60 * 60;
    const char* user = users[rng.Next(users.size())];
    j.user = user;
    j.account = std::string(user) == "rosalind" ? "biology" : "physics";
    w.jobs.push_back(j);
  }
  SeparateImpossibleJobs(&w);
  return w;
}

}  // namespace fairway::sim
