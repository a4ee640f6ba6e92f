// Copyright 2026 The leakprof Authors.
//
// Sender: delivers snapshots to the collector in order, never losing one to
// a collector that is down, slow or refusing.
//
// Send() pushes on the caller's thread when nothing is ahead of the snapshot
// (no queue, no spool, no push in flight): the steady state costs no thread
// hand-off. Otherwise, and for Enqueue(), snapshots wait in a short in-memory
// queue that one background thread pushes (Pusher). When a push fails with a
// retryable error, that snapshot and everything queued behind it go to the
// on-disk Spool, self-contained (with the definitions of all their stacks, so
// they can be delivered after an agent restart), and the thread retries the
// spool's oldest entry with exponential backoff and jitter until it succeeds.
// While the spool holds anything, new snapshots are appended to it, so order is
// kept. A snapshot the collector rejects for good (kInvalidArgument,
// kFailedPrecondition, ...) is logged and dropped. Stop() spools what is still
// queued in memory.
//
// Thread safety: Enqueue and the accessors are thread-safe; Start and Stop
// are called once each, from one thread.

#ifndef LEAKPROF_AGENT_SENDER_H_
#define LEAKPROF_AGENT_SENDER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/definitions.h"
#include "agent/pusher.h"
#include "agent/spool.h"
#include "proto/snapshot.pb.h"

namespace leakprof {
namespace agent {

struct SenderOptions {
  // First wait after a failed push; doubled per failure up to max_backoff.
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(2);
  // Each wait is multiplied by a random factor in [1 - jitter, 1 + jitter].
  double jitter = 0.2;
  // Most snapshots waiting in memory while a push is in flight; beyond it
  // the oldest is dropped (counted as a spool drop).
  size_t max_queued = 256;
};

class Sender {
 public:
  // Called (on any thread) after the spool changed: entries, bytes, and
  // snapshots dropped since the last call.
  using SpoolObserver = std::function<void(int64_t, int64_t, int64_t)>;

  // All pointers must outlive the Sender.
  Sender(Pusher* pusher, Spool* spool, DefinitionStore* store,
         SenderOptions options = SenderOptions(),
         SpoolObserver observer = nullptr);
  ~Sender();  // Stop()s.

  void Start();
  // Stops the thread after the push in flight (bounded by the RPC deadline)
  // and spools whatever is still queued. Idempotent.
  void Stop();

  // Queues `snapshot` (no definitions needed: they come from the store).
  void Enqueue(v1::Snapshot snapshot) ABSL_LOCKS_EXCLUDED(mu_);
  // Pushes `snapshot` on the calling thread, within the RPC deadline, when
  // nothing is queued, spooled or in flight; else Enqueue()s it. A push that
  // fails with a retryable error spools the snapshot for the background
  // thread to retry, as Enqueue would. Either way the caller does not wait
  // for a retry.
  void Send(v1::Snapshot snapshot) ABSL_LOCKS_EXCLUDED(mu_);

  // True once nothing is queued, in flight or spooled, within `timeout`.
  bool WaitUntilIdle(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);

  int64_t delivered() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t rejected() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run();
  void EnqueueLocked(v1::Snapshot snapshot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // After `snapshot` (not in the queue) failed with a retryable error: spools
  // it and then everything queued, in order.
  void SpoolFailedLocked(const v1::Snapshot& snapshot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends `snapshot`, self-contained, to the spool.
  void SpoolLocked(const v1::Snapshot& snapshot)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NotifyObserverLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration NextBackoffLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Pushes the spool's oldest entry (the caller holds in_flight_); false
  // when the push failed and is to be retried. An unreadable entry is
  // logged (and dropped when it is not a snapshot).
  bool DeliverSpoolFront() ABSL_LOCKS_EXCLUDED(mu_);
  // Handles the outcome of a push; returns true when the entry is done with.
  bool Settle(const absl::Status& status, const v1::Snapshot& snapshot);

  Pusher* const pusher_;
  Spool* const spool_;
  DefinitionStore* const store_;
  const SenderOptions options_;
  SpoolObserver observer_;

  mutable absl::Mutex mu_;
  std::deque<v1::Snapshot> queue_ ABSL_GUARDED_BY(mu_);
  // A push (from either thread) is under way: at most one at a time, so
  // the Pusher is used by one thread at a time and order is kept.
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t delivered_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rejected_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t reported_dropped_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t queue_dropped_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_SENDER_H_
