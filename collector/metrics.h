// The collector's Prometheus metrics, with the exact names of
// docs/metrics.md (Collector section).
//
// Thread safety: prometheus-cpp metrics are thread-safe; Refresh() may run
// concurrently with the Record* calls.
#ifndef LEAKPROF_COLLECTOR_METRICS_H_
#define LEAKPROF_COLLECTOR_METRICS_H_

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "collector/ref_tables.h"
#include "collector/store.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace leakprof::collector {

class CollectorMetrics {
 public:
  // Registers every family in `registry` (shared with the admin server).
  explicit CollectorMetrics(std::shared_ptr<prometheus::Registry> registry);

  // `result`: ok, unknown_ids, refs_unknown, duplicate, invalid,
  // unauthenticated, overloaded, error.
  void RecordPush(const std::string& result, absl::Duration took);
  void RecordPoints(int64_t points);
  void RecordQuery(const std::string& method, const std::string& result);
  // Copies the store's gauges and cumulative counts.
  void Refresh(const StoreStats& stats);
  // Copies the ref tables' gauges and their cumulative reset count.
  void RecordRefTables(const RefTablesStats& stats);

  const std::shared_ptr<prometheus::Registry>& registry() const {
    return registry_;
  }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& pushes_;
  prometheus::Histogram& push_duration_;
  prometheus::Counter& points_;
  prometheus::Gauge& stacks_known_;
  prometheus::Gauge& instances_live_;
  prometheus::Family<prometheus::Gauge>& storage_bytes_;
  prometheus::Counter& compactions_;
  prometheus::Family<prometheus::Counter>& queries_;
  prometheus::Counter& retention_deleted_;
  prometheus::Gauge& ref_tables_;
  prometheus::Gauge& refs_;
  prometheus::Counter& ref_table_resets_;
  absl::Mutex mu_;
  int64_t last_compactions_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_retention_deleted_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_ref_table_resets_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace leakprof::collector

#endif  // LEAKPROF_COLLECTOR_METRICS_H_
