// ParallelFor: the controller's writes are bounded by API round trips (about a millisecond each),
// not by CPU, so independent writes (the starts of different Jobs) run on a few threads at once.
//
// Thread-safety: `fn` runs concurrently for distinct indices and must be safe for that.
#pragma once

#include <cstddef>
#include <functional>

namespace fairway::controllers {

// Runs fn(i) for every i in [0, n) on up to `workers` threads (the caller is one of them) and
// returns when all have run. Indices are handed out in increasing order.
void ParallelFor(size_t n, size_t workers, const std::function<void(size_t)>& fn);

}  // namespace fairway::controllers
