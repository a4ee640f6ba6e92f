// Copyright 2026 The leakprof Authors.
//
// The model every goroutine-profile format parses into.
//
// A Profile is a list of distinct stacks, each with the number of goroutines
// blocked on it, its blocking class and its site. The three bodies a Go
// service serves at /debug/pprof/goroutine (debug=0, 1, 2) and at
// /debug/pprof/goroutineleak all parse into this model (see parser.h); the
// fields a format does not carry stay at their defaults, as noted per field.
//
// Plain values: no internal pointers, safe to copy and move; not thread-safe
// to mutate concurrently, like any std::vector.

#ifndef LEAKPROF_COMMON_GOPROF_PROFILE_H_
#define LEAKPROF_COMMON_GOPROF_PROFILE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace leakprof {
namespace goprof {

// What a goroutine is blocked on. Read off the wait reason where the format
// carries one (debug=2), else off the runtime and sync frames (debug=0).
// docs/parser.md has the table. The numeric values are not stable: persist the
// name (BlockClassName), never the number.
enum class BlockClass : uint8_t {
  kChanSend,         // ch <- v
  kChanReceive,      // <-ch, v, ok := <-ch, for range ch
  kSelect,           // select with cases, none ready
  kSelectNoCases,    // select {}
  kNilChanSend,      // send on a nil channel (debug=2 only)
  kNilChanReceive,   // receive from a nil channel (debug=2 only)
  kMutex,            // sync.Mutex.Lock
  kRWMutex,          // sync.RWMutex.Lock / RLock
  kCondWait,         // sync.Cond.Wait
  kWaitGroup,        // sync.WaitGroup.Wait
  kSemacquire,       // other runtime semaphores (e.g. x/sync/semaphore)
  kIOWait,           // network poller, syscalls
  kSleep,            // time.Sleep
  kRunning,          // running, runnable, or just preempted
  kRuntimeInternal,  // GC workers, finalizers, signal loop, ...
  kOther,            // parked for a reason none of the above names
};

inline constexpr int kNumBlockClasses = 16;

// Stable snake_case name: "chan_send", "chan_receive", "select",
// "select_no_cases", "nil_chan_send", "nil_chan_receive", "mutex", "rwmutex",
// "cond_wait", "waitgroup", "semacquire", "io_wait", "sleep", "running",
// "runtime", "other".
absl::string_view BlockClassName(BlockClass c);

// Inverse of BlockClassName; nullopt for an unknown name.
std::optional<BlockClass> BlockClassFromName(absl::string_view name);

// Which body the profile came from.
enum class Format : uint8_t {
  kDebug0,  // gzipped (or plain) pprof protobuf
  kDebug1,  // aggregated text: "N @ pc pc ..." then
            // "#\tpc\tfunc+off\tfile:line"
  kDebug2,  // one text block per goroutine: "goroutine 7 [chan send]:"
};

absl::string_view FormatName(Format f);  // "debug0", "debug1", "debug2"

// Which profile: everything, or only the goroutines a leak-detecting GC found
// unreachable (/debug/pprof/goroutineleak, Go 1.26+).
enum class ProfileKind : uint8_t {
  kGoroutine,
  kGoroutineLeak,
};

absl::string_view ProfileKindName(ProfileKind k);  // "goroutine", ...

struct Frame {
  std::string function;  // "main.(*Server).handle.func1", no arguments
  std::string file;      // as compiled in, e.g. "/src/app/server.go"
  int64_t line = 0;      // 0 when the format has none

  friend bool operator==(const Frame& a, const Frame& b) {
    return a.line == b.line && a.function == b.function && a.file == b.file;
  }
  friend bool operator!=(const Frame& a, const Frame& b) { return !(a == b); }
};

// How long goroutines have waited, in the buckets the agent ships. Only
// debug=2 carries wait times, and Go prints them only once a goroutine has
// waited >= 1 minute: under 1 minute the bucket is [0, 1).
struct WaitAges {
  // Upper bounds (exclusive) in minutes of buckets 0..3; bucket 4 is
  // [360, inf).
  static constexpr std::array<int64_t, 4> kBoundsMinutes = {1, 10, 60, 360};
  std::array<int64_t, 5> buckets = {0, 0, 0, 0, 0};
  int64_t max_minutes = 0;

