// Copyright 2026 The leakprof Authors.
//
// Stable 64-bit identifiers for stacks and sites.
//
// The id of the same stack is the same on any machine, in any run, whatever
// the body's format: it hashes only the frames every format shows, with a
// fixed algorithm (FNV-1a 64 over a canonical byte encoding). The encoding is
// specified in docs/parser.md so other tools can compute it. Never change it:
// stored series are keyed by these ids.

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

// FNV-1a 64 over, for each frame not hidden (innermost first):
//   function bytes, 0x00, file bytes, 0x00, decimal line, 0x0A.
uint64_t StackId(const std::vector<Frame>& frames);

// FNV-1a 64 over: BlockClassName(c) bytes, 0x0A, then the frame encoded as in
// StackId (or nothing when `frame` is null).
uint64_t SiteId(BlockClass c, const Frame* frame);

// The id as 16 lowercase hex digits, zero-padded: how ids appear in JSON,
// URLs and logs (a JSON number cannot hold 64 bits).
std::string FormatId(uint64_t id);

}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_STACK_ID_H_
