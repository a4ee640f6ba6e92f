#include "collector/metrics.h"

#include <utility>

namespace leakprof::collector {

CollectorMetrics::CollectorMetrics(
    std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      pushes_(prometheus::BuildCounter()
                  .Name("leakprof_collector_pushes_total")
                  .Help("Pushes received, by result.")
                  .Register(*registry_)),
      push_duration_(prometheus::BuildHistogram()
                         .Name("leakprof_collector_push_duration_seconds")
                         .Help("Push handling, durable write included.")
                         .Register(*registry_)
                         .Add({},
                              prometheus::Histogram::BucketBoundaries{
                                  0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                  0.1, 0.2, 0.5, 1, 2, 5})),
      points_(prometheus::BuildCounter()
                  .Name("leakprof_collector_points_written_total")
                  .Help("Stack points stored.")
                  .Register(*registry_)
                  .Add({})),
      stacks_known_(prometheus::BuildGauge()
                        .Name("leakprof_collector_stacks_known")
                        .Help("Stack definitions stored.")
                        .Register(*registry_)
                        .Add({})),
      instances_live_(
          prometheus::BuildGauge()
              .Name("leakprof_collector_instances_live")
              .Help("Instances with a snapshot in the last 10 minutes.")
              .Register(*registry_)
              .Add({})),
      storage_bytes_(prometheus::BuildGauge()
                         .Name("leakprof_collector_storage_bytes")
                         .Help("RocksDB size by kind (sst, wal, memtable).")
                         .Register(*registry_)),
      compactions_(prometheus::BuildCounter()
                       .Name("leakprof_collector_compactions_total")
                       .Help("RocksDB compactions finished.")
                       .Register(*registry_)
                       .Add({})),
      queries_(prometheus::BuildCounter()
                   .Name("leakprof_collector_queries_total")
                   .Help("Query RPCs by method and result.")
                   .Register(*registry_)),
      retention_deleted_(prometheus::BuildCounter()
                             .Name("leakprof_collector_retention_deleted_total")
                             .Help("Points removed by retention.")
                             .Register(*registry_)
                             .Add({})),
      ref_tables_(prometheus::BuildGauge()
                      .Name("leakprof_collector_ref_tables")
                      .Help("Stack reference tables held (one per instance "
                            "pushing refs; in memory only).")
                      .Register(*registry_)
                      .Add({})),
      refs_(prometheus::BuildGauge()
                .Name("leakprof_collector_refs")
                .Help("Stack references held over all ref tables (8 bytes "
                      "each).")
                .Register(*registry_)
                .Add({})),
      ref_table_resets_(prometheus::BuildCounter()
                            .Name("leakprof_collector_ref_table_resets_total")
                            .Help("Times every ref table was dropped at once "
                                  "(--max-ref-memory-bytes reached).")
                            .Register(*registry_)
                            .Add({})) {
  for (const char* result :
       {"ok", "unknown_ids", "refs_unknown", "duplicate", "invalid",
        "unauthenticated", "overloaded", "error"}) {
    pushes_.Add({{"result", result}});
  }
  for (const char* kind : {"sst", "wal", "memtable"}) {
    storage_bytes_.Add({{"kind", kind}});
  }
}

void CollectorMetrics::RecordPush(const std::string& result,
                                  absl::Duration took) {
  pushes_.Add({{"result", result}}).Increment();
  push_duration_.Observe(absl::ToDoubleSeconds(took));
}

void CollectorMetrics::RecordPoints(int64_t points) {
  points_.Increment(static_cast<double>(points));
}

void CollectorMetrics::RecordQuery(const std::string& method,
                                   const std::string& result) {
  queries_.Add({{"method", method}, {"result", result}}).Increment();
}

void CollectorMetrics::Refresh(const StoreStats& stats) {
  stacks_known_.Set(static_cast<double>(stats.stacks_known));
  instances_live_.Set(static_cast<double>(stats.instances_live));
  storage_bytes_.Add({{"kind", "sst"}})
      .Set(static_cast<double>(stats.sst_bytes));
  storage_bytes_.Add({{"kind", "wal"}})
      .Set(static_cast<double>(stats.wal_bytes));
  storage_bytes_.Add({{"kind", "memtable"}})
      .Set(static_cast<double>(stats.memtable_bytes));
  absl::MutexLock lock(&mu_);
  if (stats.compactions > last_compactions_) {
    compactions_.Increment(
        static_cast<double>(stats.compactions - last_compactions_));
    last_compactions_ = stats.compactions;
  }
  if (stats.retention_deleted_points > last_retention_deleted_) {
    retention_deleted_.Increment(static_cast<double>(
        stats.retention_deleted_points - last_retention_deleted_));
    last_retention_deleted_ = stats.retention_deleted_points;
  }
}

void CollectorMetrics::RecordRefTables(const RefTablesStats& stats) {
  ref_tables_.Set(static_cast<double>(stats.tables));
  refs_.Set(static_cast<double>(stats.refs));
  absl::MutexLock lock(&mu_);
  if (stats.resets > last_ref_table_resets_) {
    ref_table_resets_.Increment(
        static_cast<double>(stats.resets - last_ref_table_resets_));
    last_ref_table_resets_ = stats.resets;
  }
}

}  // namespace leakprof::collector
