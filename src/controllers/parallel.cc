#include "controllers/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace fairway::controllers {

void ParallelFor(size_t n, size_t workers, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto drain = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  const size_t extra = std::min(n, std::max<size_t>(workers, 1)) - (n > 0 ? 1 : 0);
  std::vector<std::thread> threads;
  threads.reserve(extra);
  for (size_t t = 0; t < extra; ++t) threads.emplace_back(drain);
  drain();
  for (std::thread& t : threads) t.join();
}

}  // namespace fairway::controllers
