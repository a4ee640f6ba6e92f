// Copyright 2026 The leakprof Authors.
//
// The analyzer's Prometheus metrics (names: docs/metrics.md, Analyzer): its
// own work, and gauges for the top suspects with service/site_id/function/
// class labels, bounded to `max_suspect_series` sites (the rest are dropped
// each round, so cardinality stays bounded).
//
// Thread safety: every method may be called from any thread.

#ifndef LEAKPROF_ANALYZER_METRICS_H_
#define LEAKPROF_ANALYZER_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "analyzer/analyzer.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace leakprof {
namespace analyzer {

class AnalyzerMetrics {
 public:
  AnalyzerMetrics(std::shared_ptr<prometheus::Registry> registry,
                  int max_suspect_series);

  // After a successful round.
  void RecordRound(const Report& report) ABSL_LOCKS_EXCLUDED(mu_);
  // After a failed round.
  void RecordFailure(double seconds);
  // One delivery attempt: sink "alertmanager"/"webhook", result "ok"/...
  void RecordDelivery(const std::string& sink, const std::string& result);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  const int max_suspect_series_;
  prometheus::Family<prometheus::Counter>& evaluations_;
  prometheus::Histogram& duration_;
  prometheus::Gauge& sites_evaluated_;
  prometheus::Gauge& suspects_;
  prometheus::Family<prometheus::Counter>& alerts_sent_;
  prometheus::Family<prometheus::Gauge>& score_;
  prometheus::Family<prometheus::Gauge>& goroutines_;
  prometheus::Family<prometheus::Gauge>& growth_;
  prometheus::Family<prometheus::Gauge>& bytes_;
  absl::Mutex mu_;
  std::vector<prometheus::Gauge*> site_gauges_ ABSL_GUARDED_BY(mu_);
};

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_METRICS_H_
