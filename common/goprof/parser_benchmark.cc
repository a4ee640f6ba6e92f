// Copyright 2026 The leakprof Authors.
//
// Parser speed on real bodies. The bodies are large, so they are not in the
// repository: tools/bench/parser_vs_go.sh writes them with goprofgen and runs
// this with LEAKPROF_BENCH_PREFIX=/path/prefix (reads prefix.debug0/1/2).
//
//   LEAKPROF_BENCH_PREFIX=/tmp/prof/g100k
//   bazel-bin/common/goprof/parser_benchmark

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

#include "benchmark/benchmark.h"
#include "common/base/malloc_tuning.h"
#include "common/goprof/gunzip.h"
#include "common/goprof/parser.h"
#include "common/goprof/sites.h"

namespace leakprof {
namespace goprof {
namespace {

// Read once per process: Google Benchmark calls each benchmark function
// several times, and re-reading a 64 MiB body churns the heap it measures.
const std::string& ReadBody(const std::string& suffix) {
  static auto* bodies = new std::map<std::string, std::string>();
  auto [it, fresh] = bodies->try_emplace(suffix);
  if (fresh) {
    const char* prefix = std::getenv("LEAKPROF_BENCH_PREFIX");
    if (prefix == nullptr) return it->second;
    std::ifstream f(std::string(prefix) + suffix, std::ios::binary);
    std::ostringstream content;
    content << f.rdbuf();
    it->second = std::move(content).str();
  }
  return it->second;
}

void ParseAndAggregate(benchmark::State& state, const std::string& suffix) {
  const std::string& body = ReadBody(suffix);
  if (body.empty()) {
    state.SkipWithError("set LEAKPROF_BENCH_PREFIX to a goprofgen prefix");
    return;
  }
  int64_t goroutines = 0;
  for (auto _ : state) {
    absl::StatusOr<Profile> p = Parse(body);
    if (!p.ok()) {
      state.SkipWithError(std::string(p.status().message()).c_str());
      return;
    }
    std::vector<Site> sites = AggregateSites(*p);
    benchmark::DoNotOptimize(sites.data());
    goroutines = p->total_goroutines;
  }
  state.SetBytesProcessed(state.iterations() * body.size());
  state.counters["goroutines"] = goroutines;
}

void BM_Debug0(benchmark::State& state) { ParseAndAggregate(state, ".debug0"); }
void BM_Debug1(benchmark::State& state) { ParseAndAggregate(state, ".debug1"); }
void BM_Debug2(benchmark::State& state) { ParseAndAggregate(state, ".debug2"); }

// The share of debug=0 that is decompression.
void BM_Debug0GunzipOnly(benchmark::State& state) {
  const std::string& body = ReadBody(".debug0");
  if (body.empty()) {
    state.SkipWithError("set LEAKPROF_BENCH_PREFIX to a goprofgen prefix");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<std::string> out = Gunzip(body, 1 << 30);
    benchmark::DoNotOptimize(out->data());
  }
}

BENCHMARK(BM_Debug0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Debug0GunzipOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Debug1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Debug2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace goprof
}  // namespace leakprof

// Like BENCHMARK_MAIN(), with the heap kept warm as in leakprofctl and the
// agent (common/base/malloc_tuning.h).
int main(int argc, char** argv) {
  leakprof::KeepFreedHeapForReuse();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
