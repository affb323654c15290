#include "core/runtime_prediction.h"

#include <algorithm>
#include <limits>

namespace fairway::core {

void RuntimeHistory::Record(const UserName& user, Seconds run) {
  LastTwo& l = last_[user.str()];
  l.runs[1] = l.runs[0];
  l.runs[0] = std::max<int64_t>(run.count(), 0);
  l.count = std::min(l.count + 1, 2);
}

std::optional<Seconds> RuntimeHistory::Predict(const UserName& user) const {
  auto it = last_.find(user.str());
  if (it == last_.end()) return std::nullopt;
  const LastTwo& l = it->second;
  if (l.count == 1) return Seconds(l.runs[0]);
  // Rounded up: a prediction of 0 s for two 1-s jobs would plan nothing at all.
  return Seconds((l.runs[0] + l.runs[1] + 1) / 2);
}

std::optional<Seconds> PlannedDuration(std::optional<Seconds> prediction,
                                       std::optional<Seconds> limit, Seconds elapsed) {
  if (!prediction.has_value()) return limit;
  int64_t planned = std::max<int64_t>(prediction->count(), 1);
  const int64_t cap = limit.has_value() ? limit->count() : std::numeric_limits<int64_t>::max();
  while (planned <= elapsed.count() && planned < cap) {
    planned = planned > cap / 2 ? cap : planned * 2;
  }
  return Seconds(std::min(planned, cap));
}

}  // namespace fairway::core
