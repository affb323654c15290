#include "controllers/runtime_history.h"

#include <algorithm>
#include <tuple>

#include "core/job_state.h"

namespace fairway::controllers {
namespace {

struct EndedRun {
  core::Timestamp end;
  const api::ObjectMeta* meta;
  uint32_t task;
  core::UserName user;
  core::Seconds run;
};

}  // namespace

core::RuntimeHistory RuntimeHistoryOf(const std::vector<CycleJob>& jobs) {
  std::vector<EndedRun> runs;
  for (const CycleJob& job : jobs) {
    const api::JobStatus& st = job->status;
    // The user's name is copied only for ended runs: most listed Jobs wait or run.
    if (st.array.has_value()) {
      for (const api::ArrayTaskRecord& t : st.array->tasks) {
        if (!core::IsTerminal(t.state) || !t.start_time || !t.end_time) continue;
        runs.push_back({*t.end_time, &job->meta, t.index, core::UserName(job->spec.user),
                        *t.end_time - *t.start_time});
      }
      continue;
    }
    if (!st.state || !core::IsTerminal(*st.state) || !st.start_time || !st.end_time) continue;
    runs.push_back({*st.end_time, &job->meta, 0, core::UserName(job->spec.user),
                    *st.end_time - *st.start_time});
  }
  std::sort(runs.begin(), runs.end(), [](const EndedRun& a, const EndedRun& b) {
    return std::tie(a.end, a.meta->namespace_name, a.meta->name, a.task) <
           std::tie(b.end, b.meta->namespace_name, b.meta->name, b.task);
  });
  core::RuntimeHistory history;
  for (const EndedRun& r : runs) history.Record(r.user, r.run);
  return history;
}

}  // namespace fairway::controllers
