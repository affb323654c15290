#include "core/model.h"

namespace fairway::core {

std::string_view PartitionStateName(PartitionState state) {
  switch (state) {
    case PartitionState::kUp: return "UP";
    case PartitionState::kDown: return "DOWN";
    case PartitionState::kDrain: return "DRAIN";
    case PartitionState::kInactive: return "INACTIVE";
  }
  return "UP";
}

std::string_view PreemptModeName(PreemptMode mode) {
  switch (mode) {
    case PreemptMode::kOff: return "OFF";
    case PreemptMode::kCancel: return "CANCEL";
    case PreemptMode::kRequeue: return "REQUEUE";
  }
  return "OFF";
}

}  // namespace fairway::core
