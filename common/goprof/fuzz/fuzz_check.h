// Copyright 2026 The leakprof Authors.
//
// The body of the parser's fuzz targets: parse with small bounds, then check
// what parser.h, profile.h and sites.h promise, and abort() on any broken
// promise so libFuzzer (or the seed test) reports it.

#ifndef LEAKPROF_COMMON_GOPROF_FUZZ_FUZZ_CHECK_H_
#define LEAKPROF_COMMON_GOPROF_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>

#include "common/goprof/profile.h"

namespace leakprof {
namespace goprof {
namespace fuzz {

// Parses `data` as `format` (then once more with format detection) and checks
// the result. Returns 0, as LLVMFuzzerTestOneInput must. With the environment
// variable LEAKPROF_FUZZ_VERBOSE set, prints each parse's outcome.
int ParseAndCheck(Format format, const uint8_t* data, size_t size);

}  // namespace fuzz
}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_FUZZ_FUZZ_CHECK_H_
