// Copyright 2026 The leakprof Authors.
//
// The agent's data path per cycle, in process (Google Benchmark): parse a
// debug=0 body, build the snapshot (store warm: steady state), and encode
// the steady-state PushRequest. Excludes the HTTP fetch and the RPC, whose
// fixed costs tools/bench/agent_overhead.sh measures on the real binary.
// Bodies: the files named by LEAKPROF_BENCH_BODIES (comma-separated).

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "agent/definitions.h"
#include "agent/snapshot_builder.h"
#include "common/base/malloc_tuning.h"
#include "common/goprof/parser.h"

namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void BM_ParseBuildEncode(benchmark::State& state, std::string body) {
  using namespace leakprof;
  agent::SnapshotMeta meta;
  meta.service = "payments";
  meta.instance = "payments-7d9f8c6b5-x2x4q";
  agent::DefinitionStore store;
  {
    auto p = goprof::Parse(body);
    if (!p.ok()) {
      state.SkipWithError(std::string(p.status().message()).c_str());
      return;
    }
    agent::BuildSnapshot(*p, meta, &store);
  }
  int64_t bytes = 0;
  for (auto _ : state) {
    auto p = goprof::Parse(body);
    v1::PushRequest r;
    *r.mutable_snapshot() = agent::BuildSnapshot(*p, meta, &store);
    std::string wire = r.SerializeAsString();
    bytes = static_cast<int64_t>(wire.size());
    benchmark::DoNotOptimize(wire);
  }
  state.counters["request_bytes"] = static_cast<double>(bytes);
}

}  // namespace

int main(int argc, char** argv) {
  leakprof::KeepFreedHeapForReuse();
  const char* bodies = std::getenv("LEAKPROF_BENCH_BODIES");
  if (bodies != nullptr) {
    for (absl::string_view path : absl::StrSplit(bodies, ',')) {
      std::string p(path);
      benchmark::RegisterBenchmark(
          ("BM_ParseBuildEncode/" + p.substr(p.rfind('/') + 1)).c_str(),
          BM_ParseBuildEncode, Read(p))
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
