// Copyright 2026 The leakprof Authors.

#include "common/http/http_status.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace leakprof {
namespace http {

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
