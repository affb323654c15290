// The planner behind `kubectl fairway sbatch --test-only`: the operator's own snapshot builder
// and scheduling cycle (controllers/test_only.h) over what the caller can list, with the default
// scheduler settings. Lives here because src/cli may not depend on src/controllers.
//
// Thread-safety: as the ApiClient it is given.
#pragma once

#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace fairway::kubectl_fairway {

StatusOr<cli::TestOnlyAnswer> PlanTestOnly(kube::ApiClient& client, const nlohmann::json& job,
                                           core::Timestamp now);

}  // namespace fairway::kubectl_fairway
