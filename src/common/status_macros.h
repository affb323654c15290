// Propagation macros for Status/StatusOr, after abseil's status_macros.h.
//
//   FAIRWAY_RETURN_IF_ERROR(DoThing());
//   FAIRWAY_ASSIGN_OR_RETURN(auto value, ParseThing(text));
#pragma once

#include "common/status.h"

#define FAIRWAY_STATUS_CONCAT_INNER_(a, b) a##b
#define FAIRWAY_STATUS_CONCAT_(a, b) FAIRWAY_STATUS_CONCAT_INNER_(a, b)

#define FAIRWAY_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::fairway::Status fairway_status_ = (expr);       \
    if (!fairway_status_.ok()) return fairway_status_; \
  } while (false)

#define FAIRWAY_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

#define FAIRWAY_ASSIGN_OR_RETURN(lhs, expr) \
  FAIRWAY_ASSIGN_OR_RETURN_IMPL_(FAIRWAY_STATUS_CONCAT_(fairway_statusor_, __LINE__), lhs, expr)