  void Add(int64_t minutes, int64_t count);
  int64_t Total() const;
};

// One label set (pprof labels, from runtime/pprof.Do) and how many goroutines
// of a stack carry it. Keys are sorted; a value list from debug=0 numeric
// labels is printed as decimal.
struct LabelSet {
  std::vector<std::pair<std::string, std::string>> labels;
  int64_t count = 0;
};

struct Stack {
  // Stable across machines and runs: see StackId in stack_id.h.
  uint64_t id = 0;
  // Indices into Profile::frames, innermost first, as given by the body,
  // inlined frames expanded. debug=0 includes the runtime's own frames
  // (runtime.gopark ...); debug=1 and debug=2 hide some of them
  // (docs/parser.md).
  std::vector<int32_t> frame_indices;
  // Goroutines with exactly these frames (over all label sets).
  int64_t count = 0;
  BlockClass block_class = BlockClass::kOther;
  // Position in `frame_indices` of the site frame: the first frame outside
  // the runtime's and standard library's blocking plumbing, i.e. the line
  // that blocked. -1 only when the stack has no frames.
  int site_frame = -1;
  // debug=2: the wait reason as printed, without "(leaked)" and the minutes,
  // e.g. "chan send (nil chan)". Goroutines with equal frames are merged: a
  // blocking reason wins over running/runnable/preempted, else the first
  // goroutine's. Empty for the other formats.
  std::string wait_reason;
  // Goroutines of this stack known to be leaked: all of them in a
  // goroutineleak profile, those marked "(leaked)" in a debug=2 header.
  int64_t leaked = 0;
  // debug=2: the `go` statement that started these goroutines ("created by").
  std::optional<Frame> created_by;
  // debug=2: "...additional frames elided..." was printed for any of its
  // goroutines (Go prints at most 100 frames per goroutine).
  bool frames_elided = false;
  // debug=2 only: how long these goroutines have waited.
  WaitAges wait;
  // Empty when no goroutine of this stack carries labels.
  std::vector<LabelSet> label_sets;
};

struct Profile {
  Format format = Format::kDebug0;
  ProfileKind kind = ProfileKind::kGoroutine;
  // Sum of every stack's count. debug=1 also states a total in its header;
  // the parser checks the two agree.
  int64_t total_goroutines = 0;
  // Distinct frames, each stored once and referenced by index from stacks:
  // a 100k-goroutine profile has thousands of stacks but few distinct frames.
  std::vector<Frame> frames;
  // Distinct stacks in order of first appearance in the body.
  std::vector<Stack> stacks;
  // debug=2 only: the body is exactly Go's own 64 MiB cap on the dump, so Go
  // cut it; the last goroutine (possibly incomplete) is dropped and the rest
  // kept.
  bool truncated = false;
  // debug=0 only: pprof time_nanos, when present (Unix nanoseconds).
  int64_t time_nanos = 0;

  // The i-th frame of `stack`, innermost first.
  // REQUIRES: 0 <= i < stack.frame_indices.size()
  const Frame& FrameOf(const Stack& stack, size_t i) const {
    return frames[stack.frame_indices[i]];
  }

  // The site frame of `stack`, or nullptr when it has no frames.
  const Frame* SiteFrame(const Stack& stack) const {
    return stack.site_frame < 0
               ? nullptr
               : &frames[stack.frame_indices[stack.site_frame]];
  }

  // The frames of `stack` as values, innermost first.
  std::vector<Frame> FramesOf(const Stack& stack) const {
    std::vector<Frame> out;
    out.reserve(stack.frame_indices.size());
    for (int32_t i : stack.frame_indices) out.push_back(frames[i]);
    return out;
  }
};

}  // namespace goprof
}  // namespace leakprof

#endif  // LEAKPROF_COMMON_GOPROF_PROFILE_H_
