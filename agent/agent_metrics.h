// Copyright 2026 The leakprof Authors.
//
// The agent's Prometheus metrics, exactly as docs/metrics.md (Agent) names
// them, registered in one prometheus::Registry.
//
// Updates are kept aside in plain counters and applied to the registry by
// Flush(), which the admin server calls before each /metrics render: a
// cycle runs once a minute with cold caches, and updating prometheus-cpp's
// labelled children directly (a map of label strings built per call, then
// the family's lookup) cost 50-120 us of the agent's ~0.9 ms cycle. What
// a render shows is the same.
//
// Thread safety: thread-safe.

#ifndef LEAKPROF_AGENT_AGENT_METRICS_H_
#define LEAKPROF_AGENT_AGENT_METRICS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace leakprof {
namespace agent {

class AgentMetrics {
 public:
  AgentMetrics();

  // The registry, with every update so far applied (Flush()).
  std::shared_ptr<prometheus::Registry> registry() {
    Flush();
    return registry_;
  }
  // Applies the updates kept aside since the last call.
  void Flush() ABSL_LOCKS_EXCLUDED(mu_);

  // `profile`: goroutine, goroutineleak, debug2. `result`: ok, http_error,
  // timeout, too_large, parse_error, unreachable.
  void Scrape(const std::string& service, const std::string& instance,
              absl::string_view profile, absl::string_view result,
              absl::Duration duration, int64_t body_bytes)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Goroutines(const std::string& service, const std::string& instance,
                  int64_t n) ABSL_LOCKS_EXCLUDED(mu_);
  void Interval(const std::string& service, const std::string& instance,
                absl::Duration interval) ABSL_LOCKS_EXCLUDED(mu_);
  void SnapshotBytes(const std::string& service, const std::string& instance,
                     int64_t bytes) ABSL_LOCKS_EXCLUDED(mu_);
  void LastSuccess(const std::string& service, const std::string& instance,
                   absl::Time when) ABSL_LOCKS_EXCLUDED(mu_);
  // `result`: ok, unknown_ids, unknown_refs, unavailable, refused,
  // unauthenticated, error.
  void Push(absl::string_view result, absl::Duration duration)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Spool(int64_t entries, int64_t bytes, int64_t newly_dropped)
      ABSL_LOCKS_EXCLUDED(mu_);
  // CPU the agent's calling thread spent in one phase of a cycle: `phase`
  // is fetch, parse, snapshot or push (ThreadCpuNow() differences).
  void CycleCpu(absl::string_view phase, absl::Duration cpu)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  static constexpr int kProfiles = 3;     // goroutine, goroutineleak, debug2
  static constexpr int kResults = 6;      // ok, http_error, ...
  static constexpr int kPushResults = 7;  // ok, unknown_ids, ...
  static constexpr int kPhases = 4;       // fetch, parse, snapshot, push

  // Observations of a histogram (DurationBuckets()) not yet applied.
  struct HistogramDelta {
    std::vector<double> buckets;  // one per bound, plus +Inf; empty: none
    double sum = 0;
    void Observe(double v);
  };
  // One target's updates since the last Flush.
  struct TargetDelta {
    int64_t scrapes[kProfiles][kResults] = {};
    HistogramDelta duration[kProfiles];
    std::optional<double> profile_bytes[kProfiles];
    std::optional<double> goroutines;
    std::optional<double> interval;
    std::optional<double> snapshot_bytes;
    std::optional<double> last_success;
  };
  // (service, instance) -> delta; looked up by string_views.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::pair<absl::string_view, absl::string_view> k) const;
  };
  struct KeyEq {
    using is_transparent = void;
    bool operator()(std::pair<absl::string_view, absl::string_view> a,
                    std::pair<absl::string_view, absl::string_view> b) const {
      return a == b;
    }
  };
  TargetDelta& DeltaOf(const std::string& service, const std::string& instance)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* scrapes_;
  prometheus::Family<prometheus::Histogram>* scrape_duration_;
  prometheus::Family<prometheus::Gauge>* profile_bytes_;
  prometheus::Family<prometheus::Gauge>* goroutines_;
  prometheus::Family<prometheus::Gauge>* interval_;
  prometheus::Family<prometheus::Gauge>* snapshot_bytes_;
  prometheus::Family<prometheus::Counter>* pushes_;
  prometheus::Histogram* push_duration_;
  prometheus::Gauge* spool_snapshots_;
  prometheus::Gauge* spool_bytes_;
  prometheus::Counter* spool_dropped_;
  prometheus::Family<prometheus::Gauge>* last_success_;
  prometheus::Counter* push_results_[kPushResults];
  prometheus::Counter* cpu_[kPhases];

  absl::Mutex mu_;
  absl::flat_hash_map<std::pair<std::string, std::string>, TargetDelta, KeyHash,
                      KeyEq>
      targets_ ABSL_GUARDED_BY(mu_);
  int64_t pushes_delta_[kPushResults] ABSL_GUARDED_BY(mu_) = {};
  HistogramDelta push_duration_delta_ ABSL_GUARDED_BY(mu_);
  std::optional<double> spool_entries_ ABSL_GUARDED_BY(mu_);
  std::optional<double> spool_bytes_value_ ABSL_GUARDED_BY(mu_);
  int64_t spool_dropped_delta_ ABSL_GUARDED_BY(mu_) = 0;
  double cpu_delta_[kPhases] ABSL_GUARDED_BY(mu_) = {};
};

// CPU time consumed so far by the calling thread (CLOCK_THREAD_CPUTIME_ID).
absl::Duration ThreadCpuNow();

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_AGENT_METRICS_H_
