// Copyright 2026 The leakprof Authors.
//
// Delivers one snapshot to one collector with the stack dictionary: sends
// the definitions of the stack ids this collector has not acknowledged, and
// when the collector answers stored=false with unknown_stack_ids, re-pushes
// the same snapshot at once with those definitions added (bounded).
//
// PushTransport is the RPC itself (collector_client.h over gRPC; a fake in
// unit tests). Pusher holds no gRPC headers.
//
// Thread safety: Pusher is thread-compatible: one sender thread uses it.

#ifndef LEAKPROF_AGENT_PUSHER_H_
#define LEAKPROF_AGENT_PUSHER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/container/flat_hash_set.h"
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
  // (the gRPC one closes its channel, so gRPC's timer threads sleep until
  // the next push).
  virtual void Idle() {}
};

// The `result` label of leakprof_agent_pushes_total for one RPC outcome:
// ok, unknown_ids, unavailable, refused, unauthenticated, error.
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
};

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

  // Forgets which ids the collector acknowledged (e.g. a new endpoint).
  void ForgetAcknowledged() { acked_.clear(); }
  size_t acknowledged() const { return acked_.size(); }
  // Bytes of the last Push RPC's serialized snapshot (before compression).
  int64_t last_request_bytes() const { return last_request_bytes_; }

 private:
  PushTransport* const transport_;
  DefinitionStore* const store_;
  const PusherOptions options_;
  RpcObserver observer_;
  absl::flat_hash_set<uint64_t> acked_;
  int64_t last_request_bytes_ = 0;
};

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_PUSHER_H_
