// Copyright 2026 The leakprof Authors.
//
// Stable 64-bit identifiers for stacks and sites.
//
// The id of the same stack is the same on any machine and in any run: it
// hashes the frames with a fixed algorithm (FNV-1a 64 over a canonical byte
// encoding of each frame, then folded over the frames), leaving out the
// runtime frames Go's text formats hide, so a stack recorded whole has the
// same id in debug=0, 1 and 2. The encoding is specified in docs/parser.md so
// other tools can compute it. Never change it: stored series are keyed by
// these ids.

#ifndef LEAKPROF_COMMON_GOPROF_STACK_ID_H_
#define LEAKPROF_COMMON_GOPROF_STACK_ID_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/goprof/profile.h"

namespace leakprof {
namespace goprof {

// True for frames that Go's debug=1 and debug=2 output may hide and that are
// therefore left out of the stack id: functions of package runtime whose name
// is unexported ("runtime.gopark", "runtime.chansend1", "runtime.goexit").
// Exported runtime functions ("runtime.Gosched") and other packages count.
bool IsHiddenRuntimeFrame(absl::string_view function);

// FNV-1a 64 over the 8-byte little-endian words of: function bytes, 0x00,
// file bytes, 0x00, decimal line (the last word padded with zero bytes; each
// word is XORed in and multiplied by the FNV prime, as FNV-1a does a byte).
uint64_t FrameHash(const Frame& frame);
uint64_t FrameHash(absl::string_view function, absl::string_view file,
                   int64_t line);

// Folds frame hashes into a stack id: h = FNV-1a offset basis; for each frame
// not hidden (innermost first): h = (h XOR FrameHash(frame)) * FNV prime,
// modulo 2^64.
uint64_t StackId(const std::vector<Frame>& frames);

// The same fold when the caller already has each frame's hash and hidden
// flag (the parser computes them once per distinct frame).
inline constexpr uint64_t kStackIdSeed = 14695981039346656037ull;
inline uint64_t FoldFrameHash(uint64_t h, uint64_t frame_hash) {
  return (h ^ frame_hash) * 1099511628211ull;  // the FNV prime
}

// FNV-1a 64 over BlockClassName(c) bytes and 0x0A, then folded with the
// frame's hash as in StackId (nothing folded when `frame` is null).
uint64_t SiteId(BlockClass c, const Frame* frame);

// The id as 16 lowercase hex digits, zero-padded: how ids appear in JSON,
// URLs and logs (a JSON number cannot hold 64 bits).
std::string FormatId(uint64_t id);

}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_STACK_ID_H_
