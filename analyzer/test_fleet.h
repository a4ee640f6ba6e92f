// Copyright 2026 The leakprof Authors.
//
// Synthetic fleets in a MemoryFleetSource, for tests and the benchmark.

#ifndef LEAKPROF_ANALYZER_TEST_FLEET_H_
#define LEAKPROF_ANALYZER_TEST_FLEET_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "analyzer/memory_source.h"

namespace leakprof {
namespace analyzer {

struct SyntheticSite {
  std::string service = "svc";
  std::string function = "main.f";
  std::string file = "/src/main.go";
  int64_t line = 10;
  v1::BlockClass block_class = v1::BLOCK_CLASS_CHAN_SEND;
  int instances = 3;
  int64_t leaked = 0;
  int64_t waiting_over_1h = 0;
  // count(instance, point index)
  std::function<int64_t(int, int)> count;
  // Extra frames below the site frame (callers), innermost first.
  std::vector<std::string> callers;
};

// The site id the helper gives a function (stable, non-zero).
uint64_t SyntheticSiteId(const std::string& service,
                         const std::string& function);

// Adds `site` with `points` points per instance, one every `step` seconds,
// the last at `end` - 1. `timestamps` may be shared between calls.
void AddSyntheticSite(MemoryFleetSource* source, const SyntheticSite& site,
                      std::shared_ptr<const std::vector<int64_t>> timestamps);

std::shared_ptr<const std::vector<int64_t>> Timestamps(int64_t end, int points,
                                                       int64_t step);

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_TEST_FLEET_H_
