// Copyright 2026 The leakprof Authors.
//
// The keep-alive fetcher on cpp-httplib, as it was before
// keepalive_fetcher.cc read responses itself. Internal to //common/http and
// the benchmark:
// - NewKeepAliveFetcher() hands https URLs to it: Debian's libcpp-httplib is
//   built with OpenSSL (deps/BUILD), so https targets get TLS with the
//   system's CAs, as they always did, without a TLS stack of our own.
// - tools/bench/fetch_cpu measures it as the anchor for plain http.
//
// Same contract as NewKeepAliveFetcher() (keepalive_fetcher.h).

#ifndef LEAKPROF_COMMON_HTTP_HTTPLIB_FETCHER_H_
#define LEAKPROF_COMMON_HTTP_HTTPLIB_FETCHER_H_

#include <memory>

#include "common/http/fetcher.h"

namespace leakprof {
namespace http {

std::unique_ptr<Fetcher> NewHttplibFetcher();

}  // namespace http
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_HTTP_HTTPLIB_FETCHER_H_
