// RefTables: the collector's in-memory stack reference tables
// (docs/protocol.md, "Stack references").
//
// An agent may name a snapshot's stacks by small numbers ("refs") of a table
// it keeps per target and session (`Snapshot.ref_session`), sending each
// ref's stack id once (`bind_first_ref`, `bind_stack_ids`) and then only the
// delta-coded refs (`stack_refs`). RefTables holds, per (service, instance),
// one table {session, ids[1..n]} and turns such a snapshot back into an
// ordinary one (`stack_ids`), so validation and the Store see nothing new.
//
// The tables live in memory only: a restarted collector has none, answers
// `refs_unknown`, and each agent re-sends its whole table once. When all
// tables together pass RefTablesOptions::max_ref_memory_bytes every table is
// dropped at once (a "reset").
//
// Cost: per point one bounds check and one vector index, under one mutex
// held for the resolution of a snapshot (the delta decoding and checks run
// before it is taken).
//
// Thread safety: thread-safe; Resolve() calls of any instances may run
// concurrently (they serialize on one mutex for the table work).
#ifndef LEAKPROF_COLLECTOR_REF_TABLES_H_
#define LEAKPROF_COLLECTOR_REF_TABLES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proto/snapshot.pb.h"

namespace leakprof::collector {

struct RefTablesOptions {
  // Refs one (service, instance) table may hold; bindings that would reach
  // past it are refused with kResourceExhausted (nothing applied).
  int64_t max_refs_per_instance = 1000000;
  // All tables together, counted as 8 bytes a ref (the ids; a table's
  // vector may hold up to twice that while it grows, and the small
  // per-table overhead is not counted). Past it every table is dropped.
  int64_t max_ref_memory_bytes = int64_t{256} << 20;
  // Entries of `stack_refs` in one snapshot (as PushLimits::max_stacks);
  // more: kResourceExhausted.
  int max_points = 20000;
  // Bytes of `service` and `instance` (the table's key), as
  // PushLimits::max_name_bytes; checked before a table is touched.
  int max_name_bytes = 256;
};

// What Resolve() did with one snapshot.
struct ResolveResult {
  // The snapshot's refs cannot be resolved here (no table, a table of
  // another session, a ref past the table, or bindings with a gap): answer
  // `stored = false, refs_unknown = true` and store nothing. The snapshot
  // is left in an unspecified state.
  bool refs_unknown = false;
  // Bindings applied (0 when none or when refs_unknown before applying).
  int64_t bound = 0;
  // Points whose ref was replaced by its stack id.
  int64_t resolved = 0;
  // This call dropped every table (max_ref_memory_bytes reached).
  bool reset = false;
};

struct RefTablesStats {
  int64_t tables = 0;  // (service, instance) tables held
  int64_t refs = 0;    // refs held over all tables
  int64_t resets = 0;  // times every table was dropped (cumulative)
};

class RefTables {
 public:
  explicit RefTables(RefTablesOptions options = RefTablesOptions());
  RefTables(const RefTables&) = delete;
  RefTables& operator=(const RefTables&) = delete;

  // True when `snapshot` sets any of ref_session, stack_refs,
  // bind_first_ref, bind_stack_ids (Resolve() has work to do).
  static bool UsesRefs(const leakprof::v1::Snapshot& snapshot);

  // Applies the snapshot's bindings to its (service, instance) table, then
  // replaces `stack_refs` by the `stack_ids` they stand for and clears
  // ref_session, stack_refs, bind_first_ref and bind_stack_ids, so the
  // snapshot is an ordinary one (still to be validated by ValidatePush()).
  // A snapshot without ref fields is left as is.
  //
  // Every kInvalidArgument check (ref fields and the service/instance
  // names) runs before a table is touched, so such an error changes no
  // table; messages name the field and index, e.g.
  // "snapshot.stack_refs[3]: delta 0 (refs are unique and increasing)",
  // "snapshot.bind_stack_ids[0]: zero id". kResourceExhausted for more
  // than max_points refs or bindings reaching past max_refs_per_instance
  // (or past max_ref_memory_bytes on their own). refs_unknown: see
  // ResolveResult.
  absl::StatusOr<ResolveResult> Resolve(leakprof::v1::Snapshot* snapshot);

  RefTablesStats Stats() const;

  const RefTablesOptions& options() const { return options_; }

 private:
  struct Table {
    uint64_t session = 0;
    std::vector<uint64_t> ids;  // ids[r - 1] is ref r's stack id
  };
  using Key = std::pair<std::string, std::string>;  // service, instance

  // Drops every table; counts a reset.
  void ResetLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RefTablesOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<Key, Table> tables_ ABSL_GUARDED_BY(mu_);
  int64_t refs_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t resets_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace leakprof::collector

#endif  // LEAKPROF_COLLECTOR_REF_TABLES_H_
