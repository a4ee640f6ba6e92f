// Copyright 2026 The leakprof Authors.
//
// Delivers one snapshot to one collector with the stack dictionary: sends
// the definitions of the stack ids this collector has not acknowledged, and
// when the collector answers stored=false with unknown_stack_ids, re-pushes
// the same snapshot at once with those definitions added (bounded).
//
// Stack references (docs/protocol.md, "Stack references"): per (service,
// instance) the Pusher numbers stacks 1, 2, 3, ... in a table with a random
// session id, sends each binding once, and names points by ref, sorted and
// delta-coded, instead of by 8-byte id. On refs_unknown (the collector
// restarted, or is another one) it re-pushes at once with the whole table.
//
// PushTransport is the RPC itself (collector_client.h: gRPC over nghttp2; a
// fake in unit tests). Pusher holds no gRPC headers.
//
// Thread safety: Pusher is thread-compatible: one sender thread uses it.

#ifndef LEAKPROF_AGENT_PUSHER_H_
#define LEAKPROF_AGENT_PUSHER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/definitions.h"
#include "proto/snapshot.pb.h"

namespace leakprof {
namespace agent {

// One Push RPC. Errors keep the RPC's code: kUnavailable /
// kDeadlineExceeded (down or slow), kResourceExhausted (refused, overloaded),
// kUnauthenticated / kPermissionDenied, kInvalidArgument (rejected for good).
class PushTransport {
 public:
  virtual ~PushTransport() = default;
  virtual absl::StatusOr<v1::PushResponse> Push(
      const v1::Snapshot& snapshot) = 0;
  // Nothing more to push for now: a transport may release its connection
  // (collector_client.h keeps its one HTTP/2 connection: idle, it costs no
  // CPU).
  virtual void Idle() {}
};

// The `result` label of leakprof_agent_pushes_total for one RPC outcome:
// ok, unknown_ids, unknown_refs, unavailable, refused, unauthenticated,
// error.
absl::string_view PushResultLabel(const absl::StatusOr<v1::PushResponse>& r);

// True for errors worth retrying later (the snapshot is kept in the spool):
// everything except kInvalidArgument, kFailedPrecondition, kOutOfRange,
// kUnimplemented.
bool IsRetryable(const absl::Status& status);

struct PusherOptions {
  // Re-pushes after an unknown_stack_ids answer before giving up (the push
  // then fails with kFailedPrecondition and is retried later).
  int max_unknown_retries = 3;
  // Most acknowledged ids remembered; over it the set is emptied (the next
  // pushes then carry definitions again).
  size_t max_acked_ids = 1000000;
  // Name points by stack reference instead of id (protocol.md, "Stack
  // references"). Off: every point carries its 8-byte id.
  bool use_refs = true;
  // Most refs in one (service, instance) table; a push that would pass it
  // starts a new session (new random id, empty table, bindings re-sent).
  // The collector's own bound is 1,000,000.
  size_t max_refs_per_table = 200000;
};

// `snapshot` (points by id) with its points named by ref instead: points
// sorted by ref, `stack_refs` delta-coded, extras' `point` remapped, and
// `stack_ids` cleared. `ref_of(id)` gives each id's ref (>= 1, unique).
// Bindings are not touched. Exposed for tests and agent_wire_size.
v1::Snapshot WithRefs(v1::Snapshot snapshot, uint64_t session,
                      const std::function<uint32_t(uint64_t)>& ref_of);

class Pusher {
 public:
  // Called after every RPC with its result label and duration.
  using RpcObserver = std::function<void(absl::string_view, absl::Duration)>;

  // `transport` and `store` must outlive the Pusher.
  Pusher(PushTransport* transport, DefinitionStore* store,
         PusherOptions options = PusherOptions(),
         RpcObserver observer = nullptr);

  // Pushes `snapshot` (any definitions it carries are first added to the
  // store, then replaced by the ones this collector needs). OK when the
  // collector stored it or had it already (duplicate). Errors are the RPC's
  // (see PushTransport), or kFailedPrecondition when the collector still
  // lacked definitions after the retries.
  absl::Status Push(const v1::Snapshot& snapshot);

  // Nothing queued: lets the transport release its connection.
  void Idle() { transport_->Idle(); }

  // Forgets which ids and bindings the collector acknowledged (e.g. a new
  // endpoint).
  void ForgetAcknowledged();
  size_t acknowledged() const { return acked_.size(); }
  // Bytes of the last Push RPC's serialized snapshot (before compression).
  int64_t last_request_bytes() const { return last_request_bytes_; }

 private:
  PushTransport* const transport_;
  DefinitionStore* const store_;
  const PusherOptions options_;
  RpcObserver observer_;
  // One (service, instance)'s stack references.
  struct RefTable {
    uint64_t session = 0;                          // random, non-zero
    std::vector<uint64_t> ids;                     // ids[ref - 1]
    absl::flat_hash_map<uint64_t, uint32_t> refs;  // id -> ref
    size_t acked = 0;  // refs 1..acked are bound in the collector
  };
  // The table for `snapshot`'s target, with a ref for each of its ids.
  RefTable& RefsFor(const v1::Snapshot& snapshot);
  // `request` named by ref, carrying the bindings the collector lacks (all
  // of them with `all_bindings`).
  v1::Snapshot Referenced(v1::Snapshot request, const RefTable& table,
                          bool all_bindings) const;

  absl::flat_hash_set<uint64_t> acked_;
  absl::flat_hash_map<std::string, RefTable> ref_tables_;
  absl::BitGen bitgen_;
  int64_t last_request_bytes_ = 0;
};

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_PUSHER_H_
