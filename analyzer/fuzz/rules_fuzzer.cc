// Copyright 2026 The leakprof Authors.
//
// Fuzz target: the analyzer's YAML rule files (--ignore, --routing). Any
// input must give a rule set or an error status, never a crash; a parsed set
// must match a sample site without crashing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analyzer/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  static const auto* const kFrames =
      new std::vector<leakprof::analyzer::StackFrame>{
          {"runtime.gopark", "/go/src/runtime/proc.go", 363},
          {"main.handle.func1", "/src/main.go", 42}};
  const leakprof::analyzer::SiteKey key{"checkout", kFrames, 1};
  auto ignore = leakprof::analyzer::IgnoreRules::Parse(text);
  if (ignore.ok()) {
    (void)ignore->Match(key);
    (void)ignore->ShowsTimer(key);
  }
  auto routing = leakprof::analyzer::Routing::Parse(text);
  if (routing.ok()) (void)routing->Route(key);
  return 0;
}
