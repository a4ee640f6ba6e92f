// Copyright 2026 The leakprof Authors.
//
// Pins the id encoding of docs/parser.md ("Stable ids"). Stored series are
// keyed by these ids: if a test here fails, the encoding changed, and every
// id ever stored would change with it.
//
// Every expected value below was computed by the independent Python
// reference implementation tools/ids/leakprof_ids.py (Debian's
// python3-xxhash), not by this code:
//   FrameHash: XXH3-64 of function || 0x00 || file || 0x00 || decimal(line);
//   StackId: XXH3-64 of the counted frames' FrameHashes, 8 bytes
//     little-endian each, innermost first;
//   SiteId: XXH3-64 of class name || 0x0A || FrameHash (8 bytes LE);
//   FormatId: "%016x".

#include "common/goprof/stack_id.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/goprof/profile.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace goprof {
namespace {

// A frame of the testdata body go119_tiny.debug{0,1,2}: the channel send at
// the top of its biggest site (docs/parser.md, worked example).
const Frame kLedgerBlock = {
    "github.com/acme/payments/internal/ledger.block",
    "/tmp/tmp.H5kn482Umu/src/github.com/acme/payments/internal/ledger/"
    "ledger.go",
    15};

TEST(StackIdTest, FrameHashGoldenValues) {
  struct Case {
    Frame frame;
    uint64_t want;
  };
  const Case cases[] = {
      {{"", "", 0}, 0xeeee0946d58e25eaull},
      {{"abcde", "", 0}, 0x5f13bab93e84653dull},
      {{"main.f", "/a.go", 1}, 0x2eada71fe60f19e2ull},
      {{"main.f", "/a.go", -1}, 0x23f7d0614b8b9fdeull},
      {{"main.f12", "/src/x.go", 0}, 0x591fcd97b8d9c3eaull},
      {kLedgerBlock, 0x26afa5372f771772ull},
      {{"runtime.gopark", "/usr/lib/go-1.19/src/runtime/proc.go", 363},
       0x102dca28fe7f980cull},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FrameHash(c.frame), c.want) << c.frame.function;
    EXPECT_EQ(FrameHash(c.frame.function, c.frame.file, c.frame.line), c.want)
        << c.frame.function;
  }
}

TEST(StackIdTest, LongFramesHashWholly) {
  // Longer than FrameHash's inline buffer: the heap path gives the same
  // kind of value, and every byte counts.
  const std::string long_name(1000, 'x');
  const std::string other = long_name.substr(0, 999) + "y";
  EXPECT_NE(FrameHash({long_name, "/a.go", 1}), FrameHash({other, "/a.go", 1}));
}

TEST(StackIdTest, FieldsAreSeparated) {
  // The 0x00 separators keep bytes from moving between fields.
  EXPECT_NE(FrameHash({"ab", "c", 1}), FrameHash({"a", "bc", 1}));
  EXPECT_NE(FrameHash({"a", "b1", 2}), FrameHash({"a", "b", 12}));
  EXPECT_NE(FrameHash({"f", "", 0}), FrameHash({"", "f", 0}));
}

TEST(StackIdTest, RuntimeKindFollowsGo) {
  struct Case {
    const char* function;
    RuntimeKind kind;
  };
  const Case cases[] = {
      {"runtime.gopark", RuntimeKind::kUnexported},
      {"runtime.goexit", RuntimeKind::kUnexported},
      {"runtime._System", RuntimeKind::kUnexported},
      {"runtime.", RuntimeKind::kUnexported},
      // Go's isExportedRuntime looks at the byte after "runtime.": methods
      // are hidden by debug=2 whatever their type.
      {"runtime.(*Frames).Next", RuntimeKind::kUnexported},
      {"runtime.(*mheap).alloc", RuntimeKind::kUnexported},
      {"runtime.Gosched", RuntimeKind::kExported},
      {"runtime.GC", RuntimeKind::kExported},
      {"runtime/pprof.writeGoroutine", RuntimeKind::kNotRuntime},
      {"runtimex.foo", RuntimeKind::kNotRuntime},
      {"runtime", RuntimeKind::kNotRuntime},
      {"sync.runtime_Semacquire", RuntimeKind::kNotRuntime},
      {"", RuntimeKind::kNotRuntime},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RuntimeKindOf(c.function), c.kind) << c.function;
  }
}

