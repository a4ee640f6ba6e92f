// Copyright 2026 The leakprof Authors.
//
// A Fetcher (fetcher.h) that keeps one HTTP/1.1 connection per origin open
// between calls, on cpp-httplib (Debian's libcpp-httplib).
//
// Why not libcurl here: the agent scrapes one target every minute or so and
// must stay under 1 ms of CPU per cycle and 15 MiB of RSS. Debian's libcurl
// loads 35 shared libraries (GnuTLS, Kerberos, LDAP, RTMP, SSH, ...) that
// touch ~7.5 MiB of pages before the first request, and CurlFetcher opens a
// new connection per call. cpp-httplib is already in every leakprof binary
// (common/server). docs/benchmarks.md, "Agent CPU per cycle, RSS".
//
// Same contract as Fetcher::Get (errors, bounds, no redirects followed, no
// proxies, no credentials in URLs), plus:
// - A connection the server closed between calls is noticed before the
//   request is sent; if a reused connection still fails before any response
//   arrives, the GET is retried once on a new connection (GETs are
//   idempotent).
// - The body is not decompressed: "Accept-Encoding: identity" is sent, and a
//   Content-Encoding the server sends anyway is passed through (goroutine
//   profiles are gzip files themselves, bounded by the parser).
// - `timeout` bounds connecting, each read and the whole body.
//
// Thread safety: Get is safe to call from several threads; calls to the same
// origin (scheme, host, port) take turns on its one connection.

#ifndef LEAKPROF_COMMON_HTTP_KEEPALIVE_FETCHER_H_
#define LEAKPROF_COMMON_HTTP_KEEPALIVE_FETCHER_H_

#include <memory>

#include "common/http/fetcher.h"

namespace leakprof {
namespace http {

std::unique_ptr<Fetcher> NewKeepAliveFetcher();

}  // namespace http
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_HTTP_KEEPALIVE_FETCHER_H_
