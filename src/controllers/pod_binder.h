// Creates and binds the pods of one started instance, all or none (DESIGN.md: pods are bound
// through pods/binding; a gang is placed together or not at all). A multi-node job's headless
// Service is created first (its failure is logged, not fatal: only MASTER_ADDR needs it).
//
// Crash safety: a pod that already exists (a retry after a restart) is read back and bound if
// it is still unbound; on any failure the pods this call created or found are deleted.
//
// Thread-safety: thread-safe; instances may be bound concurrently.
#pragma once

#include "api/job_types.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "controllers/metrics.h"
#include "controllers/pod_builder.h"
#include "kube/api_client.h"

namespace fairway::controllers {

class PodBinder {
 public:
  // REQUIRES: client, clock and metrics outlive the binder. `interactive_idle_grace` goes to
  // the pods of every interactive job (PodPlan::interactive_idle_grace), on first starts and
  // on pods recreated after a restart alike.
  PodBinder(kube::ApiClient* client, Clock* clock, OperatorMetrics* metrics,
            core::Seconds interactive_idle_grace)
      : client_(client),
        clock_(clock),
        metrics_(metrics),
        interactive_idle_grace_(interactive_idle_grace) {}

  Status CreateAndBind(const api::JobObject& job, const PodPlan& plan, const Logger& log);

 private:
  // Deletes the pods of a failed gang (name, uid).
  void RollBack(const std::string& ns,
                const std::vector<std::pair<std::string, std::string>>& created);

  kube::ApiClient* const client_;
  Clock* const clock_;
  OperatorMetrics* const metrics_;
  const core::Seconds interactive_idle_grace_;
};

}  // namespace fairway::controllers
