// Copyright 2026 The leakprof Authors.

#include "agent/sender.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "agent/log.h"

namespace leakprof {
namespace agent {

Sender::Sender(Pusher* pusher, Spool* spool, DefinitionStore* store,
               SenderOptions options, SpoolObserver observer)
    : pusher_(pusher),
      spool_(spool),
      store_(store),
      options_(options),
      observer_(std::move(observer)) {}

Sender::~Sender() { Stop(); }

void Sender::Start() {
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

void Sender::Stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  // A Send() under way on another thread settles first (RPC deadline).
  auto settled = [this]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !in_flight_; };
  mu_.Await(absl::Condition(&settled));
  if (!queue_.empty()) {
    Log(absl::StrCat("spooling ", queue_.size(),
                     " undelivered snapshot(s) at shutdown"));
  }
  while (!queue_.empty()) {
    SpoolLocked(queue_.front());
    queue_.pop_front();
  }
  NotifyObserverLocked();
}

void Sender::Enqueue(v1::Snapshot snapshot) {
  absl::MutexLock lock(&mu_);
  EnqueueLocked(std::move(snapshot));
}

void Sender::Send(v1::Snapshot snapshot) {
  {
    absl::MutexLock lock(&mu_);
    if (stop_ || in_flight_ || !queue_.empty() || spool_->entries() > 0) {
      EnqueueLocked(std::move(snapshot));
      return;
    }
    in_flight_ = true;
  }
  const bool done = Settle(pusher_->Push(snapshot), snapshot);
  absl::MutexLock lock(&mu_);
  in_flight_ = false;
  if (!done) SpoolFailedLocked(snapshot);
  NotifyObserverLocked();
}

void Sender::EnqueueLocked(v1::Snapshot snapshot) {
  if (stop_) {
    SpoolLocked(snapshot);
  } else if (spool_->entries() > 0 && !in_flight_ && queue_.empty()) {
    SpoolLocked(snapshot);
  } else {
    queue_.push_back(std::move(snapshot));
    if (queue_.size() > options_.max_queued) {
      queue_.pop_front();
      ++queue_dropped_;
      Log("send queue full: dropped the oldest snapshot");
    }
  }
  NotifyObserverLocked();
}

void Sender::SpoolFailedLocked(const v1::Snapshot& snapshot) {
  SpoolLocked(snapshot);
  while (!queue_.empty()) {
    SpoolLocked(queue_.front());
    queue_.pop_front();
  }
}

void Sender::SpoolLocked(const v1::Snapshot& snapshot) {
  const std::vector<uint64_t> ids(snapshot.stack_ids().begin(),
                                  snapshot.stack_ids().end());
  const std::string bytes =
      WithDefinitions(snapshot, ids, *store_).SerializeAsString();
  absl::Status s = spool_->Append(bytes);
  if (!s.ok()) {
    Log(absl::StrCat("cannot spool snapshot ", snapshot.service(), "/",
                     snapshot.instance(), " #", snapshot.sequence(),
                     ", dropped: ", s.ToString()));
    ++queue_dropped_;
  }
}

void Sender::NotifyObserverLocked() {
  if (!observer_) return;
  const int64_t dropped = spool_->dropped() + queue_dropped_;
  observer_(spool_->entries(), spool_->bytes(), dropped - reported_dropped_);
  reported_dropped_ = dropped;
}

absl::Duration Sender::NextBackoffLocked() {
  absl::Duration d = options_.initial_backoff;
  for (int i = 1; i < failures_ && d < options_.max_backoff; ++i) d *= 2;
  d = std::min(d, options_.max_backoff);
  static thread_local absl::BitGen gen;
  const double j = std::clamp(options_.jitter, 0.0, 1.0);
  return d * absl::Uniform(gen, 1.0 - j, 1.0 + j);
}

bool Sender::Settle(const absl::Status& status, const v1::Snapshot& s) {
  absl::MutexLock lock(&mu_);
  if (status.ok()) {
    ++delivered_;
    if (failures_ > 0) Log("collector reachable again: delivering");
    failures_ = 0;
    return true;
  }
  if (!IsRetryable(status)) {
    ++rejected_;
    failures_ = 0;
    Log(absl::StrCat("collector rejected snapshot ", s.service(), "/",
                     s.instance(), " #", s.sequence(),
                     " for good, dropped: ", status.ToString()));
    return true;
  }
  ++failures_;
  if (failures_ == 1 || failures_ % 10 == 0) {
    Log(absl::StrCat("push failed (", failures_,
                     " in a row), will retry: ", status.ToString()));
  }
  return false;
}

void Sender::Run() {
  while (true) {
    std::optional<v1::Snapshot> from_memory;
    bool from_spool = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ ||
               (!in_flight_ && (!queue_.empty() || spool_->entries() > 0));
      };
      if (!ready()) {
        mu_.Unlock();
        pusher_->Idle();
        mu_.Lock();
      }
      mu_.Await(absl::Condition(&ready));
      if (stop_) return;
      in_flight_ = true;
      if (spool_->entries() > 0) {
        from_spool = true;
      } else {
        from_memory = std::move(queue_.front());
        queue_.pop_front();
      }
    }

    bool failed = false;
    if (from_spool) {
      failed = !DeliverSpoolFront();
      absl::MutexLock lock(&mu_);
      in_flight_ = false;
      NotifyObserverLocked();
    } else {
      const bool done = Settle(pusher_->Push(*from_memory), *from_memory);
      absl::MutexLock lock(&mu_);
      in_flight_ = false;
      if (!done) {
        failed = true;
        SpoolFailedLocked(*from_memory);
      }
      NotifyObserverLocked();
    }

    if (failed) {
      absl::MutexLock lock(&mu_);
      const absl::Duration wait = NextBackoffLocked();
      auto stopping = [this]()
                          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
      mu_.AwaitWithTimeout(absl::Condition(&stopping), wait);
      if (stop_) return;
    }
  }
}

bool Sender::DeliverSpoolFront() {
  absl::StatusOr<std::optional<Spool::Entry>> entry = spool_->Front();
  if (!entry.ok()) {
    Log(entry.status().ToString());
    return true;
  }
  if (!entry->has_value()) return true;
  const uint64_t position = (*entry)->position;
  v1::Snapshot s;
  if (!s.ParseFromString((*entry)->bytes)) {
    Log("spool entry is not a snapshot: dropped");
    spool_->Remove(position);
    return true;
  }
  entry->reset();
  if (!Settle(pusher_->Push(s), s)) return false;
  spool_->Remove(position);
  return true;
}

bool Sender::WaitUntilIdle(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.empty() && !in_flight_ && spool_->entries() == 0;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

int64_t Sender::delivered() const {
  absl::MutexLock lock(&mu_);
  return delivered_;
}

int64_t Sender::rejected() const {
  absl::MutexLock lock(&mu_);
  return rejected_;
}

}  // namespace agent
}  // namespace leakprof