TEST(StackIdTest, StackIdGoldenValues) {
  const Frame f{"main.f", "/a.go", 1};
  const Frame g{"main.g", "/b.go", 2};
  EXPECT_EQ(StackId({}), 0x2d06800538d394c2ull);  // XXH3-64 of nothing
  EXPECT_EQ(StackId({f}), 0xf76ec1278bf58773ull);
  EXPECT_EQ(StackId({f, g}), 0x486bd95f4678939cull);
  EXPECT_EQ(StackId({g, f}), 0x7d8f62c0ebccd107ull);  // order matters
  const uint64_t hashes[] = {FrameHash(f), FrameHash(g)};
  EXPECT_EQ(StackIdOfHashes(hashes), StackId({f, g}));
  // An exported runtime function counts below the leading run...
  EXPECT_EQ(StackId({f, {"runtime.Gosched", "/r/proc.go", 322}, g}),
            0xc8392e2812ce2adcull);
  // ...but not in it: debug=1 hides every leading runtime frame.
  EXPECT_EQ(StackId({{"runtime.Gosched", "/r/proc.go", 322}, f}), StackId({f}));
  // The runtime's own goroutines count every frame.
  EXPECT_EQ(StackId({{"runtime.gopark", "/r/proc.go", 363},
                     {"runtime.gcBgMarkWorker", "/r/mgc.go", 1200},
                     {"runtime.goexit", "/r/asm_amd64.s", 1594}}),
            0x8009a1c5e9a3f84cull);
}

TEST(StackIdTest, HiddenFramesAreLeftOut) {
  const Frame f{"main.f", "/a.go", 1};
  const Frame g{"main.g", "/b.go", 2};
  const Frame gopark{"runtime.gopark", "/r/proc.go", 363};
  const Frame chansend1{"runtime.chansend1", "/r/chan.go", 145};
  const Frame mheap{"runtime.(*mheap).alloc", "/r/mheap.go", 900};
  const Frame goexit{"runtime.goexit", "/r/asm_amd64.s", 1594};
  EXPECT_EQ(StackId({gopark, chansend1, f, g, goexit}), StackId({f, g}));
  EXPECT_EQ(StackId({f, mheap, g}), StackId({f, g}));
  EXPECT_NE(StackId({gopark}), StackId({}));  // only runtime frames: counted
}

TEST(StackIdTest, SwappedLinesDoNotCollide) {
  // Two frames whose lines trade places: a weak word-wise hash once gave
  // these the same id.
  const std::vector<Frame> a = {{"main.workr", "worker.go", 11},
                                {"main.serveIt", "main.go", 13}};
  const std::vector<Frame> b = {{"main.workr", "worker.go", 13},
                                {"main.serveIt", "main.go", 11}};
  EXPECT_EQ(StackId(a), 0x4f086aafa7967529ull);
  EXPECT_EQ(StackId(b), 0x40a69d0d6249577aull);
}

