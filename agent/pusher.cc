// Copyright 2026 The leakprof Authors.

#include "agent/pusher.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace leakprof {
namespace agent {

absl::string_view PushResultLabel(const absl::StatusOr<v1::PushResponse>& r) {
  if (r.ok()) {
    return (r->stored() || r->duplicate()) ? "ok" : "unknown_ids";
  }
  switch (r.status().code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return "unavailable";
    case absl::StatusCode::kResourceExhausted:
      return "refused";
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return "unauthenticated";
    default:
      return "error";
  }
}

bool IsRetryable(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnimplemented:
      return false;
    default:
      return true;
  }
}

Pusher::Pusher(PushTransport* transport, DefinitionStore* store,
               PusherOptions options, RpcObserver observer)
    : transport_(transport),
      store_(store),
      options_(options),
      observer_(std::move(observer)) {}

absl::Status Pusher::Push(const v1::Snapshot& snapshot) {
  if (snapshot.definitions_size() > 0) store_->AddFrom(snapshot);
  std::vector<uint64_t> needed;
  for (uint64_t id : snapshot.stack_ids()) {
    if (!acked_.contains(id)) needed.push_back(id);
  }
  for (int attempt = 0;; ++attempt) {
    v1::Snapshot request = WithDefinitions(snapshot, needed, *store_);
    last_request_bytes_ = static_cast<int64_t>(request.ByteSizeLong());
    const absl::Time start = absl::Now();
    absl::StatusOr<v1::PushResponse> response = transport_->Push(request);
    if (observer_) observer_(PushResultLabel(response), absl::Now() - start);
    if (!response.ok()) return response.status();
    if (response->stored() || response->duplicate()) {
      if (acked_.size() + snapshot.stack_ids_size() > options_.max_acked_ids) {
        acked_.clear();
      }
      for (uint64_t id : snapshot.stack_ids()) acked_.insert(id);
      return absl::OkStatus();
    }
    if (response->unknown_stack_ids_size() == 0) {
      return absl::InternalError(
          "collector answered stored=false without unknown_stack_ids");
    }
    for (uint64_t id : response->unknown_stack_ids()) acked_.erase(id);
    if (attempt >= options_.max_unknown_retries) {
      return absl::FailedPreconditionError(absl::StrCat(
          "collector still lacks ", response->unknown_stack_ids_size(),
          " stack definitions after ", attempt + 1, " pushes"));
    }
    // Define what was asked for plus what we would have sent anyway.
    needed.insert(needed.end(), response->unknown_stack_ids().begin(),
                  response->unknown_stack_ids().end());
  }
}

}  // namespace agent
}  // namespace leakprof
