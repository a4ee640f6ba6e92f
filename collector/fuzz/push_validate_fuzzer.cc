// Random bytes as a PushRequest into ValidatePush(): whatever parses must be
// judged without crashing, and anything accepted must satisfy the
// invariants the store relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/time/time.h"
#include "collector/validate.h"
#include "proto/snapshot.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  leakprof::v1::PushRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  leakprof::collector::PushLimits limits;
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
