// Copyright 2026 The leakprof Authors.
//
// Pins the blocking-class and site tables of docs/parser.md ("Blocking
// classes", "Sites"). Stacks are written as Go prints them: debug=0 style
// (runtime frames shown, innermost first), debug=1/2 style (leading runtime
// frames hidden).

#include "common/goprof/classify.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/goprof/profile.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace goprof {
namespace {

using Names = std::vector<absl::string_view>;

std::string Show(const Names& frames) {
  return absl::StrCat("[", absl::StrJoin(frames, ", "), "]");
}

// The traits versions, over the same names, for the agreement checks.
struct TraitsStack {
  explicit TraitsStack(const Names& frames) {
    for (absl::string_view f : frames) traits.push_back(TraitsOf(f));
  }
  const FrameTraits& operator()(size_t i) const { return traits[i]; }
  std::vector<FrameTraits> traits;
};

BlockClass ViaTraits(const Names& frames, bool runtime_frames_shown) {
  TraitsStack t(frames);
  return ClassifyFrameTraits(t.traits.size(), t, runtime_frames_shown);
}

BlockClass ViaTraits(absl::string_view reason, const Names& frames) {
  TraitsStack t(frames);
  return ClassifyWaitReasonTraits(reason, t.traits.size(), t);
}

int SiteViaTraits(const Names& frames) {
  TraitsStack t(frames);
  return FindSiteFrameTraits(t.traits.size(), t);
}

// Stacks as Go 1.19+ records them in debug=0, innermost first.
const Names kChanSend = {"runtime.gopark", "runtime.chansend",
                         "runtime.chansend1", "main.producer", "main.main"};
const Names kChanRecv1 = {"runtime.gopark", "runtime.chanrecv",
                          "runtime.chanrecv1", "main.consumer"};
const Names kChanRecv2 = {"runtime.gopark", "runtime.chanrecv",
                          "runtime.chanrecv2", "main.consumer"};
const Names kSelect = {"runtime.gopark", "runtime.selectgo", "main.loop"};
const Names kSelectNoCases = {"runtime.gopark", "runtime.block",
                              "main.forever"};
const Names kMutex = {"runtime.gopark",
                      "runtime.goparkunlock",
                      "runtime.semacquire1",
                      "sync.runtime_SemacquireMutex",
                      "sync.(*Mutex).lockSlow",
                      "sync.(*Mutex).Lock",
                      "main.lockIt"};
// Go 1.24+: sync.Mutex is a wrapper of internal/sync.Mutex.
const Names kInternalMutex = {"runtime.gopark",
                              "runtime.goparkunlock",
                              "runtime.semacquire1",
                              "internal/sync.runtime_SemacquireMutex",
                              "internal/sync.(*Mutex).lockSlow",
                              "internal/sync.(*Mutex).Lock",
                              "sync.(*Mutex).Lock",
                              "main.lockIt"};
const Names kRLock = {"runtime.gopark",        "runtime.goparkunlock",
                      "runtime.semacquire1",   "sync.runtime_SemacquireMutex",
                      "sync.(*RWMutex).RLock", "main.readLocked"};
const Names kWLock = {"runtime.gopark",       "runtime.goparkunlock",
                      "runtime.semacquire1",  "sync.runtime_SemacquireMutex",
                      "sync.(*RWMutex).Lock", "main.writeLocked"};
const Names kWaitGroup = {"runtime.gopark",         "runtime.goparkunlock",
                          "runtime.semacquire1",    "sync.runtime_Semacquire",
                          "sync.(*WaitGroup).Wait", "main.waitAll"};
const Names kCond = {"runtime.gopark", "runtime.goparkunlock",
                     "sync.runtime_notifyListWait", "sync.(*Cond).Wait",
                     "main.consumer"};
// A bare semaphore: no sync type names it.
const Names kSemaphore = {"runtime.gopark", "runtime.goparkunlock",
                          "runtime.semacquire1", "sync.runtime_Semacquire",
                          "main.acquire"};
const Names kNetRead = {"runtime.gopark",
                        "runtime.netpollblock",
                        "internal/poll.runtime_pollWait",
                        "internal/poll.(*pollDesc).wait",
                        "internal/poll.(*pollDesc).waitRead",
                        "internal/poll.(*FD).Read",
                        "net.(*netFD).Read",
                        "net.(*conn).Read",
                        "bufio.(*Reader).Read",
                        "main.reader"};
const Names kSleep = {"runtime.gopark", "time.Sleep", "main.sleeper"};
const Names kTimeSleep = {"runtime.gopark", "runtime.timeSleep",
                          "main.sleeper"};
const Names kSyscall = {"syscall.Syscall", "syscall.read", "syscall.Read",
                        "os.(*File).Read", "main.readFile"};
const Names kEnterSyscall = {"runtime.entersyscall", "syscall.Syscall6",
                             "internal/syscall/unix.Waitid", "main.wait"};
// The goroutine writing the profile (debug=0).
const Names kProfileWriter = {
    "runtime.goroutineProfileWithLabels",
    "runtime/pprof.runtime_goroutineProfileWithLabels",
    "runtime/pprof.writeRuntimeProfile",
    "runtime/pprof.writeGoroutine",
    "runtime/pprof.(*Profile).WriteTo",
    "main.main",
    "runtime.main"};
const Names kBusy = {"main.spin", "main.main"};
// Parked, but on nothing the markers name.
const Names kParkedOther = {"runtime.gopark", "runtime.goparkunlock",
                            "main.custom"};
// The runtime's own goroutines.
const Names kBgSweep = {"runtime.gopark", "runtime.goparkunlock",
                        "runtime.bgsweep", "runtime.gcenable.func1"};
const Names kForceGC = {"runtime.gopark", "runtime.forcegchelper",
                        "runtime.goexit"};
// The os/signal delivery loop: a note sleep in a syscall, not a park.
const Names kSignalLoop = {"runtime.notetsleepg", "os/signal.signal_recv",
                           "os/signal.loop", "runtime.goexit"};
// A runtime goroutine parked in a select: the marker does not make it a
// select site.
const Names kRuntimeSelect = {"runtime.gopark", "runtime.selectgo",
                              "runtime.ensureSigM.func1", "runtime.goexit"};

TEST(ClassifyFramesTest, Debug0Stacks) {
  struct Case {
    const Names* frames;
    BlockClass want;
  };
  const Case cases[] = {
      {&kChanSend, BlockClass::kChanSend},
      {&kChanRecv1, BlockClass::kChanReceive},
      {&kChanRecv2, BlockClass::kChanReceive},
      {&kSelect, BlockClass::kSelect},
      {&kSelectNoCases, BlockClass::kSelectNoCases},
      {&kMutex, BlockClass::kMutex},
      {&kInternalMutex, BlockClass::kMutex},
      {&kRLock, BlockClass::kRWMutex},
      {&kWLock, BlockClass::kRWMutex},
      {&kWaitGroup, BlockClass::kWaitGroup},
      {&kCond, BlockClass::kCondWait},
      {&kSemaphore, BlockClass::kSemacquire},
      {&kNetRead, BlockClass::kIOWait},
      {&kSleep, BlockClass::kSleep},
      {&kTimeSleep, BlockClass::kSleep},
      {&kSyscall, BlockClass::kIOWait},
      {&kEnterSyscall, BlockClass::kIOWait},
      {&kProfileWriter, BlockClass::kRunning},
      {&kBusy, BlockClass::kRunning},
      {&kParkedOther, BlockClass::kOther},
      {&kBgSweep, BlockClass::kRuntimeInternal},
      {&kForceGC, BlockClass::kRuntimeInternal},
      {&kSignalLoop, BlockClass::kRuntimeInternal},
      {&kRuntimeSelect, BlockClass::kRuntimeInternal},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(BlockClassName(ClassifyFrames(*c.frames, true)),
              BlockClassName(c.want))
        << Show(*c.frames);
    EXPECT_EQ(ViaTraits(*c.frames, true), c.want) << Show(*c.frames);
  }
  EXPECT_EQ(ClassifyFrames({}, true), BlockClass::kOther);
  EXPECT_EQ(ViaTraits(Names{}, true), BlockClass::kOther);
}

TEST(ClassifyFramesTest, OnlyFramesAboveTheSiteCount) {
  // A marker below the first user frame is not what this goroutine waits on:
  // here it is the caller's business, the goroutine itself is running.
  const Names frames = {"main.spin", "sync.(*Mutex).Lock", "main.main"};
  EXPECT_EQ(ClassifyFrames(frames, true), BlockClass::kRunning);
  // The innermost marker wins: a RWMutex writer queued on its inner Mutex.
  const Names inner = {"sync.runtime_SemacquireMutex", "sync.(*Mutex).lockSlow",
                       "sync.(*Mutex).Lock", "sync.(*RWMutex).Lock",
                       "main.writeLocked"};
  EXPECT_EQ(ClassifyFrames(inner, true), BlockClass::kMutex);
}

// debug=1 (and debug=2 frames): Go hides the leading runtime frames, so a
// channel operation leaves nothing to read; sync and time frames still tell.
TEST(ClassifyFramesTest, Debug1StacksHideRuntimeFrames) {
  struct Case {
    Names frames;
    BlockClass want;
  };
  const Case cases[] = {
      // ch <- v, <-ch, select, select {}: only the user frame is left.
      {{"main.producer", "main.main"}, BlockClass::kOther},
      {{"main.forever"}, BlockClass::kOther},
      {{"sync.runtime_SemacquireMutex", "sync.(*Mutex).lockSlow",
        "sync.(*Mutex).Lock", "main.lockIt"},
       BlockClass::kMutex},
      {{"sync.runtime_SemacquireMutex", "sync.(*RWMutex).RLock",
        "main.readLocked"},
       BlockClass::kRWMutex},
      {{"sync.runtime_Semacquire", "sync.(*WaitGroup).Wait", "main.waitAll"},
       BlockClass::kWaitGroup},
      {{"sync.runtime_notifyListWait", "sync.(*Cond).Wait", "main.consumer"},
       BlockClass::kCondWait},
      {{"sync.runtime_Semacquire", "main.acquire"}, BlockClass::kSemacquire},
      {{"internal/poll.runtime_pollWait", "internal/poll.(*pollDesc).wait",
        "net.(*conn).Read", "main.reader"},
       BlockClass::kIOWait},
      {{"time.Sleep", "main.sleeper"}, BlockClass::kSleep},
      {{"syscall.Syscall", "main.readFile"}, BlockClass::kIOWait},
      // The goroutine writing the profile.
      {{"runtime/pprof.runtime_goroutineProfileWithLabels",
        "runtime/pprof.writeRuntimeProfile", "main.main"},
       BlockClass::kRunning},
      // Only runtime (or os/signal) frames: the runtime's own goroutine.
      {{"os/signal.signal_recv", "os/signal.loop"},
       BlockClass::kRuntimeInternal},
      {{"runtime.Gosched", "runtime.main"}, BlockClass::kRuntimeInternal},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(BlockClassName(ClassifyFrames(c.frames, false)),
              BlockClassName(c.want))
        << Show(c.frames);
    EXPECT_EQ(ViaTraits(c.frames, false), c.want) << Show(c.frames);
  }
  EXPECT_EQ(ClassifyFrames({}, false), BlockClass::kOther);
}

// Every entry of the wait-reason table, with a stack whose frames name
// nothing (debug=2 hides the runtime frames that would).
TEST(ClassifyWaitReasonTest, EveryReasonInTheTable) {
  struct Case {
    absl::string_view reason;
    BlockClass want;
  };
  const Case cases[] = {
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
      {"semacquire", BlockClass::kSemacquire},
      {"IO wait", BlockClass::kIOWait},
      {"syscall", BlockClass::kIOWait},
      {"sleep", BlockClass::kSleep},
      {"running", BlockClass::kRunning},
      {"runnable", BlockClass::kRunning},
      {"preempted", BlockClass::kRunning},
  };
  const Names user = {"main.f", "main.main"};
  for (const Case& c : cases) {
    EXPECT_EQ(BlockClassName(ClassifyWaitReason(c.reason, user)),
              BlockClassName(c.want))
        << c.reason;
    EXPECT_EQ(ViaTraits(c.reason, user), c.want) << c.reason;
  }
}

TEST(ClassifyWaitReasonTest, ReasonWinsOverFrames) {
  // The frames say mutex; the runtime said why it parked.
  const Names mutex = {"sync.runtime_SemacquireMutex", "sync.(*Mutex).lockSlow",
                       "sync.(*Mutex).Lock", "main.lockIt"};
  EXPECT_EQ(ClassifyWaitReason("chan receive", mutex),
            BlockClass::kChanReceive);
  // A running goroutine is running whatever its frames.
  EXPECT_EQ(ClassifyWaitReason("running", {"runtime/pprof.writeGoroutine"}),
            BlockClass::kRunning);
}

// Go <= 1.19 prints "semacquire" for every sync primitive; the frames tell
// which one.
TEST(ClassifyWaitReasonTest, SemacquireRefinedByFrames) {
  struct Case {
    Names frames;
    BlockClass want;
  };
  const Case cases[] = {
      {{"sync.runtime_SemacquireMutex", "sync.(*Mutex).lockSlow",
        "sync.(*Mutex).Lock", "main.lockIt"},
       BlockClass::kMutex},
      // Lock inlined: only the exported method is printed.
      {{"sync.runtime_SemacquireMutex", "sync.(*Mutex).Lock", "main.lockIt"},
       BlockClass::kMutex},
      {{"sync.runtime_Semacquire", "sync.(*WaitGroup).Wait", "main.waitAll"},
       BlockClass::kWaitGroup},
      {{"sync.runtime_SemacquireMutex", "sync.(*RWMutex).RLock",
        "main.readLocked"},
       BlockClass::kRWMutex},
      {{"sync.runtime_SemacquireMutex", "sync.(*RWMutex).Lock",
        "main.writeLocked"},
       BlockClass::kRWMutex},
      {{"sync.runtime_notifyListWait", "sync.(*Cond).Wait", "main.consumer"},
       BlockClass::kCondWait},
      // No sync type: stays a bare semaphore, whatever else the frames say.
      {{"sync.runtime_Semacquire", "main.acquire"}, BlockClass::kSemacquire},
      {{"main.acquire"}, BlockClass::kSemacquire},
      {{"time.Sleep", "main.sleeper"}, BlockClass::kSemacquire},
      {{}, BlockClass::kSemacquire},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(BlockClassName(ClassifyWaitReason("semacquire", c.frames)),
              BlockClassName(c.want))
        << Show(c.frames);
    EXPECT_EQ(ViaTraits("semacquire", c.frames), c.want) << Show(c.frames);
  }
}

TEST(ClassifyWaitReasonTest, RuntimeGoroutinesAndHousekeeping) {
  struct Case {
    absl::string_view reason;
    Names frames;
    BlockClass want;
  };
  const Case cases[] = {
      // A known reason on a stack of runtime (or os/signal) frames only.
      {"syscall",
       {"os/signal.signal_recv", "os/signal.loop"},
       BlockClass::kRuntimeInternal},
      {"chan receive", {"runtime.Gosched"}, BlockClass::kRuntimeInternal},
      // Whatever the reason, running included: debug=0 and debug=1 cannot see
      // it, and the class must not differ by format.
      {"running",
       {"os/signal.signal_recv", "os/signal.loop"},
       BlockClass::kRuntimeInternal},
      {"runnable",
       {"os/signal.signal_recv", "os/signal.loop"},
       BlockClass::kRuntimeInternal},
      {"semacquire",
       {"runtime.semacquire1", "runtime.gcStart"},
       BlockClass::kRuntimeInternal},
      // Housekeeping reasons, by prefix, whatever the frames.
      {"GC worker (idle)", {"main.f"}, BlockClass::kRuntimeInternal},
      {"GC assist wait", {"main.alloc"}, BlockClass::kRuntimeInternal},
      {"GC sweep wait", {}, BlockClass::kRuntimeInternal},
      {"GC scavenge wait", {}, BlockClass::kRuntimeInternal},
      {"finalizer wait", {}, BlockClass::kRuntimeInternal},
      {"force gc (idle)", {}, BlockClass::kRuntimeInternal},
      {"trace reader (blocked)", {}, BlockClass::kRuntimeInternal},
      {"wait for GC cycle", {"main.f"}, BlockClass::kRuntimeInternal},
      {"stopping the world", {"main.f"}, BlockClass::kRuntimeInternal},
      {"debug call", {"main.f"}, BlockClass::kRuntimeInternal},
      {"panicwait", {"main.f"}, BlockClass::kRuntimeInternal},
      {"garbage collection", {"main.f"}, BlockClass::kRuntimeInternal},
      {"garbage collection scan", {"main.f"}, BlockClass::kRuntimeInternal},
      {"dumping heap", {"main.f"}, BlockClass::kRuntimeInternal},
      {"flushing proc caches", {"main.f"}, BlockClass::kRuntimeInternal},
      {"sync.Cond.Wait (runtime)", {"main.f"}, BlockClass::kRuntimeInternal},
      // Any reason on a stack of runtime frames only.
      {"waiting", {"runtime.Gosched"}, BlockClass::kRuntimeInternal},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(BlockClassName(ClassifyWaitReason(c.reason, c.frames)),
              BlockClassName(c.want))
        << c.reason << " " << Show(c.frames);
    EXPECT_EQ(ViaTraits(c.reason, c.frames), c.want) << c.reason;
  }
}

// A reason the table does not know falls back to the frames, as debug=1
// reads them (leading runtime frames hidden).
TEST(ClassifyWaitReasonTest, UnknownReasonFallsBackToFrames) {
  struct Case {
    absl::string_view reason;
    Names frames;
    BlockClass want;
  };
  const Case cases[] = {
      {"waiting", {"main.f"}, BlockClass::kOther},
      {"", {"main.f"}, BlockClass::kOther},
      {"chan receive (synctest)", {"main.f"}, BlockClass::kOther},
      // The parser strips " (leaked)" before classifying; unstripped, the
      // reason is unknown.
      {"chan send (leaked)", {"main.f"}, BlockClass::kOther},
      {"waiting",
       {"sync.runtime_SemacquireMutex", "sync.(*Mutex).Lock", "main.f"},
       BlockClass::kMutex},
      {"waiting", {"time.Sleep", "main.f"}, BlockClass::kSleep},
      {"waiting",
       {"runtime/pprof.writeGoroutineStacks", "main.main"},
       BlockClass::kRunning},
      {"waiting", {}, BlockClass::kOther},
      // Reasons match whole: no prefix matching outside the housekeeping
      // list.
      {"chan sendx", {"main.f"}, BlockClass::kOther},
      {"Chan send", {"main.f"}, BlockClass::kOther},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(BlockClassName(ClassifyWaitReason(c.reason, c.frames)),
              BlockClassName(c.want))
        << c.reason << " " << Show(c.frames);
    EXPECT_EQ(ViaTraits(c.reason, c.frames), c.want) << c.reason;
  }
}

TEST(IsBlockingPlumbingTest, Table) {
  struct Case {
    absl::string_view function;
    bool plumbing;
  };
  const Case cases[] = {
      // One per prefix.
      {"runtime.gopark", true},
      {"runtime.Gosched", true},
      {"sync.(*Mutex).Lock", true},
      {"internal/sync.(*Mutex).lockSlow", true},
      {"sync/atomic.(*Int32).Load", true},
      {"internal/poll.runtime_pollWait", true},
      {"syscall.Syscall", true},
      {"internal/syscall/unix.Waitid", true},
      {"net.(*netFD).Read", true},
      {"net.(*conn).Read", true},
      {"net.(*TCPConn).ReadFrom", true},
      {"net.(*UDPConn).ReadFromUDP", true},
      {"net.(*UnixConn).Read", true},
      {"net.(*IPConn).Read", true},
      {"net.(*TCPListener).Accept", true},
      {"net.(*UnixListener).Accept", true},
      {"net.(*pipe).Read", true},
      {"os.(*File).Read", true},
      {"os/signal.signal_recv", true},
      {"io.ReadAtLeast", true},
      {"io.ReadFull", true},
      {"io.Copy", true},
      {"io.CopyN", true},  // prefix match
      {"io.copyBuffer", true},
      {"bufio.(*Reader).ReadString", true},
      {"time.Sleep", true},  // the only exact match
      // Not plumbing.
      {"time.SleepUntil", false},
      {"time.After", false},
      {"main.f", false},
      {"", false},
      {"runtime/pprof.writeGoroutine", false},  // "runtime/" is not "runtime."
      {"runtime", false},
      {"sync", false},
      {"os/signal.loop", false},
      {"os.Open", false},
      {"io.ReadAll", false},
      {"bufio.(*Scanner).Scan", false},
      {"bufio.(*Writer).Flush", false},
      {"net.(*Resolver).lookupHost", false},
      {"net/http.(*conn).serve", false},
      {"sort.Slice", false},
      {"github.com/acme/x.(*T).run", false},
      {"golang.org/x/sync/semaphore.(*Weighted).Acquire", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsBlockingPlumbing(c.function), c.plumbing) << c.function;
    EXPECT_EQ(TraitsOf(c.function).plumbing, c.plumbing) << c.function;
  }
}

TEST(FindSiteFrameTest, Table) {
  struct Case {
    Names frames;
    int want;
  };
  const Case cases[] = {
      {{}, -1},
      {{"main.f"}, 0},
      {{"main.f", "runtime.gopark"}, 0},
      {kChanSend, 3},
      {kMutex, 6},
      {kInternalMutex, 7},
      {kNetRead, 9},
      {kSleep, 2},
      {{"time.Sleep", "main.sleeper"}, 1},
      // Go hides these in debug=1/2: the site is the same user frame.
      {{"main.producer", "main.main"}, 0},
      // The profile writer: runtime/pprof is not plumbing.
      {kProfileWriter, 1},
      // All plumbing: the outermost frame, skipping a last runtime.goexit.
      {kBgSweep, 3},
      {kForceGC, 1},
      {{"runtime.gopark", "runtime.goexit"}, 0},
      {{"runtime.goexit"}, 0},
      {{"os/signal.signal_recv", "runtime.goexit", "runtime.goexit"}, 1},
      {{"sync.runtime_Semacquire", "sync.(*WaitGroup).Wait"}, 1},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FindSiteFrame(c.frames), c.want) << Show(c.frames);
    EXPECT_EQ(SiteViaTraits(c.frames), c.want) << Show(c.frames);
  }
}

