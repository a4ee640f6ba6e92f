// Copyright 2026 The leakprof Authors.
//
// TargetScraper: one target's scrape cycle. Each RunOnce():
//   1. fetches goroutine?debug=0 (or, when due and the last goroutine count
//      is under the bound, goroutine?debug=2 instead, for wait ages and
//      nil-channel states; debug=0 again if that fails);
//   2. when due, fetches goroutineleak (probed once; a 404 is remembered and
//      the profile not asked for again);
//   3. parses each body, builds one snapshot per profile (snapshot_builder.h)
//      and returns them for the sender;
//   4. computes the next interval: max(interval, cost / (budget * (1 -
//      jitter))), then jitter, where cost is 3 times the wall time the
//      target spent serving the debug=0 (or debug=2) body: an estimate of
//      its CPU (Go's GC runs beside the writer; measured 1.0-2.3x in
//      docs/benchmarks.md), and the shortest jittered interval still keeps
//      the budget.
// Every failure is a result: counted in the metrics by (profile, result),
// logged once per change of result, and returned; nothing throws or exits.
//
// Thread safety: thread-compatible; one thread runs one TargetScraper.

#ifndef LEAKPROF_AGENT_SCRAPER_H_
#define LEAKPROF_AGENT_SCRAPER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/agent_metrics.h"
#include "agent/definitions.h"
#include "agent/process_info.h"
#include "common/http/fetcher.h"
#include "proto/snapshot.pb.h"

namespace leakprof {
namespace agent {

struct TargetConfig {
  // The pprof root, ending in "/": "http://127.0.0.1:6060/debug/pprof/".
  std::string url;
  std::string service;
  std::string instance;
  // Sorted by name, names unique.
  std::vector<std::pair<std::string, std::string>> labels;
};

struct ScrapeOptions {
  // Base interval between scrapes.
  absl::Duration interval = absl::Seconds(60);
  // Each interval is multiplied by a random factor in [1-jitter, 1+jitter].
  double jitter = 0.1;
  // Share of one core the target may spend serving profiles (0.001 = 0.1%).
  // 0 disables the stretch.
  double budget = 0.001;
  // goroutineleak every this long (0 = never).
  absl::Duration leak_interval = absl::Hours(1);
  // debug=2 every this long (0 = never) ...
  absl::Duration debug2_interval = absl::ZeroDuration();
  // ... and only while the last goroutine count is under this.
  int64_t debug2_max_goroutines = 5000;
  // Per-request timeout and body bound (as fetched; the parser bounds the
  // decompressed debug=0 body at 2x this).
  absl::Duration timeout = absl::Seconds(10);
  int64_t max_profile_bytes = int64_t{64} << 20;
  // Look up the process start and Go version (process_info.h).
  bool look_up_process = true;
  std::string agent_version;
};

// max(base, cost / budget); `base` when budget <= 0.
absl::Duration StretchedInterval(absl::Duration base, absl::Duration cost,
                                 double budget);

class TargetScraper {
 public:
  // Returns the next sequence for this target (Spool::NextSequence).
  using SequenceSource = std::function<absl::StatusOr<uint64_t>()>;

  struct Cycle {
    std::vector<v1::Snapshot> snapshots;  // 0, 1 or 2
    absl::Status status;                  // of the main (goroutine) scrape
    absl::Duration next_interval;         // stretched and jittered
  };

  // `fetcher` and `store` must outlive it; `metrics` may be null.
  TargetScraper(TargetConfig target, ScrapeOptions options,
                http::Fetcher* fetcher, DefinitionStore* store,
                AgentMetrics* metrics, SequenceSource sequence);

  Cycle RunOnce();

  const TargetConfig& target() const { return target_; }
  // The interval before jitter, after the last cycle.
  absl::Duration current_interval() const { return interval_; }
  // The target's estimated CPU for the last main profile (2 x the fetch's
  // wall time).
  absl::Duration last_cost() const { return last_cost_; }

 private:
  struct Scraped {
    absl::StatusOr<v1::Snapshot> snapshot;
    absl::Duration fetch_time;
  };
  Scraped ScrapeOne(const std::string& url, absl::string_view profile_label);
  void UpdateProcessInfo();
  void LogResult(absl::string_view profile, const absl::Status& status);

  const TargetConfig target_;
  const ScrapeOptions options_;
  http::Fetcher* const fetcher_;
  DefinitionStore* const store_;
  AgentMetrics* const metrics_;
  SequenceSource sequence_;
  absl::BitGen gen_;

  absl::Duration interval_;
  absl::Duration last_cost_;
  int64_t last_goroutines_ = -1;
  bool leak_supported_ = true;
  absl::Time next_leak_ = absl::InfinitePast();
  absl::Time next_debug2_ = absl::InfinitePast();
  ProcessInfo process_;
  absl::Time next_process_lookup_ = absl::InfinitePast();
  std::string last_logged_;
};

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_SCRAPER_H_
