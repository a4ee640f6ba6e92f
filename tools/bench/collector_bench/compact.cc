// collector_compact: opens a (stopped) collector's data directory, seals
// every open window, compacts the whole database and prints its SST bytes,
// the points it holds and bytes per point. For the benchmark's disk figure.
//
//   collector_compact --data-dir=DIR --points=N
#include <cinttypes>
#include <cstdio>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "collector/store.h"

ABSL_FLAG(std::string, data_dir, "", "collector data directory");
ABSL_FLAG(int64_t, points, 0, "points stored (from collector_load)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  leakprof::collector::StoreOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  auto store = leakprof::collector::Store::Open(options);
  if (!store.ok()) {
    std::cerr << store.status() << "\n";
    return 1;
  }
  const auto before = (*store)->Stats();
  auto sealed = (*store)->SealIdle(/*all=*/true);
  if (!sealed.ok()) {
    std::cerr << sealed.status() << "\n";
    return 1;
  }
  absl::Status st = (*store)->CompactAll();
  if (!st.ok()) {
    std::cerr << st << "\n";
    return 1;
  }
  const auto after = (*store)->Stats();
  const int64_t points = absl::GetFlag(FLAGS_points);
  std::printf("collector_compact: sealed %d open windows; sst before=%" PRId64
              " after=%" PRId64 " bytes; %" PRId64
              " points: %.3f bytes/point\n",
              *sealed, before.sst_bytes, after.sst_bytes, points,
              points > 0 ? static_cast<double>(after.sst_bytes) / points : 0.0);
  return 0;
}
