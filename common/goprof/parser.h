// Copyright 2026 The leakprof Authors.
//
// Parses a goroutine profile body, any of the forms a Go service serves at
// /debug/pprof/goroutine?debug=0|1|2 and /debug/pprof/goroutineleak, into a
// Profile (profile.h): stacks with counts, stable ids, blocking classes and
// sites.
//
// Bodies come from outside and are untrusted. Every size is bounded by
// ParseOptions; a truncated, corrupt or foreign body yields an error status
// (kInvalidArgument for malformed input, kResourceExhausted for a bound
// exceeded) whose message says what is wrong and where: a byte offset for
// debug=0, a line number for the text forms. Parsing never crashes or hangs on
// any input (fuzzed: docs/fuzzing.md).
//
// Thread safety: Parse is a pure function; call it from any thread.

#ifndef LEAKPROF_COMMON_GOPROF_PARSER_H_
#define LEAKPROF_COMMON_GOPROF_PARSER_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/goprof/profile.h"

namespace leakprof {
namespace goprof {

// No process has more goroutines than this: each needs at least a 2 KiB
// stack, so 2^40 of them would take 2 PiB. A count or a total above it
// (sample value, "N @" count, "total N") is refused with kInvalidArgument,
// as are counts adding up to more; so no sum of counts can overflow.
inline constexpr int64_t kMaxGoroutines = int64_t{1} << 40;

struct ParseOptions {
  // The body's format; nullopt detects it from the first bytes (gzip magic or
  // a protobuf field -> debug0, "goroutine profile: total" -> debug1,
  // "goroutine 1 [" -> debug2).
  std::optional<Format> format;

  // Largest decompressed debug=0 body accepted; a gzip bomb stops here.
  // Text bodies larger than this are refused too. Go itself caps debug=2 at
  // 64 MiB.
  int64_t max_body_bytes = 128 << 20;

  // Most frames in one stack. Go records at most 32 (debug=0/1, Go <= 1.22)
  // or 128 (newer), and prints at most 100 per goroutine (debug=2).
  int max_frames_per_stack = 1024;

  // Most distinct stacks in one profile.
  int max_stacks = 200000;

  // Longest string kept from the body, in bytes: function names and file
  // paths (of frames and of "created by"), label keys and values, and
  // debug=2 wait reasons.
  int max_string_bytes = 4096;
};

// Parses `body`. The returned Profile owns all its strings.
absl::StatusOr<Profile> Parse(absl::string_view body,
                              const ParseOptions& options = ParseOptions());

// The format `body` looks like, judged from its first bytes only; nullopt
// when it looks like none (an HTML page, an empty body, ...).
std::optional<Format> DetectFormat(absl::string_view body);

// Parses "auto", "debug0", "debug1", "debug2" (for flags). "auto" gives
// nullopt; anything else is kInvalidArgument.
absl::StatusOr<std::optional<Format>> ParseFormatFlag(absl::string_view name);

}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_PARSER_H_
