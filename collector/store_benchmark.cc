// GetSiteSeries of one site over 1,000 instances and a 6-hour window (one
// point a minute: 360,000 points), straight on the Store, no gRPC: the
// query figure of docs/benchmarks.md without the transport.
//
//   bazel run //collector:store_benchmark
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "benchmark/benchmark.h"
#include "collector/clock.h"
#include "collector/store.h"
#include "collector/testing/snapshots.h"

namespace leakprof::collector {
namespace {

namespace v1 = ::leakprof::v1;

constexpr int kInstances = 1000;
constexpr int kStacks = 10;
constexpr int kRounds = 361;
constexpr int64_t kT0 = 1767225600;  // a window boundary

Store* FilledStore() {
  static Store* store = [] {
    const char* tmp = std::getenv("TEST_TMPDIR");
    StoreOptions options;
    options.data_dir =
        absl::StrCat(tmp ? tmp : "/tmp", "/store_benchmark.", getpid());
    options.sync_wal = false;
    static FakeClock clock(absl::FromUnixSeconds(kT0 + 7 * 3600));
    options.clock = &clock;
    auto opened = Store::Open(options);
    if (!opened.ok()) std::abort();
    Store* s = opened->release();
    for (int r = 0; r < kRounds; ++r) {
      for (int i = 0; i < kInstances; ++i) {
        std::vector<std::pair<uint64_t, int64_t>> points;
        for (int k = 1; k <= kStacks; ++k)
          points.emplace_back(k, (i + k + r / 7) % 13);
        v1::Snapshot snap = testing::MakeSnapshot(
            "svc", absl::StrCat("inst-", i), kT0 + 60 * r, r + 1, points);
        snap.set_process_start_unix_nanos((kT0 - 3600) * 1000000000LL);
        if (r == 0) {
          std::vector<uint64_t> ids;
          for (int k = 1; k <= kStacks; ++k) ids.push_back(k);
          testing::AddDefinitions(&snap, ids);
        }
        if (!s->Push(snap).ok()) std::abort();
      }
    }
    return s;
  }();
  return store;
}

void BM_GetSiteSeries6h1000Instances(benchmark::State& state) {
  Store* store = FilledStore();
  v1::GetSiteSeriesRequest req;
  req.set_service("svc");
  req.set_site_id(testing::SiteOf(3));
  req.mutable_window()->set_end_unix_seconds(kT0 + 60 * kRounds);
  req.mutable_window()->set_start_unix_seconds(kT0 + 60 * kRounds - 6 * 3600);
  req.set_step_seconds(state.range(0));
  req.set_max_instances(10000);
  int64_t points = 0;
  for (auto _ : state) {
    auto resp = store->GetSiteSeries(req);
    if (!resp.ok() || resp->instances_size() != kInstances) std::abort();
    points = 0;
    for (const auto& s : resp->instances()) points += s.counts_size();
    benchmark::DoNotOptimize(resp);
  }
  state.counters["points"] = static_cast<double>(points);
}
BENCHMARK(BM_GetSiteSeries6h1000Instances)
    ->Arg(0)
    ->Arg(60)
    ->Arg(600)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2);

}  // namespace
}  // namespace leakprof::collector

int main(int argc, char** argv) {
  // As in the collector binary (Debian's abseil has it on).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
