#include "common/check.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace fairway::internal {
namespace {
std::atomic<uint64_t>& BugCounter() {
  static std::atomic<uint64_t> counter{0};
  return counter;
}
}  // namespace

void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "level=fatal msg=\"check failed\" condition=\"%s\" at=%s:%d\n", condition,
               file, line);
  std::abort();
}

void ReportBug(const char* file, int line, const char* message) {
  BugCounter().fetch_add(1, std::memory_order_relaxed);
  std::fprintf(stderr, "level=error msg=\"bug\" detail=\"%s\" at=%s:%d\n", message, file, line);
#ifndef NDEBUG
  std::abort();
#endif
}

uint64_t BugCount() { return BugCounter().load(std::memory_order_relaxed); }

}  // namespace fairway::internal
