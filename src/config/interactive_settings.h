// The `interactive` part of the settings file (YAML; the same file ParseSchedulerSettings reads):
// the operator's limits for interactive sessions (Job spec.interactive: kubectl fairway salloc,
// srun, jupyter, code). An unknown key, a wrong type or an out-of-range value is an error naming
// the key path.
//
//   interactive:
//     idleGrace: 300   # seconds a running session may stay without a connected client before
//                      # its allocation ends. The operator gives it to the session's pods as
//                      # FAIRWAY_IDLE_GRACE; the session keeper (cli/session_script.h) uses the
//                      # smaller of it and the client's --idle-grace, so a client can shorten the
//                      # grace but never extend it past the cluster's.
//
// Read when the operator starts (pods created afterwards get a changed value after a restart).
//
// Thread-safety: plain value and pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace fairway::config {

struct InteractiveSettings {
  int64_t idle_grace_s = 300;

  bool operator==(const InteractiveSettings&) const = default;
};

// Largest idleGrace accepted: one day (a session is bounded by its time limit anyway).
inline constexpr int64_t kMaxIdleGraceS = 86400;

// Parses settings text. An empty document, or one without `interactive`, gives the defaults.
[[nodiscard]] StatusOr<InteractiveSettings> ParseInteractiveSettings(std::string_view yaml_text);

}  // namespace fairway::config
