// Assertion tiers (STYLE.md §4, after Envoy's ASSERT / RELEASE_ASSERT / ENVOY_BUG).
//
//   FAIRWAY_CHECK(cond)   always evaluated; aborts with a message when false. For states the
//                         process cannot safely continue from.
//   FAIRWAY_DCHECK(cond)  debug builds only.
//   FAIRWAY_BUG(msg)      a bug that the process can survive: logs and counts in release builds,
//                         aborts in debug builds.
#pragma once

#include <cstdint>

namespace fairway::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
void ReportBug(const char* file, int line, const char* message);
// Number of FAIRWAY_BUG reports since start (exported as a metric by the operator).
uint64_t BugCount();
}  // namespace fairway::internal

#define FAIRWAY_CHECK(cond)                                           \
  do {                                                                \
    if (!(cond)) ::fairway::internal::CheckFailed(__FILE__, __LINE__, #cond); \
  } while (false)

#ifdef NDEBUG
#define FAIRWAY_DCHECK(cond) \
  do {                       \
  } while (false && (cond))
#else
#define FAIRWAY_DCHECK(cond) FAIRWAY_CHECK(cond)
#endif

#define FAIRWAY_BUG(msg) ::fairway::internal::ReportBug(__FILE__, __LINE__, msg)
