// Copyright 2026 The leakprof Authors.
//
// Pins the id encoding of docs/parser.md ("Stable ids"). Stored series are
// keyed by these ids: if a test here fails, the encoding changed, and every
// id ever stored would change with it.
//
// Every expected value below was computed by an independent Python
// implementation of the spec as docs/parser.md states it (not by this code):
//   FrameHash: FNV-1a 64 over the 8-byte little-endian words of
//     function || 0x00 || file || 0x00 || decimal(line), the last word padded
//     with zero bytes (h = offset basis; per word: h = (h ^ w) * prime);
//   StackId: h = 14695981039346656037; per frame not hidden, innermost
//     first: h = (h ^ FrameHash) * 1099511628211 mod 2^64;
//   SiteId: byte-wise FNV-1a 64 over BlockClassName + "\n", then one fold of
//     the site frame's FrameHash;
//   FormatId: "%016x".

#include "common/goprof/stack_id.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/goprof/profile.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace goprof {
namespace {

constexpr uint64_t kOffsetBasis = 14695981039346656037ull;
constexpr uint64_t kPrime = 1099511628211ull;

// A frame of the testdata body go119_tiny.debug{0,1,2}: the channel send at
// the top of its biggest site (docs/parser.md, worked example).
const Frame kLedgerBlock = {
    "github.com/acme/payments/internal/ledger.block",
    "/tmp/tmp.H5kn482Umu/src/github.com/acme/payments/internal/ledger/"
    "ledger.go",
    15};

TEST(StackIdTest, SeedAndPrimeAreFnv1a64) {
  EXPECT_EQ(kStackIdSeed, kOffsetBasis);
  EXPECT_EQ(kStackIdSeed, 0xcbf29ce484222325ull);
  EXPECT_EQ(FoldFrameHash(0, 1), kPrime);
  EXPECT_EQ(FoldFrameHash(kStackIdSeed, 0x1234),
            (kStackIdSeed ^ 0x1234) * kPrime);
}

TEST(StackIdTest, FrameHashGoldenValues) {
  struct Case {
    Frame frame;
    uint64_t want;
    const char* why;
  };
  const Case cases[] = {
      // "\0\0" "0": three bytes, one padded word.
      {{"", "", 0}, 0x9f63bd4c6ad1b7dfull, "empty strings, line 0"},
      // "abcde\0\0" "0": exactly one word, no padding.
      {{"abcde", "", 0}, 0x5e8134b00ee1e68cull, "8 bytes"},
      // "main.fo\0/a.go\0" "12": exactly two words.
      {{"main.fo", "/a.go", 12}, 0xfb6376c9af05bd35ull, "16 bytes"},
      {{"main.f", "/a.go", 1}, 0x7cf701669aa3aadbull, "14 bytes"},
      // The function fills the first word; the separator starts the next.
      {{"main.f12", "/src/x.go", 0}, 0x16fd6b4822fa7d1dull, "line 0"},
      {{"main.f", "/a.go", -1}, 0x634a6d669aa3aadbull, "negative line"},
      {{"main.f", "/a.go", INT64_MAX},
       0xc04177420f6ed917ull,
       "19-digit line, 32 bytes"},
      {kLedgerBlock, 0x89e243e5e7f2f779ull, "testdata frame, 124 bytes"},
      {{"runtime.gopark", "/usr/lib/go-1.19/src/runtime/proc.go", 363},
       0xf1c26a4af0a43458ull,
       "hidden frames still have a hash"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FrameHash(c.frame), c.want) << c.why;
    // The overload over separate fields (the parser's FrameRef path) is the
    // same function.
    EXPECT_EQ(FrameHash(c.frame.function, c.frame.file, c.frame.line), c.want)
        << c.why;
  }
}

// Every alignment of the separators within a word: function = the first n
// letters of the alphabet, file "/x.go", line 7; encoded length n + 8.
TEST(StackIdTest, FrameHashEveryAlignment) {
  const uint64_t want[] = {
      0x2adfedba7702a2dfull,  // 8 bytes
      0x5001901c4ae841c1ull,  // 9 bytes
      0xe84bf51b4ac010e4ull,  // 10 bytes
      0x10a592607b2a53b9ull,  // 11 bytes
      0xebf4fa4d5a3d5a51ull,  // 12 bytes
      0xf9b0e37dbc264646ull,  // 13 bytes
      0x7c9adab5b807769cull,  // 14 bytes
      0x625e88a0cbca8ef9ull,  // 15 bytes
      0x8f212c8c655178e4ull,  // 16 bytes
      0x87eec2584baa18f8ull,  // 17 bytes
      0x4595d7db86c5eeadull,  // 18 bytes
      0x5686d57328a12950ull,  // 19 bytes
      0xcb37c86cab41fde8ull,  // 20 bytes
      0x74cc813b067e1d43ull,  // 21 bytes
      0xa0db535d0b775405ull,  // 22 bytes
      0xe7c32598d3f63490ull,  // 23 bytes
      0x0d6011ac912626adull,  // 24 bytes
      0xc0cdabbc31fb5687ull,  // 25 bytes
  };
  const absl::string_view letters = "abcdefghijklmnopqrstuvwxyz";
  for (size_t n = 0; n < sizeof(want) / sizeof(want[0]); ++n) {
    const Frame f{std::string(letters.substr(0, n)), "/x.go", 7};
    EXPECT_EQ(FrameHash(f), want[n]) << "function length " << n;
    EXPECT_EQ(FrameHash(f.function, f.file, f.line), want[n]) << n;
  }
}

TEST(StackIdTest, FieldsAreSeparated) {
  // The 0x00 separators keep bytes from moving between fields.
  EXPECT_NE(FrameHash({"ab", "c", 1}), FrameHash({"a", "bc", 1}));
  EXPECT_NE(FrameHash({"a", "b1", 2}), FrameHash({"a", "b", 12}));
  EXPECT_NE(FrameHash({"f", "", 0}), FrameHash({"", "f", 0}));
}

TEST(StackIdTest, HiddenRuntimeFrames) {
  struct Case {
    const char* function;
    bool hidden;
  };
  const Case cases[] = {
      {"runtime.gopark", true},
      {"runtime.chansend1", true},
      {"runtime.goexit", true},
      {"runtime._System", true},  // '_' is not an upper-case letter
      {"runtime.", true},         // nothing after the package
      {"runtime.(*", true},
      {"runtime.(", true},
      {"runtime.(*mheap).alloc", true},  // method of an unexported type
      {"runtime.(foo).x", true},
      {"runtime.((Foo).x", true},  // one '(' is removed, not two
      {"runtime.Gosched", false},  // exported function
      {"runtime.GC", false},
      {"runtime.(*Frames).Next", false},  // method of an exported type
      {"runtime.(Foo).x", false},
      {"runtime.(*(Foo).x", false},             // "(*" then "(" are removed
      {"runtime/pprof.writeGoroutine", false},  // another package
      {"runtimex.foo", false},
      {"runtime", false},
      {"main.runtime.x", false},
      {"sync.runtime_Semacquire", false},
      {"Runtime.foo", false},
      {"", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsHiddenRuntimeFrame(c.function), c.hidden) << c.function;
  }
}

TEST(StackIdTest, StackIdGoldenValues) {
  const Frame f{"main.f", "/a.go", 1};
  const Frame g{"main.g", "/b.go", 2};
  EXPECT_EQ(StackId({}), 0xcbf29ce484222325ull);  // the seed
  EXPECT_EQ(StackId({f}), 0x8014a219d61d7a9aull);
  EXPECT_EQ(StackId({f}), FoldFrameHash(kStackIdSeed, FrameHash(f)));
  EXPECT_EQ(StackId({f, g}), 0x6c66a04f6845c3fcull);
  EXPECT_EQ(StackId({g, f}), 0x0f337f4f05800cbeull);  // order matters
  // An exported runtime function counts...
  EXPECT_EQ(StackId({{"runtime.Gosched", "/r/proc.go", 322}, f}),
            0x9d1b05d339503be8ull);
  EXPECT_EQ(StackId({{"runtime.(*Frames).Next", "/r/symtab.go", 100}, f}),
            0x4110de428c3216caull);
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
  EXPECT_EQ(StackId({gopark}), kStackIdSeed);  // only hidden frames
  EXPECT_NE(StackId({{"runtime.Gosched", "/r/proc.go", 322}, f}), StackId({f}));
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
  EXPECT_EQ(StackId(printed), 0xa5007c196c23cd7bull);
  EXPECT_EQ(StackId(recorded), 0xa5007c196c23cd7bull);
}

TEST(StackIdTest, SiteIdWithoutFrameIsTheClassPrefix) {
  struct Case {
    BlockClass c;
    uint64_t want;
  };
  // Byte-wise FNV-1a 64 of "<class name>\n".
  const Case cases[] = {
      {BlockClass::kChanSend, 0x82dff46321d386eeull},
      {BlockClass::kChanReceive, 0x212638d8253895a7ull},
      {BlockClass::kSelect, 0x7c394b1bdded1fe5ull},
      {BlockClass::kSelectNoCases, 0xd5613f603f42ec9bull},
      {BlockClass::kNilChanSend, 0x1db82e14574d582aull},
      {BlockClass::kNilChanReceive, 0xba569023e1a4de73ull},
      {BlockClass::kMutex, 0xbb5abf087af813aaull},
      {BlockClass::kRWMutex, 0xd5a96f12b69d3a35ull},
      {BlockClass::kCondWait, 0xde64f3cab6ad8853ull},
      {BlockClass::kWaitGroup, 0x9b8e7c306eb2ef4bull},
      {BlockClass::kSemacquire, 0x7b5c6b734da23882ull},
      {BlockClass::kIOWait, 0xd2ab1cdf8755567full},
      {BlockClass::kSleep, 0x6fd1e852ff4e9026ull},
      {BlockClass::kRunning, 0x8d6306854caf5432ull},
      {BlockClass::kRuntimeInternal, 0x273c4dc0a62628d3ull},
      {BlockClass::kOther, 0x927cfc1d3869ff6dull},
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
            0x3b507102aad40395ull);
  EXPECT_EQ(SiteId(BlockClass::kChanSend, &kLedgerBlock),
            FoldFrameHash(SiteId(BlockClass::kChanSend, nullptr),
                          FrameHash(kLedgerBlock)));
  EXPECT_EQ(SiteId(BlockClass::kOther, &kLedgerBlock), 0x89c847e3f46eb9fcull);
  // A frame of empty strings is folded; no frame is not.
  const Frame empty;
  EXPECT_EQ(SiteId(BlockClass::kOther, &empty), 0x0464af2f8f238676ull);
  EXPECT_NE(SiteId(BlockClass::kOther, &empty),
            SiteId(BlockClass::kOther, nullptr));
  // A site is not hidden-frame aware: it is one frame, folded as is.
  const Frame gopark{"runtime.gopark", "/usr/lib/go-1.19/src/runtime/proc.go",
                     363};
  EXPECT_EQ(SiteId(BlockClass::kRuntimeInternal, &gopark),
            FoldFrameHash(0x273c4dc0a62628d3ull, 0xf1c26a4af0a43458ull));
}

TEST(StackIdTest, FormatId) {
  EXPECT_EQ(FormatId(0), "0000000000000000");
  EXPECT_EQ(FormatId(0xab), "00000000000000ab");
  EXPECT_EQ(FormatId(0xcbf29ce484222325ull), "cbf29ce484222325");
  EXPECT_EQ(FormatId(0x0464af2f8f238676ull), "0464af2f8f238676");
  EXPECT_EQ(FormatId(UINT64_MAX), "ffffffffffffffff");
}

}  // namespace
}  // namespace goprof
}  // namespace leakprof