TEST(TraitsOfTest, Fields) {
  const FrameTraits send = TraitsOf("runtime.chansend1");
  EXPECT_EQ(send.marker, static_cast<int8_t>(BlockClass::kChanSend));
  EXPECT_TRUE(send.plumbing);
  EXPECT_TRUE(send.runtime_package);
  EXPECT_FALSE(send.park);
  EXPECT_FALSE(send.semaphore);

  EXPECT_EQ(TraitsOf("main.f").marker, -1);
  EXPECT_FALSE(TraitsOf("main.f").plumbing);
  EXPECT_FALSE(TraitsOf("main.f").runtime_package);

  for (absl::string_view f :
       {"sync.runtime_Semacquire", "sync.runtime_SemacquireMutex",
        "sync.runtime_SemacquireWaitGroup",
        "internal/sync.runtime_SemacquireMutex", "runtime.semacquire1",
        "runtime.semacquire"}) {
    EXPECT_TRUE(TraitsOf(f).semaphore) << f;
    EXPECT_EQ(TraitsOf(f).marker, -1) << f;
  }
  EXPECT_FALSE(TraitsOf("runtime.semrelease").semaphore);

  for (absl::string_view f :
       {"syscall.Syscall", "internal/syscall/unix.Waitid",
        "runtime.entersyscall", "runtime.entersyscallblock"}) {
    EXPECT_TRUE(TraitsOf(f).syscall) << f;
  }
  EXPECT_FALSE(TraitsOf("runtime.exitsyscall").syscall);

  EXPECT_TRUE(TraitsOf("os/signal.loop").runtime_package);
  EXPECT_FALSE(TraitsOf("runtime/pprof.writeGoroutine").runtime_package);
  EXPECT_TRUE(TraitsOf("runtime/pprof.writeGoroutine").pprof);
  EXPECT_TRUE(TraitsOf("runtime.gopark").park);
  EXPECT_TRUE(TraitsOf("runtime.goparkunlock").park);
  EXPECT_FALSE(TraitsOf("runtime.goparkx").park);
  EXPECT_TRUE(TraitsOf("runtime.goexit").goexit);
  EXPECT_FALSE(TraitsOf("runtime.Goexit").goexit);

  // Every marker, and the class it names.
  struct Marker {
    absl::string_view function;
    BlockClass c;
  };
  const Marker markers[] = {
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
  for (const Marker& m : markers) {
    EXPECT_EQ(TraitsOf(m.function).marker, static_cast<int8_t>(m.c))
        << m.function;
    // Every marker is plumbing, so the scan above the site reaches it.
    EXPECT_TRUE(TraitsOf(m.function).plumbing) << m.function;
  }
  // Not markers: the nil-channel forms have no frame of their own.
  EXPECT_EQ(TraitsOf("runtime.gopark").marker, -1);
  EXPECT_EQ(TraitsOf("sync.(*RWMutex).RUnlock").marker, -1);
  EXPECT_EQ(TraitsOf("sync.(*WaitGroup).Add").marker, -1);
}

// Regression: the os/signal loop was `running` in debug=0 (runtime frames
// shown, frame 0 not a park) but `runtime` in debug=1 and debug=2, so its
// site id differed by format. A stack of only runtime.* and os/signal.*
// frames is `runtime` in every format, whatever its frames or reason.
TEST(ClassifyTest, RuntimeInternalStackIsRuntimeInEveryFormat) {
  // debug=0: every frame.
  EXPECT_EQ(ClassifyFrames(kSignalLoop, true), BlockClass::kRuntimeInternal);
  EXPECT_EQ(ViaTraits(kSignalLoop, true), BlockClass::kRuntimeInternal);
  // debug=1: the leading runtime frames and runtime.goexit hidden.
  const Names debug1 = {"os/signal.signal_recv", "os/signal.loop"};
  EXPECT_EQ(ClassifyFrames(debug1, false), BlockClass::kRuntimeInternal);
  EXPECT_EQ(ViaTraits(debug1, false), BlockClass::kRuntimeInternal);
  // debug=2: the same frames, with any reason.
  for (absl::string_view reason :
       {"syscall", "running", "runnable", "preempted", "select", "waiting"}) {
    EXPECT_EQ(ClassifyWaitReason(reason, debug1), BlockClass::kRuntimeInternal)
        << reason;
    EXPECT_EQ(ViaTraits(reason, debug1), BlockClass::kRuntimeInternal)
        << reason;
  }
  // Markers do not override it either, in any form.
  EXPECT_EQ(ClassifyFrames(kRuntimeSelect, true), BlockClass::kRuntimeInternal);
  EXPECT_EQ(ClassifyFrames(kRuntimeSelect, false),
            BlockClass::kRuntimeInternal);
  // One user frame anywhere and it is not runtime-internal.
  const Names user = {"runtime.notetsleepg", "os/signal.signal_recv",
                      "main.loop"};
  EXPECT_EQ(ClassifyFrames(user, true), BlockClass::kRunning);
  EXPECT_EQ(ClassifyWaitReason("running", {"os/signal.signal_recv", "main.f"}),
            BlockClass::kRunning);
}

}  // namespace
}  // namespace goprof
}  // namespace leakprof
