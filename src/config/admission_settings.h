// The admission part of the settings file (YAML; the same file ParseSchedulerSettings reads):
// who counts as an admin for the admission webhook, and the job-array size limit. Every key is
// optional; an unknown key under `admission` or `limits`, a wrong type or an out-of-range value
// is an error naming the key path. Top-level keys other than `admission` and `limits` belong to
// ParseSchedulerSettings and are not read here.
//
//   admission:
//     adminGroups: ["fairway:admins", "system:masters"]   # members may act on any job, submit
//                                                        # on behalf of a user (Slurm's root /
//                                                        # SlurmUser), and write Accounts,
//                                                        # Partitions and QoS
//     adminUsers: []              # user names with the same rights (the operator adds its own
//                                 # service account at start)
//   limits:
//     maxArraySize: 1001          # Slurm's MaxArraySize: array indices must be below it
//                                 # (1 .. 4000001)
//
// Thread-safety: plain value and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fairway::config {

struct AdmissionSettings {
  // Groups (as the API server authenticates them, userInfo.groups) whose members are admins.
  std::vector<std::string> admin_groups{"fairway:admins", "system:masters"};
  // User names (userInfo.username) that are admins.
  std::vector<std::string> admin_users;
  // Slurm's MaxArraySize: every array index must be < max_array_size.
  int64_t max_array_size = 1001;

  bool operator==(const AdmissionSettings&) const = default;
};

// Parses settings text. An empty document, or one without `admission` and `limits`, gives the
// defaults.
[[nodiscard]] StatusOr<AdmissionSettings> ParseAdmissionSettings(std::string_view yaml_text);

}  // namespace fairway::config
