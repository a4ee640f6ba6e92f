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

// Decompresses one gzip member (and any that follow it, as gzip allows).
// Errors: kResourceExhausted when the output would exceed `max_output_bytes`;
// kInvalidArgument for corrupt or truncated input, naming the compressed byte
// offset where zlib stopped. Thread-safe.
absl::StatusOr<std::string> Gunzip(absl::string_view data,
                                   int64_t max_output_bytes);

}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_GUNZIP_H_
