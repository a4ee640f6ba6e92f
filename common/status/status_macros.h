// Copyright 2026 The leakprof Authors.
//
// The one status helper leakprof owns (abseil 20220623 ships none).
//
//   LEAKPROF_RETURN_IF_ERROR(DoThing());
//   LEAKPROF_ASSIGN_OR_RETURN(Profile p, Parse(body));
//
// Both evaluate their argument once and return the error status unchanged from
// the enclosing function, which must return absl::Status or absl::StatusOr<T>.

#ifndef LEAKPROF_COMMON_STATUS_STATUS_MACROS_H_
#define LEAKPROF_COMMON_STATUS_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LEAKPROF_STATUS_CONCAT_INNER_(a, b) a##b
#define LEAKPROF_STATUS_CONCAT_(a, b) LEAKPROF_STATUS_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function when it is not OK.
#define LEAKPROF_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    ::absl::Status leakprof_status_ = (expr);            \
    if (!leakprof_status_.ok()) return leakprof_status_; \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, else
// moves its value into `lhs`, which may declare a new variable.
#define LEAKPROF_ASSIGN_OR_RETURN(lhs, rexpr) \
  LEAKPROF_ASSIGN_OR_RETURN_IMPL_(            \
      LEAKPROF_STATUS_CONCAT_(leakprof_statusor_, __LINE__), lhs, rexpr)

#define LEAKPROF_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();    \
  lhs = std::move(statusor).value()

#endif  // LEAKPROF_COMMON_STATUS_STATUS_MACROS_H_
