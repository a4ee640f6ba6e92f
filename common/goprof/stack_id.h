// Copyright 2026 The leakprof Authors.
//
// Stable 64-bit identifiers for stacks and sites.
//
// The id of the same stack is the same on any machine and in any run: it is
// XXH3-64 (xxHash's frozen 64-bit XXH3, seed 0) over a canonical byte
// encoding, leaving out the runtime frames Go's text formats hide, so a stack
// recorded whole has the same id in debug=0, 1 and 2. docs/parser.md
// specifies the encoding byte by byte so other tools (Go's
// github.com/zeebo/xxh3, Python's xxhash) can compute it. Never change it:
// stored series are keyed by these ids.
//
// Thread safety: pure functions.

#ifndef LEAKPROF_COMMON_GOPROF_STACK_ID_H_
#define LEAKPROF_COMMON_GOPROF_STACK_ID_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/goprof/profile.h"

namespace leakprof {
namespace goprof {

// How a function relates to package runtime, as Go's traceback sees it.
enum class RuntimeKind : uint8_t {
  kNotRuntime,  // does not start with "runtime."
  kExported,    // "runtime." then an ASCII capital: runtime.Gosched
  kUnexported,  // any other "runtime.": runtime.gopark, runtime.(*T).m
};

RuntimeKind RuntimeKindOf(absl::string_view function);

// Which frames a stack id counts, innermost first. Go's text formats hide
// runtime frames (debug=1: every leading "runtime." frame and
// runtime.goexit; debug=2: every unexported runtime function), so the id
// leaves out what either hides:
//   - the leading run of runtime frames (exported or not), and
//   - every other unexported runtime frame;
// except that a stack made only of runtime frames (the runtime's own
// goroutines) counts all of them.
// Calls `counted(i)` for each counted frame index in order; `kind_at(i)` is
// RuntimeKindOf(frame i's function).
template <typename KindAt, typename Counted>
void ForEachCountedFrame(size_t n, KindAt kind_at, Counted counted) {
  size_t first = 0;
  while (first < n && kind_at(first) != RuntimeKind::kNotRuntime) ++first;
  if (first == n) {
    for (size_t i = 0; i < n; ++i) counted(i);
    return;
  }
  for (size_t i = first; i < n; ++i) {
    if (kind_at(i) != RuntimeKind::kUnexported) counted(i);
  }
}

// XXH3-64 (seed 0) of: function bytes, 0x00, file bytes, 0x00, the line in
// decimal ASCII ("-1" style sign if negative; 0 when the format has none).
uint64_t FrameHash(const Frame& frame);
uint64_t FrameHash(absl::string_view function, absl::string_view file,
                   int64_t line);

// XXH3-64 (seed 0) of the FrameHash of every counted frame
// (ForEachCountedFrame), each as 8 little-endian bytes, innermost first.
uint64_t StackId(const std::vector<Frame>& frames);

// The same when the caller already has the counted frames' hashes in order.
uint64_t StackIdOfHashes(absl::Span<const uint64_t> counted_frame_hashes);

// XXH3-64 (seed 0) of: BlockClassName(c) bytes, 0x0A, then FrameHash(*frame)
// as 8 little-endian bytes (nothing after 0x0A when `frame` is null).
uint64_t SiteId(BlockClass c, const Frame* frame);

// The id as 16 lowercase hex digits, zero-padded: how ids appear in JSON,
// URLs and logs (a JSON number cannot hold 64 bits).
std::string FormatId(uint64_t id);

}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_STACK_ID_H_
