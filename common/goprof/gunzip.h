// Copyright 2026 The leakprof Authors.
//
// Bounded gzip decompression: a gzip bomb stops at the bound.

#ifndef LEAKPROF_COMMON_GOPROF_GUNZIP_H_
#define LEAKPROF_COMMON_GOPROF_GUNZIP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace leakprof {
namespace goprof {

// True when `data` starts with the gzip magic bytes 1f 8b.
bool IsGzip(absl::string_view data);

// Decompresses a gzip body: one member, as Go writes it, or several
// concatenated members (legal gzip), whose outputs are concatenated.
//
// The bound is strict: the output buffer never grows past
// `max_output_bytes` + 1 bytes, whatever the members claim (ISIZE) or how
// they are cut, and decompression stops with kResourceExhausted as soon as
// the output would exceed `max_output_bytes` (naming the member and its
// compressed offset). While the buffer grows (doubling), the old and the
// new buffer coexist for a moment. Other errors: kInvalidArgument for
// corrupt, truncated or trailing non-gzip input, naming the compressed byte
// offset where zlib stopped. Thread-safe.
absl::StatusOr<std::string> Gunzip(absl::string_view data,
                                   int64_t max_output_bytes);

}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_GUNZIP_H_
