#include "controllers/assumed_starts.h"

#include <algorithm>

#include "api/job_types.h"

namespace fairway::controllers {
namespace {

std::string InstanceKey(const AssumedStart& a) {
  return a.job_key + (a.array_index ? "_" + std::to_string(*a.array_index) : "");
}

// The Job shows the assumed instance started (or ended): nothing left to assume.
const api::JobObject* FindJob(const std::vector<CycleJob>& jobs, const std::string& key) {
  auto it =
      std::lower_bound(jobs.begin(), jobs.end(), key,
                       [](const CycleJob& j, const std::string& k) { return j->meta.Key() < k; });
  return it != jobs.end() && (*it)->meta.Key() == key ? &**it : nullptr;
}

bool Confirmed(const AssumedStart& a, const std::vector<CycleJob>& jobs) {
  const api::JobObject* j = FindJob(jobs, a.job_key);
  if (j == nullptr) return true;
  if (!a.array_index.has_value()) {
    return j->status.state.has_value() && *j->status.state != core::JobState::kPending;
  }
  if (!j->status.array.has_value()) return false;
  for (const api::ArrayTaskRecord& r : j->status.array->tasks) {
    if (r.index == *a.array_index) return true;
  }
  return ArrayTaskStates(*j->status.array).count(*a.array_index) > 0;
}

}  // namespace

void AssumedStarts::Add(const AssumedStart& start) {
  MutexLock lock(&mu_);
  starts_.push_back(start);
}

void AssumedStarts::Forget(const std::string& job_key, std::optional<uint32_t> index) {
  MutexLock lock(&mu_);
  std::erase_if(starts_, [&](const AssumedStart& a) {
    return a.job_key == job_key && a.array_index == index;
  });
}

void AssumedStarts::ForgetJob(const std::string& job_key) {
  MutexLock lock(&mu_);
  std::erase_if(starts_, [&](const AssumedStart& a) { return a.job_key == job_key; });
}

void AssumedStarts::Confirm(const std::vector<CycleJob>& jobs) {
  MutexLock lock(&mu_);
  std::erase_if(starts_, [&](const AssumedStart& a) { return Confirmed(a, jobs); });
}

std::vector<AssumedStart> AssumedStarts::List() const {
  MutexLock lock(&mu_);
  return starts_;
}

std::set<std::string> AssumedStarts::InstanceKeys() const {
  MutexLock lock(&mu_);
  std::set<std::string> keys;
  for (const AssumedStart& a : starts_) keys.insert(InstanceKey(a));
  return keys;
}

}  // namespace fairway::controllers
