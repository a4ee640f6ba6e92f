// Copyright 2026 The leakprof Authors.
//
// GoVersionFromImage on arbitrary bytes (the agent reads the target's
// executable): never crashes, reads out of bounds or returns more than a
// short "go..." / "devel..." string.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "agent/process_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string v = leakprof::agent::GoVersionFromImage(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!v.empty() && (v.size() > 128 || !(absl::StartsWith(v, "go") ||
                                         absl::StartsWith(v, "devel")))) {
    std::abort();
  }
  return 0;
}
