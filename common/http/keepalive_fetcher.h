// Copyright 2026 The leakprof Authors.
//
// A Fetcher (fetcher.h) that keeps one HTTP/1.1 connection per origin open
// between calls: plain POSIX sockets, the response read by Debian's
// libhttp-parser (http1_response.h). The agent's fetcher.
//
// Why not libcurl: the agent scrapes one target every minute or so and must
// stay under 1 ms of CPU per cycle and 15 MiB of RSS. Debian's libcurl loads
// 35 shared libraries (GnuTLS, Kerberos, LDAP, RTMP, SSH, ...) that touch
// ~7.5 MiB of pages before the first request, and CurlFetcher opens a new
// connection per call. Why not cpp-httplib (this fetcher's first version):
// its client costs ~0.15 ms more CPU per GET than this one (std::regex on
// the status line, header multimaps, extra polls, per-line reads,
// allocations). Here a GET on a kept connection is poll(0), one send(),
// then poll + recv until the parser sees the end.
// docs/benchmarks.md, "Fetch CPU (keepalive fetcher)".
//
// Same contract as Fetcher::Get (errors, bounds, no redirects followed, no
// proxies, no credentials in URLs), plus:
// - A connection the server closed between calls is noticed before the
//   request is sent (poll(0), and a MSG_PEEK only when readable); if a
//   reused connection still fails before any response byte, the GET is
//   retried once on a new connection (GETs are idempotent).
// - A connection is kept only after a complete response the server did not
//   mark "Connection: close" (nor HTTP/1.0 without keep-alive), with no
//   byte after it; any error, timeout or cut-short body drops it.
// - The body is not decompressed: "Accept-Encoding: identity" is sent, and a
//   Content-Encoding the server sends anyway is passed through (goroutine
//   profiles are gzip files themselves, bounded by the parser).
// - A 200 body is bounded while it arrives: a Content-Length over
//   max_body_bytes is refused before the body, a chunked or close-delimited
//   body is cut (and the connection dropped) at the first byte over it.
// - A response the parser rejects is kUnavailable, "malformed HTTP
//   response: <what> at byte <n>".
// - `timeout` bounds the whole call: connecting, sending and every read.
//   Numeric hosts skip the resolver; a host name is resolved by
//   getaddrinfo, which does not honour the timeout.
// - https URLs are fetched by cpp-httplib as before (Debian builds it with
//   OpenSSL, so TLS with the system's CAs): this fetcher adds no TLS of its
//   own. Only plain http gets the lean path.
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
