#include "test_only_planner.h"

#include "api/hostlist.h"
#include "api/job_types.h"
#include "common/status_macros.h"
#include "controllers/test_only.h"
#include "core/config.h"

namespace fairway::kubectl_fairway {

StatusOr<cli::TestOnlyAnswer> PlanTestOnly(kube::ApiClient& client, const nlohmann::json& job,
                                           core::Timestamp now) {
  FAIRWAY_ASSIGN_OR_RETURN(api::JobObject candidate, api::JobFromJson(job));
  FAIRWAY_ASSIGN_OR_RETURN(controllers::ClusterObjects objects,
                           controllers::ListClusterObjects(client));
  FAIRWAY_ASSIGN_OR_RETURN(controllers::TestOnlyPlan plan,
                           controllers::PlanTestOnly(std::move(objects), std::move(candidate),
                                                     core::SchedulerConfig{}, now));
  return cli::TestOnlyAnswer{plan.job_id, plan.start, api::CompressHostList(plan.nodes),
                             plan.partition, plan.cpus};
}

}  // namespace fairway::kubectl_fairway
