// Copyright 2026 The leakprof Authors.
//
// A full evaluation round over 1,000 instances x 100 sites x 6 h at one
// point a minute (360 points per instance series, 36 M points), served by
// the in-memory FleetSource: the cost of the analyzer's own work (series
// copies, segmentation, Theil-Sen, Mann-Kendall, ranking), not of a
// collector's RocksDB reads or of gRPC. The bound: < 10 s.
//
//   bazel run -c opt //analyzer:analyzer_benchmark
//
// Variants: raw points (the analyzer reduces them) or the collector's
// "last point per step" at window/120 (3 min, the default --series_points);
// 1 or 2 scoring threads.

#include <cstdint>
#include <memory>
#include <random>

#include "absl/time/time.h"
#include "analyzer/analyzer.h"
#include "analyzer/memory_source.h"
#include "analyzer/test_fleet.h"
#include "benchmark/benchmark.h"

namespace leakprof {
namespace analyzer {
namespace {

constexpr int kInstances = 1000;
constexpr int kSites = 100;
constexpr int kPoints = 360;
constexpr int64_t kNow = 1800000000;

MemoryFleetSource* Fleet() {
  static MemoryFleetSource* const source = [] {
    auto* s = new MemoryFleetSource(kNow);
    auto ts = Timestamps(kNow, kPoints, 60);
    for (int site = 0; site < kSites; ++site) {
      SyntheticSite def;
      def.service = "svc" + std::to_string(site % 10);
      def.function = "main.site" + std::to_string(site);
      def.instances = kInstances;
      def.block_class = site % 4 == 0 ? v1::BLOCK_CLASS_CHAN_SEND
                                      : v1::BLOCK_CLASS_CHAN_RECEIVE;
      const int kind = site % 10;  // 1 in 10 leaks, 1 in 10 bursty
      def.count = [site, kind](int k, int i) -> int64_t {
        // Cheap deterministic noise.
        uint64_t h = (uint64_t(site) * 1000003u + k) * 2654435761u + i * 40503u;
        const int64_t noise = static_cast<int64_t>((h >> 7) % 7) - 3;
        if (kind == 0) return 10 + i / 10 + noise;                // slow leak
        if (kind == 1) return (i + k) % 30 < 5 ? 60 + noise : 3;  // bursty
        return 50 + noise;                                        // flat pool
      };
      AddSyntheticSite(s, def, ts);
    }
    return s;
  }();
  return source;
}

void BM_FullEvaluation(benchmark::State& state) {
  MemoryFleetSource* source = Fleet();
  AnalyzerOptions options;
  options.window = absl::Hours(6);
  options.series_points = static_cast<int>(state.range(0));
  options.parallelism = static_cast<int>(state.range(1));
  options.incremental = false;  // every round reads whole windows
  Analyzer analyzer(options, source, IgnoreRules(), Routing(),
                    [] { return absl::FromUnixSeconds(kNow); });
  int suspects = 0;
  for (auto _ : state) {
    auto report = analyzer.Evaluate();
    if (!report.ok()) {
      state.SkipWithError("evaluation failed");
      return;
    }
    suspects = (*report)->suspects;
    benchmark::DoNotOptimize(suspects);
  }
  state.counters["sites"] = kSites;
  state.counters["instances"] = kInstances;
  state.counters["points"] = double(kSites) * kInstances * kPoints;
  state.counters["suspects"] = suspects;
}

// A later round of an incremental analyzer: the first round (not timed)
// read whole windows; this one re-reads only the last --late_margin (10 min)
// of each series and re-scores everything.
void BM_LaterRound(benchmark::State& state) {
  MemoryFleetSource* source = Fleet();
  AnalyzerOptions options;
  options.window = absl::Hours(6);
  options.series_points = static_cast<int>(state.range(0));
  options.parallelism = static_cast<int>(state.range(1));
  options.max_cached_points = int64_t{1} << 40;
  Analyzer analyzer(options, source, IgnoreRules(), Routing(),
                    [] { return absl::FromUnixSeconds(kNow); });
  if (!analyzer.Evaluate().ok()) {
    state.SkipWithError("first round failed");
    return;
  }
  int suspects = 0;
  for (auto _ : state) {
    auto report = analyzer.Evaluate();
    if (!report.ok()) {
      state.SkipWithError("evaluation failed");
      return;
    }
    suspects = (*report)->suspects;
  }
  state.counters["points_read"] = static_cast<double>(analyzer.points_read());
  state.counters["suspects"] = suspects;
}

BENCHMARK(BM_LaterRound)
    ->ArgNames({"series_points", "threads"})
    ->Args({0, 2})
    ->Args({120, 2})
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(2)
    ->UseRealTime();

BENCHMARK(BM_FullEvaluation)
    ->ArgNames({"series_points", "threads"})
    ->Args({0, 1})
    ->Args({0, 2})
    ->Args({120, 1})
    ->Args({120, 2})
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(2)
    ->ReportAggregatesOnly(false)
    ->UseRealTime();

}  // namespace
}  // namespace analyzer
}  // namespace leakprof

BENCHMARK_MAIN();
