// Copyright 2026 The leakprof Authors.
//
// HTTP GET behind a small interface, so callers can be tested with faults.
//
// A Fetcher returns the whole body of one GET, bounded in size and time. It
// follows no redirects to other hosts, sends no credentials, and treats any
// status other than 200 as an error carrying the status code.
//
// Thread safety: implementations are safe to call from several threads at
// once (CurlFetcher uses one curl easy handle per call).

#ifndef LEAKPROF_COMMON_HTTP_FETCHER_H_
#define LEAKPROF_COMMON_HTTP_FETCHER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace leakprof {
namespace http {

struct FetchOptions {
  // Whole-request deadline, connect included.
  absl::Duration timeout = absl::Seconds(30);
  // Bodies larger than this are cut off and reported as kResourceExhausted.
  int64_t max_body_bytes = 128 << 20;
};

struct FetchResult {
  int http_status = 0;  // always 200 in a successful result
  std::string body;
  std::string content_type;  // as sent, may be empty
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;

  // Errors: kInvalidArgument for a malformed URL; kUnavailable when the host
  // cannot be reached or the connection breaks; kDeadlineExceeded on timeout;
  // kResourceExhausted when the body exceeds the bound; kNotFound for HTTP
  // 404; kUnavailable (5xx) or kFailedPrecondition (other codes) for any other
  // non-200 status. Messages name the URL.
  virtual absl::StatusOr<FetchResult> Get(absl::string_view url,
                                          const FetchOptions& options) = 0;
};

// libcurl-backed Fetcher. Calls curl_global_init once on first construction.
std::unique_ptr<Fetcher> NewCurlFetcher();

}  // namespace http
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_HTTP_FETCHER_H_