TEST(StackIdTest, NoCollisionsAmongManySmallStacks) {
  // 90 x 90 two-frame stacks of near-identical frames.
  std::vector<uint64_t> ids;
  for (int i = 0; i < 90; ++i) {
    for (int j = 0; j < 90; ++j) {
      ids.push_back(StackId(
          {{"main.workr", "worker.go", i}, {"main.serveIt", "main.go", j}}));
    }
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}

// The chan-send stack of go119_tiny: debug=0 records three runtime frames
// above ledger.block that debug=1 and debug=2 do not print; the id is the
// same (docs/parser.md, worked example).
TEST(StackIdTest, TestdataStackIsTheSameWithAndWithoutRuntimeFrames) {
  const std::string file = kLedgerBlock.file;
  const std::vector<Frame> printed = {
      kLedgerBlock,
      {"github.com/acme/payments/internal/ledger.T100."
       "AuthorizationClientStep100",
       file, 636},
      {"github.com/acme/payments/internal/ledger.T56.LedgerReconcilerStep56",
       file, 373},
      {"github.com/acme/payments/internal/ledger.T140."
       "AuthorizationClientStep140",
       file, 877},
      {"github.com/acme/payments/internal/ledger.T25.SettlementBatcherStep25",
       file, 187},
      {"github.com/acme/payments/internal/ledger.T118.FXRateCacheStep118", file,
       745},
      {"github.com/acme/payments/internal/ledger.T81.SettlementBatcherStep81",
       file, 523},
      {"github.com/acme/payments/internal/ledger.T59.RiskScorerStep59", file,
       391},
      {"github.com/acme/payments/internal/ledger.T247."
       "WebhookDispatcherStep247",
       file, 1519},
      {"github.com/acme/payments/internal/ledger.T287."
       "WebhookDispatcherStep287",
       file, 1759},
  };
  std::vector<Frame> recorded = {
      {"runtime.gopark", "/usr/lib/go-1.19/src/runtime/proc.go", 363},
      {"runtime.chansend", "/usr/lib/go-1.19/src/runtime/chan.go", 259},
      {"runtime.chansend1", "/usr/lib/go-1.19/src/runtime/chan.go", 145},
  };
  recorded.insert(recorded.end(), printed.begin(), printed.end());
  EXPECT_EQ(StackId(printed), 0x24bde00d8b71330cull);
  EXPECT_EQ(StackId(recorded), 0x24bde00d8b71330cull);
}

TEST(StackIdTest, SiteIdWithoutFrameIsTheClassPrefix) {
  struct Case {
    BlockClass c;
    uint64_t want;
  };
  // XXH3-64 of "<class name>\n".
  const Case cases[] = {
      {BlockClass::kChanSend, 0x2e7604efc5114ff2ull},
      {BlockClass::kChanReceive, 0x9449c02691581bf4ull},
      {BlockClass::kSelect, 0x23c5d2dd6965ce9cull},
      {BlockClass::kSelectNoCases, 0x417fa7a54954086cull},
      {BlockClass::kNilChanSend, 0x7490f17046aae8b3ull},
      {BlockClass::kNilChanReceive, 0x36977a02b304deb4ull},
      {BlockClass::kMutex, 0xae12bcdf6bf70460ull},
      {BlockClass::kRWMutex, 0xea82f7af8d2681dbull},
      {BlockClass::kCondWait, 0x4f37aa6c0ec3a484ull},
      {BlockClass::kWaitGroup, 0x20582707ab3d92a2ull},
      {BlockClass::kSemacquire, 0x2a118184b8263b7cull},
      {BlockClass::kIOWait, 0x26c17b2d350d79a3ull},
      {BlockClass::kSleep, 0xd499653b9264ddddull},
      {BlockClass::kRunning, 0xf20e110a731d2732ull},
      {BlockClass::kRuntimeInternal, 0x19aa1ea87fb39e0aull},
      {BlockClass::kOther, 0xa8336ca7574341e0ull},
  };
  static_assert(sizeof(cases) / sizeof(cases[0]) == kNumBlockClasses,
                "one case per class");
  for (const Case& c : cases) {
    EXPECT_EQ(SiteId(c.c, nullptr), c.want) << BlockClassName(c.c);
  }
}

TEST(StackIdTest, SiteIdGoldenValues) {
  // The go119_tiny chan-send site, as leakprofctl prints it for debug=0 and
  // debug=2; debug=1 cannot see the send and calls it "other".
  EXPECT_EQ(SiteId(BlockClass::kChanSend, &kLedgerBlock),
            0x35feecdfaf0e305full);
  EXPECT_EQ(SiteId(BlockClass::kOther, &kLedgerBlock), 0x1181c2ed07ead4ecull);
  // A frame of empty strings is hashed; no frame is not.
  const Frame empty;
  EXPECT_EQ(SiteId(BlockClass::kOther, &empty), 0x301c42f6397b89f7ull);
  EXPECT_NE(SiteId(BlockClass::kOther, &empty),
            SiteId(BlockClass::kOther, nullptr));
}

TEST(StackIdTest, FormatId) {
  EXPECT_EQ(FormatId(0), "0000000000000000");
  EXPECT_EQ(FormatId(0xab), "00000000000000ab");
  EXPECT_EQ(FormatId(0x2d06800538d394c2ull), "2d06800538d394c2");
  EXPECT_EQ(FormatId(UINT64_MAX), "ffffffffffffffff");
}

}  // namespace
}  // namespace goprof
}  // namespace leakprof
