// Copyright 2026 The leakprof Authors.
//
// Blocking class and site frame of a stack. Used by the parser; exposed for
// tests and for tools that build stacks by hand. The tables are in
// docs/parser.md.
//
// Thread safety: pure functions.

#ifndef LEAKPROF_COMMON_GOPROF_CLASSIFY_H_
#define LEAKPROF_COMMON_GOPROF_CLASSIFY_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/goprof/profile.h"

namespace leakprof {
namespace goprof {

// Every function takes the stack's function names, innermost first.
using Functions = absl::Span<const absl::string_view>;

// The class read off the frames alone. `runtime_frames_shown` says whether the
// format keeps the runtime's leading frames (debug=0 does; debug=1 and debug=2
// hide them, so a stack with no telling frame is kOther there rather than
// kRunning).
BlockClass ClassifyFrames(Functions frames, bool runtime_frames_shown);

// The class of a debug=2 goroutine from its wait reason (as printed, without
// "(leaked)" or the minutes), refined by its frames where the reason is vague
// ("semacquire" is a mutex when sync.(*Mutex).Lock is on the stack).
BlockClass ClassifyWaitReason(absl::string_view reason, Functions frames);

// True for the runtime's and standard library's blocking plumbing: frames
// between the parking call and the line that blocked (runtime.*, sync.*,
// internal/poll.*, time.Sleep, net's conn/listener methods, ...).
bool IsBlockingPlumbing(absl::string_view function);

// Index of the first frame that is not blocking plumbing; when every frame is
// (runtime-internal goroutines), the outermost frame. -1 for no frames.
int FindSiteFrame(Functions frames);

}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_CLASSIFY_H_
