#include "controllers/job_facts.h"

#include <cctype>

#include "api/pod_template_gpus.h"
#include "common/status_macros.h"

namespace fairway::controllers {

StatusOr<core::Job> CoreJobOf(const api::JobObject& job, core::Timestamp now) {
  api::JobConversionOptions conv;
  conv.now = now;
  FAIRWAY_ASSIGN_OR_RETURN(core::Job out, api::ToCoreJob(job, conv));
  // What admission refuses in a Job's pod template, refused again for a Job stored without the
  // webhook (or let through by its failurePolicy Ignore): a template that does not read, or
  // whose GPUs differ from spec.resources', would run on GPUs the scheduler never accounted.
  FAIRWAY_RETURN_IF_ERROR(api::CheckPodTemplateShape(job.spec.pod_template));
  FAIRWAY_RETURN_IF_ERROR(api::CheckTemplateGpusMatch(job.spec));
  for (char& c : out.gpu_type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  out.requeue = job.spec.requeue;
  return out;
}

JobFacts DeriveJobFacts(const api::JobObject& job) {
  JobFacts facts;
  facts.key = job.meta.Key();
  facts.marks = PreemptMarksOf(job);
  const bool ended = job.status.state.has_value() && core::IsTerminal(*job.status.state);
  const bool clock_free = job.status.submit_time || job.meta.creation_timestamp;
  if (!ended && !job.meta.deletion_timestamp && clock_free) {
    facts.core_job = CoreJobOf(job, core::Timestamp{});
  }
  return facts;
}

}  // namespace fairway::controllers
