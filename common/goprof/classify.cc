// Copyright 2026 The leakprof Authors.

#include "common/goprof/classify.h"

#include <optional>

#include "absl/strings/match.h"

namespace leakprof {
namespace goprof {
namespace {

struct Marker {
  absl::string_view function;
  BlockClass block_class;
};

// Frames that name what a goroutine is parked on. Checked innermost first,
// within the plumbing above the site frame. Semaphore frames are provisional:
// a sync type further out (Mutex, RWMutex, WaitGroup) refines them.
constexpr Marker kMarkers[] = {
    {"runtime.chansend1", BlockClass::kChanSend},
    {"runtime.chansend", BlockClass::kChanSend},
    {"runtime.chanrecv1", BlockClass::kChanReceive},
    {"runtime.chanrecv2", BlockClass::kChanReceive},
    {"runtime.chanrecv", BlockClass::kChanReceive},
    {"runtime.selectgo", BlockClass::kSelect},
    {"runtime.block", BlockClass::kSelectNoCases},
    {"sync.runtime_notifyListWait", BlockClass::kCondWait},
    {"sync.(*Cond).Wait", BlockClass::kCondWait},
    {"sync.(*Mutex).lockSlow", BlockClass::kMutex},
    {"sync.(*Mutex).Lock", BlockClass::kMutex},
    {"internal/sync.(*Mutex).lockSlow", BlockClass::kMutex},
    {"internal/sync.(*Mutex).Lock", BlockClass::kMutex},
    {"sync.(*RWMutex).RLock", BlockClass::kRWMutex},
    {"sync.(*RWMutex).Lock", BlockClass::kRWMutex},
    {"sync.(*WaitGroup).Wait", BlockClass::kWaitGroup},
    {"internal/poll.runtime_pollWait", BlockClass::kIOWait},
    {"runtime.netpollblock", BlockClass::kIOWait},
    {"time.Sleep", BlockClass::kSleep},
    {"runtime.timeSleep", BlockClass::kSleep},
};

bool IsSemaphoreFrame(absl::string_view f) {
  return absl::StartsWith(f, "sync.runtime_Semacquire") ||
         absl::StartsWith(f, "internal/sync.runtime_Semacquire") ||
         f == "runtime.semacquire1" || f == "runtime.semacquire";
}

bool IsSyscallFrame(absl::string_view f) {
  return absl::StartsWith(f, "syscall.") ||
         absl::StartsWith(f, "internal/syscall/") ||
         absl::StartsWith(f, "runtime.entersyscall");
}

bool IsParkFrame(absl::string_view f) {
  return f == "runtime.gopark" || f == "runtime.goparkunlock";
}

std::optional<BlockClass> MarkerClass(absl::string_view function) {
  for (const Marker& m : kMarkers) {
    if (m.function == function) return m.block_class;
  }
  return std::nullopt;
}

// Goroutines the runtime runs for itself: every frame is in package runtime,
// or it is the os/signal delivery loop. Such a stack is kRuntimeInternal in
// every format, whatever its frames or wait reason say, so that its class
// (and so its site id) does not depend on the format.
bool IsRuntimeInternalStack(size_t n, TraitsAt at) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; ++i) {
    if (!at(i).runtime_package) return false;
  }
  return true;
}

// Runs `f` over the traits of `frames`.
template <typename F>
auto WithTraits(Functions frames, F f) {
  std::vector<FrameTraits> traits;
  traits.reserve(frames.size());
  for (absl::string_view name : frames) traits.push_back(TraitsOf(name));
  return f(traits.size(),
           [&](size_t i) -> const FrameTraits& { return traits[i]; });
}

}  // namespace

bool IsBlockingPlumbing(absl::string_view f) {
  static constexpr absl::string_view kPrefixes[] = {
      "runtime.",
      "sync.",
      "internal/sync.",
      "sync/atomic.",
      "internal/poll.",
      "syscall.",
      "internal/syscall/",
      "net.(*netFD).",
      "net.(*conn).",
      "net.(*TCPConn).",
      "net.(*UDPConn).",
      "net.(*UnixConn).",
      "net.(*IPConn).",
      "net.(*TCPListener).",
      "net.(*UnixListener).",
      "net.(*pipe).",
      "os.(*File).",
      "os/signal.signal_recv",
      "io.ReadAtLeast",
      "io.ReadFull",
      "io.Copy",
      "io.copyBuffer",
      "bufio.(*Reader).",
  };
  // Every prefix below starts with one of these: most user frames
  // ("main.", "github.com/...") are rejected on their first byte.
  if (f.empty()) return false;
  switch (f[0]) {
    case 'b':
    case 'i':
    case 'n':
    case 'o':
    case 'r':
    case 's':
    case 't':
      break;
    default:
      return false;
  }
  if (f == "time.Sleep") return true;
  for (absl::string_view p : kPrefixes) {
    if (absl::StartsWith(f, p)) return true;
  }
  return false;
}

