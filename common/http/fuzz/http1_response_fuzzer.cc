// Copyright 2026 The leakprof Authors.
//
// Http1Response (common/http/http1_response.h) on arbitrary bytes, as a
// scraped server may send them. The first input byte picks the body bound
// and how the rest is cut into recv()-like pieces; the rest is the response,
// then the connection closes. Checks what the header promises: the body
// never passes the bound, the error snippet never passes its size, a final
// state stays put, errors say something, and the pieces do not change the
// outcome. abort() on a broken promise.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/http/http1_response.h"

namespace {

using leakprof::http::Http1Response;
using State = Http1Response::State;

void Fail(const char* what, int line) {
  std::fprintf(stderr, "http1_response_fuzzer.cc:%d: broken: %s\n", line, what);
  abort();
}
#define Check(x) ((x) ? (void)0 : Fail(#x, __LINE__))

// Feeds `data` in pieces of `piece` bytes (0: all at once), then Eof().
State Run(Http1Response& r, const char* data, size_t size, size_t piece,
          uint64_t bound) {
  r.Reset(bound);
  State s = State::kNeedMore;
  for (size_t at = 0; at < size && s == State::kNeedMore;) {
    const size_t n = piece == 0 ? size - at : std::min(piece, size - at);
    s = r.Feed(data + at, n);
    at += n;
    Check(r.body().size() <= bound);
  }
  if (s == State::kNeedMore) s = r.Eof();
  Check(s != State::kNeedMore);
  Check(r.state() == s);
  Check(r.Feed("x", 1) == s);  // final states stay
  Check(r.body().size() <= bound);
  Check(r.error_body().size() <= Http1Response::kErrorSnippetBytes);
  if (s == State::kMalformed || s == State::kTruncated) {
    Check(!r.error().empty());
  }
  if (s == State::kDone) Check(r.status() >= 100 && r.status() <= 999);
  if (r.status() != 200) Check(r.body().empty());
  if (r.reusable()) Check(s == State::kDone);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint64_t bounds[] = {0, 7, 1000, 1 << 20};
  const uint64_t bound = bounds[data[0] & 3];
  const size_t piece = data[0] >> 2;  // 0..63
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  const size_t n = size - 1;

  Http1Response whole;
  const State a = Run(whole, bytes, n, 0, bound);
  Http1Response pieces;
  const State b = Run(pieces, bytes, n, piece, bound);
  // The parser is a state machine: where the recv() pieces end must not
  // change the outcome.
  Check(a == b);
  Check(whole.status() == pieces.status());
  // Bytes after the response spoil reuse only when they come in the same
  // piece: later ones are the fetcher's StillOpen() check's to find.
  if (whole.reusable()) Check(pieces.reusable());
  if (a == State::kDone) {
    Check(whole.body() == pieces.body());
    Check(whole.content_type() == pieces.content_type());
    Check(whole.location() == pieces.location());
  }
  return 0;
}
