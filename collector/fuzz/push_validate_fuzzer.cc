// Random bytes as a PushRequest through the push path's checks: RefTables::
// Resolve() (stack references, a fresh small table per input, so bindings
// and refs of one input meet) and then ValidatePush(): whatever parses must
// be judged without crashing, and anything accepted must satisfy the
// invariants the store relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/time/time.h"
#include "collector/ref_tables.h"
#include "collector/validate.h"
#include "proto/snapshot.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  leakprof::v1::PushRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  leakprof::collector::PushLimits limits;
  if (request.has_snapshot()) {
    leakprof::collector::RefTablesOptions ref_options;
    ref_options.max_refs_per_instance = 1 << 16;
    ref_options.max_ref_memory_bytes = 8 << 14;
    leakprof::collector::RefTables tables(ref_options);
    auto* snapshot = request.mutable_snapshot();
    const bool uses_refs = leakprof::collector::RefTables::UsesRefs(*snapshot);
    const int refs = snapshot->stack_refs_size();
    auto resolved = tables.Resolve(snapshot);
    if (!resolved.ok()) {
      if (resolved.status().code() != absl::StatusCode::kInvalidArgument &&
          resolved.status().code() != absl::StatusCode::kResourceExhausted) {
        abort();
      }
      return 0;
    }
    if (resolved->refs_unknown) return 0;
    if (leakprof::collector::RefTables::UsesRefs(*snapshot)) abort();
    if (uses_refs && refs > 0) {
      if (snapshot->stack_ids_size() != refs) abort();
      for (uint64_t id : snapshot->stack_ids()) {
        if (id == 0) abort();  // bound ids are never 0
      }
    }
  }
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  absl::Status status = leakprof::collector::ValidatePush(request, limits, now);
  if (status.ok()) {
    const auto& s = request.snapshot();
    if (s.stack_ids_size() != s.counts_size()) abort();
    for (const auto& e : s.extras()) {
      if (e.point() >= static_cast<uint32_t>(s.stack_ids_size())) abort();
    }
    for (int64_t c : s.counts()) {
      if (c < 0) abort();
    }
    for (const auto& d : s.definitions()) {
      if (d.site_frame() < 0 || d.site_frame() >= d.frames_size()) abort();
      for (const auto& f : d.frames()) {
        if (f.function() >= static_cast<uint32_t>(s.strings_size())) abort();
      }
    }
  } else if (status.code() != absl::StatusCode::kInvalidArgument &&
             status.code() != absl::StatusCode::kResourceExhausted) {
    abort();
  }
  return 0;
}
