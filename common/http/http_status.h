// Copyright 2026 The leakprof Authors.
//
// The error a Fetcher (fetcher.h) returns for an HTTP status other than 200,
// shared by its implementations so that both say the same thing.

#ifndef LEAKPROF_COMMON_HTTP_HTTP_STATUS_H_
#define LEAKPROF_COMMON_HTTP_HTTP_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace leakprof {
namespace http {

// kNotFound for 404, kUnavailable for 5xx, kFailedPrecondition otherwise.
// The message names the URL and the status, a redirect's target
// (`location`, not followed) and the start of the body, escaped.
absl::Status HttpStatusError(absl::string_view url, long status,
                             absl::string_view location,
                             absl::string_view error_body);

}  // namespace http
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_HTTP_HTTP_STATUS_H_