FrameTraits TraitsOf(absl::string_view f) {
  FrameTraits t;
  if (std::optional<BlockClass> c = MarkerClass(f)) {
    t.marker = static_cast<int8_t>(*c);
  }
  t.plumbing = IsBlockingPlumbing(f);
  t.semaphore = IsSemaphoreFrame(f);
  t.syscall = IsSyscallFrame(f);
  t.runtime_package =
      absl::StartsWith(f, "runtime.") || absl::StartsWith(f, "os/signal.");
  t.park = IsParkFrame(f);
  t.pprof = absl::StartsWith(f, "runtime/pprof.");
  t.goexit = f == "runtime.goexit";
  return t;
}

int FindSiteFrameTraits(size_t n, TraitsAt at) {
  if (n == 0) return -1;
  for (size_t i = 0; i < n; ++i) {
    if (!at(i).plumbing) return static_cast<int>(i);
  }
  int last = static_cast<int>(n) - 1;
  if (last > 0 && at(last).goexit) --last;
  return last;
}

BlockClass ClassifyFrameTraits(size_t n, TraitsAt at,
                               bool runtime_frames_shown) {
  if (n == 0) return BlockClass::kOther;
  if (IsRuntimeInternalStack(n, at)) return BlockClass::kRuntimeInternal;
  bool semaphore = false;
  bool syscall = false;
  for (size_t i = 0; i < n; ++i) {
    const FrameTraits& t = at(i);
    if (!t.plumbing) break;
    if (t.marker >= 0) return static_cast<BlockClass>(t.marker);
    semaphore = semaphore || t.semaphore;
    syscall = syscall || t.syscall;
  }
  if (semaphore) return BlockClass::kSemacquire;
  if (syscall) return BlockClass::kIOWait;
  if (!runtime_frames_shown) {
    // The goroutine writing this very profile is the one running.
    return at(0).pprof ? BlockClass::kRunning : BlockClass::kOther;
  }
  return at(0).park ? BlockClass::kOther : BlockClass::kRunning;
}

BlockClass ClassifyWaitReasonTraits(absl::string_view reason, size_t n,
                                    TraitsAt at) {
  struct Reason {
    absl::string_view text;
    BlockClass block_class;
  };
  static constexpr Reason kReasons[] = {
      {"chan send", BlockClass::kChanSend},
      {"chan receive", BlockClass::kChanReceive},
      {"select", BlockClass::kSelect},
      {"select (no cases)", BlockClass::kSelectNoCases},
      {"chan send (nil chan)", BlockClass::kNilChanSend},
      {"chan receive (nil chan)", BlockClass::kNilChanReceive},
      {"sync.Mutex.Lock", BlockClass::kMutex},
      {"sync.RWMutex.RLock", BlockClass::kRWMutex},
      {"sync.RWMutex.Lock", BlockClass::kRWMutex},
      {"sync.Cond.Wait", BlockClass::kCondWait},
      {"sync.WaitGroup.Wait", BlockClass::kWaitGroup},
      {"IO wait", BlockClass::kIOWait},
      {"syscall", BlockClass::kIOWait},
      {"sleep", BlockClass::kSleep},
      {"running", BlockClass::kRunning},
      {"runnable", BlockClass::kRunning},
      {"preempted", BlockClass::kRunning},
  };
  // Before the reason: debug=0 and debug=1 cannot see it, and the class must
  // not differ by format.
  if (IsRuntimeInternalStack(n, at)) return BlockClass::kRuntimeInternal;
  if (reason == "semacquire") {
    // Go <= 1.19 says "semacquire" for every sync primitive.
    BlockClass c = ClassifyFrameTraits(n, at, /*runtime_frames_shown=*/false);
    switch (c) {
      case BlockClass::kMutex:
      case BlockClass::kRWMutex:
      case BlockClass::kWaitGroup:
      case BlockClass::kCondWait:
        return c;
      default:
        return BlockClass::kSemacquire;
    }
  }
  for (const Reason& r : kReasons) {
    if (r.text == reason) return r.block_class;
  }
  // GC workers, finalizers, trace reader, ...: runtime housekeeping when the
  // reason names it; otherwise fall back to the frames.
  static constexpr absl::string_view kRuntimeReasons[] = {
      "GC",
      "finalizer",
      "force gc",
      "trace",
      "wait for GC",
      "stopping the world",
      "debug call",
      "panicwait",
      "garbage collection",
      "dumping heap",
      "flushing proc caches",
      "sync.Cond.Wait (runtime)"};
  for (absl::string_view r : kRuntimeReasons) {
    if (absl::StartsWith(reason, r)) return BlockClass::kRuntimeInternal;
  }
  BlockClass c = ClassifyFrameTraits(n, at, /*runtime_frames_shown=*/false);
  return c;
}

int FindSiteFrame(Functions frames) {
  return WithTraits(frames, FindSiteFrameTraits);
}

BlockClass ClassifyFrames(Functions frames, bool runtime_frames_shown) {
  return WithTraits(frames, [&](size_t n, TraitsAt at) {
    return ClassifyFrameTraits(n, at, runtime_frames_shown);
  });
}

BlockClass ClassifyWaitReason(absl::string_view reason, Functions frames) {
  return WithTraits(frames, [&](size_t n, TraitsAt at) {
    return ClassifyWaitReasonTraits(reason, n, at);
  });
}

}  // namespace goprof
}  // namespace leakprof
