// Copyright 2026 The leakprof Authors.
//
// Blocking class and site frame of a stack. Used by the parser; exposed for
// tests and for tools that build stacks by hand. The tables are in
// docs/parser.md.
//
// Thread safety: pure functions.

#ifndef LEAKPROF_COMMON_GOPROF_CLASSIFY_H_
#define LEAKPROF_COMMON_GOPROF_CLASSIFY_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
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
// kRunning). A stack of only runtime.* and os/signal.* frames (the runtime's
// own goroutines) is kRuntimeInternal whatever `runtime_frames_shown`.
BlockClass ClassifyFrames(Functions frames, bool runtime_frames_shown);

// The class of a debug=2 goroutine from its wait reason (as printed, without
// "(leaked)" or the minutes), refined by its frames where the reason is vague
// ("semacquire" is a mutex when sync.(*Mutex).Lock is on the stack). A stack
// of only runtime.* and os/signal.* frames is kRuntimeInternal whatever the
// reason, as in ClassifyFrames.
BlockClass ClassifyWaitReason(absl::string_view reason, Functions frames);

// True for the runtime's and standard library's blocking plumbing: frames
// between the parking call and the line that blocked (runtime.*, sync.*,
// internal/poll.*, time.Sleep, net's conn/listener methods, ...).
bool IsBlockingPlumbing(absl::string_view function);

// Index of the first frame that is not blocking plumbing; when every frame is
// (runtime-internal goroutines), the outermost frame. -1 for no frames.
int FindSiteFrame(Functions frames);

// What the classifier needs to know of one frame. The parser computes it once
// per distinct frame (a 100k-goroutine profile has a few thousand) and then
// classifies every stack without comparing a string; the functions above are
// the same logic over names.
struct FrameTraits {
  // The BlockClass this frame names (runtime.chansend1 -> kChanSend), as its
  // underlying value, or -1.
  int8_t marker = -1;
  bool plumbing = false;   // IsBlockingPlumbing
  bool semaphore = false;  // sync.runtime_Semacquire*, runtime.semacquire*
  bool syscall = false;    // syscall.*, internal/syscall/*, entersyscall
  bool runtime_package = false;  // runtime.* or os/signal.*
  bool park = false;             // runtime.gopark, runtime.goparkunlock
  bool pprof = false;            // runtime/pprof.*
  bool goexit = false;           // runtime.goexit
};

FrameTraits TraitsOf(absl::string_view function);

// The traits of frame i (0 = innermost) of a stack of n frames.
using TraitsAt = absl::FunctionRef<const FrameTraits&(size_t i)>;

// ClassifyFrames, ClassifyWaitReason and FindSiteFrame over traits.
BlockClass ClassifyFrameTraits(size_t n, TraitsAt at,
                               bool runtime_frames_shown);
BlockClass ClassifyWaitReasonTraits(absl::string_view reason, size_t n,
                                    TraitsAt at);
int FindSiteFrameTraits(size_t n, TraitsAt at);

}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_CLASSIFY_H_
