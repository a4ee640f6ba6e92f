// Copyright 2026 The leakprof Authors.
//
// The URL check both keep-alive fetchers share (keepalive_fetcher.cc and its
// https path, httplib_fetcher.cc). Internal to //common/http.

#ifndef LEAKPROF_COMMON_HTTP_URL_H_
#define LEAKPROF_COMMON_HTTP_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace leakprof {
namespace http {

struct ParsedUrl {
  std::string origin;  // "http://host:port", as httplib::Client takes it
  std::string target;  // "/path?query", at least "/"
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // as written; an IPv6 literal keeps its [ ]
  int port = 0;        // the default port of the scheme when none is written
};

// Accepts absolute http(s) URLs with a host, an optional port and no
// credentials; the fragment is dropped. kInvalidArgument otherwise, with a
// message saying what is wrong.
absl::StatusOr<ParsedUrl> ParseUrl(absl::string_view url);

}  // namespace http
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_HTTP_URL_H_
