// Store: the collector's durable data in one RocksDB database: stack
// definitions, per-site per-instance time series in compressed two-hour
// chunks, instances, precise leak evidence and the analyzer's State keys.
// The format is specified in docs/storage.md.
//
// Push() acknowledges (returns) only after its write batch is in the WAL and,
// with StoreOptions::sync_wal (the default), fdatasync'ed; RocksDB groups
// concurrent writers, so many pushes in flight share one WAL write and sync.
// Points of the current window of each instance live in memory and in the
// "heads" column family (one record per snapshot); when an instance moves on
// to a new window (or stays idle for seal_idle) its open window is "sealed":
// encoded into chunks and written together with a range delete of its heads,
// in one atomic batch. Open() replays the heads, so a restart, even after
// SIGKILL or a power cut (sync_wal), recovers every acknowledged snapshot.
//
// Requests are the leakprof.v1 messages (proto/query.proto); the Store has
// no gRPC dependency. Push() expects a request ValidatePush() accepted.
//
// Thread safety: every method is thread-safe. Pushes of different instances
// run in parallel; pushes of one instance are serialized.
#ifndef LEAKPROF_COLLECTOR_STORE_H_
#define LEAKPROF_COLLECTOR_STORE_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "collector/clock.h"
#include "collector/storage.pb.h"
#include "proto/query.pb.h"
#include "proto/snapshot.pb.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Cache;
}  // namespace rocksdb

namespace leakprof::collector {

struct StoreOptions {
  // Directory of the RocksDB database; created when missing.
  std::string data_dir;
  // Data older than this is dropped (compaction filter) and not served.
  absl::Duration retention = absl::Hours(14 * 24);
  // fdatasync the WAL before a push is acknowledged. false: acknowledged
  // once in the OS page cache (survives a process crash, not a power cut).
  bool sync_wal = true;
  // An instance's open window is sealed when it has not pushed for this
  // long (by the clock below).
  absl::Duration seal_idle = absl::Minutes(30);
  // RocksDB block cache shared by all column families, and the memtable
  // size of each.
  int64_t block_cache_bytes = 64 << 20;
  int64_t write_buffer_bytes = 16 << 20;
  // Time source for retention, idle sealing and "live" instances. Not owned
  // when set; a RealClock otherwise.
  Clock* clock = nullptr;
};

struct PushResult {
  bool stored = false;
  bool duplicate = false;
  std::vector<uint64_t> unknown_stack_ids;  // sorted, unique
  int64_t points = 0;                       // stack points written
};

struct StoreStats {
  int64_t stacks_known = 0;
  int64_t instances_live = 0;  // pushed within the last 10 minutes
  int64_t sst_bytes = 0;
  int64_t wal_bytes = 0;
  int64_t memtable_bytes = 0;
  int64_t compactions = 0;
  int64_t retention_deleted_points = 0;
};

class Store {
 public:
  // Opens (creating when missing) the database and recovers the open windows
  // from the heads. kInvalidArgument for an empty data_dir; kInternal /
  // kDataLoss (with RocksDB's message) when the database cannot be opened.
  static absl::StatusOr<std::unique_ptr<Store>> Open(StoreOptions options);

  // Flushes memtables and closes the database.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Stores one validated snapshot (see the file comment). stored=false with
  // unknown_stack_ids when it references stacks neither known nor defined
  // in it; duplicate=true when (service, instance, sequence) was stored with
  // the same timestamp. kInternal when the write fails.
  absl::StatusOr<PushResult> Push(const leakprof::v1::Snapshot& snapshot);

  // Queries. kInvalidArgument for a bad window, page token or size,
  // kNotFound for an unknown service or stack.
  absl::StatusOr<leakprof::v1::ListServicesResponse> ListServices(
      const leakprof::v1::ListServicesRequest& request);
  absl::StatusOr<leakprof::v1::ListSitesResponse> ListSites(
      const leakprof::v1::ListSitesRequest& request);
  absl::StatusOr<leakprof::v1::GetSiteSeriesResponse> GetSiteSeries(
      const leakprof::v1::GetSiteSeriesRequest& request);
  absl::StatusOr<leakprof::v1::GetStackResponse> GetStack(
      const leakprof::v1::GetStackRequest& request);
  absl::StatusOr<leakprof::v1::ListInstancesResponse> ListInstances(
      const leakprof::v1::ListInstancesRequest& request);

  // State: small keys for the analyzer, compare-and-set on version.
  // kInvalidArgument for an empty or too long key / too large value,
  // kFailedPrecondition on a version mismatch.
  absl::StatusOr<leakprof::v1::GetStateResponse> GetState(
      const leakprof::v1::GetStateRequest& request);
  absl::StatusOr<leakprof::v1::PutStateResponse> PutState(
      const leakprof::v1::PutStateRequest& request);
  absl::StatusOr<leakprof::v1::ListStateResponse> ListState(
      const leakprof::v1::ListStateRequest& request);

  // Seals the open windows of instances idle for seal_idle (all of them when
  // `all`). Returns how many were sealed.
  absl::StatusOr<int> SealIdle(bool all = false);
  // Drops everything older than the retention: forgets expired instances
  // and sites, then compacts every time-keyed column family through the
  // retention compaction filter.
  absl::Status EnforceRetention();
  // Compacts the whole database (benchmarks measure bytes after this).
  absl::Status CompactAll();
  // Flushes the memtables to SST files (graceful shutdown).
  absl::Status Flush();

  StoreStats Stats();

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakprof::collector

#endif  // LEAKPROF_COLLECTOR_STORE_H_
