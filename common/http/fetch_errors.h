// Copyright 2026 The leakprof Authors.
//
// What both Fetcher implementations (fetcher.h) check and say alike: the
// options, a status other than 200, a body over the bound.

#ifndef LEAKPROF_COMMON_HTTP_FETCH_ERRORS_H_
#define LEAKPROF_COMMON_HTTP_FETCH_ERRORS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/http/fetcher.h"

namespace leakprof {
namespace http {

// kInvalidArgument for a negative max_body_bytes or a non-positive timeout.
absl::Status CheckFetchOptions(absl::string_view url,
                               const FetchOptions& options);

// kResourceExhausted: the body of `url` passed `bound` bytes.
absl::Status BodyTooLargeError(absl::string_view url, int64_t bound);

// kNotFound for 404, kUnavailable for 5xx, kFailedPrecondition otherwise.
// The message names the URL and the status, a redirect's target
// (`location`, not followed) and the start of the body, escaped.
absl::Status HttpStatusError(absl::string_view url, long status,
                             absl::string_view location,
                             absl::string_view error_body);

}  // namespace http
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_HTTP_FETCH_ERRORS_H_
