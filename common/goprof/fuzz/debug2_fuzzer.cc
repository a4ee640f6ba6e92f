// Copyright 2026 The leakprof Authors.
//
// Fuzzes the debug=2 parser: leakprof::goprof::Parse with
// Format::kDebug2 and small bounds, then checks the profile's and the
// sites' invariants (fuzz_check.h). See docs/fuzzing.md.

#include <cstddef>
#include <cstdint>

#include "common/goprof/fuzz/fuzz_check.h"
#include "common/goprof/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return leakprof::goprof::fuzz::ParseAndCheck(
      leakprof::goprof::Format::kDebug2, data, size);
}
