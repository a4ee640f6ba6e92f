// Copyright 2026 The leakprof Authors.

#include "common/http/fetch_errors.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace leakprof {
namespace http {

absl::Status CheckFetchOptions(absl::string_view url,
                               const FetchOptions& options) {
  if (options.max_body_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("negative max_body_bytes for ", url));
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("non-positive timeout for ", url));
  }
  return absl::OkStatus();
}

absl::Status BodyTooLargeError(absl::string_view url, int64_t bound) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "GET ", url, ": body larger than the bound of ", bound, " bytes"));
}

absl::Status HttpStatusError(absl::string_view url, long status,
                             absl::string_view location,
                             absl::string_view error_body) {
  std::string msg = absl::StrCat("GET ", url, ": HTTP status ", status);
  if (status >= 300 && status < 400 && !location.empty()) {
    absl::StrAppend(&msg, " (redirect to ", absl::CHexEscape(location),
                    ", not followed)");
  }
  if (!error_body.empty()) {
    absl::StrAppend(&msg, ", body starts \"", absl::CHexEscape(error_body),
                    "\"");
  }
  if (status == 404) return absl::NotFoundError(msg);
  if (status >= 500 && status < 600) return absl::UnavailableError(msg);
  return absl::FailedPreconditionError(msg);
}

}  // namespace http
}  // namespace leakprof
