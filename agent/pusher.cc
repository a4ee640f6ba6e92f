// Copyright 2026 The leakprof Authors.

#include "agent/pusher.h"

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/repeated_field.h"

namespace leakprof {
namespace agent {

absl::string_view PushResultLabel(const absl::StatusOr<v1::PushResponse>& r) {
  if (r.ok()) {
    if (r->stored() || r->duplicate()) return "ok";
    return r->refs_unknown() ? "unknown_refs" : "unknown_ids";
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

v1::Snapshot WithRefs(v1::Snapshot snapshot, uint64_t session,
                      const std::function<uint32_t(uint64_t)>& ref_of) {
  // The points leave `snapshot`, which becomes the result: no copy of the
  // rest.
  google::protobuf::RepeatedField<uint64_t> ids;
  google::protobuf::RepeatedField<int64_t> counts;
  ids.Swap(snapshot.mutable_stack_ids());
  counts.Swap(snapshot.mutable_counts());
  const int n = ids.size();
  std::vector<uint32_t> refs(n);
  for (int i = 0; i < n; ++i) refs[i] = ref_of(ids[i]);
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&refs](int a, int b) { return refs[a] < refs[b]; });
  std::vector<uint32_t> new_index(n);
  for (int k = 0; k < n; ++k) new_index[order[k]] = static_cast<uint32_t>(k);

  v1::Snapshot& out = snapshot;
  out.set_ref_session(session);
  out.mutable_stack_refs()->Reserve(n);
  out.mutable_counts()->Reserve(n);
  uint32_t previous = 0;
  for (int k = 0; k < n; ++k) {
    const int i = order[k];
    out.add_stack_refs(refs[i] - previous);
    previous = refs[i];
    out.add_counts(counts[i]);
  }
  for (v1::StackExtra& extra : *out.mutable_extras()) {
    if (extra.point() < static_cast<uint32_t>(n)) {
      extra.set_point(new_index[extra.point()]);
    }
  }
  return std::move(out);
}

Pusher::Pusher(PushTransport* transport, DefinitionStore* store,
               PusherOptions options, RpcObserver observer)
    : transport_(transport),
      store_(store),
      options_(options),
      observer_(std::move(observer)) {}

void Pusher::ForgetAcknowledged() {
  acked_.clear();
  for (auto& [key, table] : ref_tables_) table.acked = 0;
}

Pusher::RefTable& Pusher::RefsFor(const v1::Snapshot& snapshot) {
  RefTable& table =
      ref_tables_[absl::StrCat(snapshot.service(), "\n", snapshot.instance())];
  size_t fresh = 0;
  for (uint64_t id : snapshot.stack_ids()) fresh += !table.refs.contains(id);
  if (table.session == 0 ||
      table.ids.size() + fresh > options_.max_refs_per_table) {
    table = RefTable();
    table.session = absl::Uniform<uint64_t>(bitgen_, 1, UINT64_MAX);
  }
  for (uint64_t id : snapshot.stack_ids()) {
    if (table.refs.try_emplace(id, static_cast<uint32_t>(table.ids.size() + 1))
            .second) {
      table.ids.push_back(id);
    }
  }
  return table;
}

v1::Snapshot Pusher::Referenced(v1::Snapshot request, const RefTable& table,
                                bool all_bindings) const {
  v1::Snapshot out =
      WithRefs(std::move(request), table.session,
               [&table](uint64_t id) { return table.refs.at(id); });
  const size_t first = all_bindings ? 0 : table.acked;
  if (first < table.ids.size()) {
    out.set_bind_first_ref(static_cast<uint32_t>(first + 1));
    out.mutable_bind_stack_ids()->Add(table.ids.begin() + first,
                                      table.ids.end());
  }
  return out;
}

absl::Status Pusher::Push(const v1::Snapshot& snapshot) {
  if (snapshot.definitions_size() > 0) store_->AddFrom(snapshot);
  std::vector<uint64_t> needed;
  for (uint64_t id : snapshot.stack_ids()) {
    if (!acked_.contains(id)) needed.push_back(id);
  }
  RefTable* table = nullptr;
  if (options_.use_refs && snapshot.stack_ids_size() > 0) {
    table = &RefsFor(snapshot);
  }
  bool all_bindings = false;
  for (int attempt = 0;; ++attempt) {
    v1::Snapshot request = WithDefinitions(snapshot, needed, *store_);
    if (table != nullptr) {
      request = Referenced(std::move(request), *table, all_bindings);
    }
    last_request_bytes_ = static_cast<int64_t>(request.ByteSizeLong());
    const absl::Time start = absl::Now();
    absl::StatusOr<v1::PushResponse> response = transport_->Push(request);
    if (observer_) observer_(PushResultLabel(response), absl::Now() - start);
    if (!response.ok()) return response.status();
    if (response->stored() || response->duplicate()) {
      if (acked_.size() + snapshot.stack_ids_size() > options_.max_acked_ids) {
        acked_.clear();
      }
      // Only the ids not acknowledged before are new to the set (unless it
      // was just emptied).
      if (acked_.empty()) {
        for (uint64_t id : snapshot.stack_ids()) acked_.insert(id);
      } else {
        for (uint64_t id : needed) acked_.insert(id);
      }
      if (table != nullptr) table->acked = table->ids.size();
      return absl::OkStatus();
    }
    if (response->refs_unknown()) {
      if (table == nullptr) {
        return absl::InternalError(
            "collector answered refs_unknown to a push without refs");
      }
      if (attempt >= options_.max_unknown_retries) {
        return absl::FailedPreconditionError(
            absl::StrCat("collector still cannot resolve stack refs after ",
                         attempt + 1, " pushes"));
      }
      table->acked = 0;
      all_bindings = true;
      continue;
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
