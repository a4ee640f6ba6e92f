// Copyright 2026 The leakprof Authors.

#include "common/goprof/parser.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <zlib.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/goprof/gunzip.h"
#include "common/goprof/sites.h"
#include "common/goprof/stack_id.h"
#include "common/goprof/text_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace goprof {
namespace {

using ::testing::HasSubstr;
using Labels = std::vector<std::pair<std::string, std::string>>;

std::string ReadTestdata(const std::string& name) {
  std::ifstream f("common/goprof/testdata/" + name, std::ios::binary);
  EXPECT_TRUE(f.good()) << name;
  return std::string(std::istreambuf_iterator<char>(f),
                     std::istreambuf_iterator<char>());
}

std::string Gzip(const std::string& data) {
  z_stream z = {};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = data.size();
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = out.size();
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Writes profile.proto messages by hand, for bodies Go 1.19 cannot produce.
class ProtoWriter {
 public:
  ProtoWriter& Varint(int field, uint64_t v) {
    Tag(field, 0);
    AppendVarint(v);
    return *this;
  }
  ProtoWriter& Bytes(int field, const std::string& b) {
    Tag(field, 2);
    AppendVarint(b.size());
    out_ += b;
    return *this;
  }
  ProtoWriter& Message(int field, const ProtoWriter& m) {
    return Bytes(field, m.out_);
  }
  const std::string& str() const { return out_; }

 private:
  void Tag(int field, int wire) { AppendVarint((field << 3) | wire); }
  void AppendVarint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

// A goroutineleak profile: one sample through an inlined location (two
// lines), with a string and a numeric label.
std::string LeakProfileProto() {
  ProtoWriter p;
  // String table: 0 "", 1 goroutineleak, 2 count, 3 runtime.gopark,
  // 4 proc.go, 5 runtime.chansend1, 6 chan.go, 7 main.send (inlined),
  // 8 main.go, 9 main.handler, 10 handler, 11 requests.
  p.Message(1, ProtoWriter().Varint(1, 1).Varint(2, 2));
  ProtoWriter sample;
  sample.Bytes(1, std::string("\x01\x02\x03", 3));  // packed location ids
  sample.Varint(2, 5);
  sample.Message(3, ProtoWriter().Varint(1, 10).Varint(2, 9));
  sample.Message(3, ProtoWriter().Varint(1, 11).Varint(3, 42));
  p.Message(2, sample);
  p.Message(4, ProtoWriter().Varint(1, 1).Message(
                   4, ProtoWriter().Varint(1, 1).Varint(2, 363)));
  p.Message(4, ProtoWriter().Varint(1, 2).Message(
                   4, ProtoWriter().Varint(1, 2).Varint(2, 160)));
  // Location 3: main.send inlined into main.handler.
  p.Message(4, ProtoWriter()
                   .Varint(1, 3)
                   .Message(4, ProtoWriter().Varint(1, 3).Varint(2, 12))
                   .Message(4, ProtoWriter().Varint(1, 4).Varint(2, 30)));
  p.Message(5, ProtoWriter().Varint(1, 1).Varint(2, 3).Varint(4, 4));
  p.Message(5, ProtoWriter().Varint(1, 2).Varint(2, 5).Varint(4, 6));
  p.Message(5, ProtoWriter().Varint(1, 3).Varint(2, 7).Varint(4, 8));
  p.Message(5, ProtoWriter().Varint(1, 4).Varint(2, 9).Varint(4, 8));
  for (const char* s : {"", "goroutineleak", "count", "runtime.gopark",
                        "proc.go", "runtime.chansend1", "chan.go", "main.send",
                        "main.go", "main.handler", "handler", "requests"}) {
    p.Bytes(6, s);
  }
  p.Varint(9, 1700000000000000000ull);
  return p.str();
}

const Site* FindSite(const std::vector<Site>& sites, absl::string_view fn,
                     BlockClass c) {
  for (const Site& s : sites) {
    if (s.frame.function == fn && s.block_class == c) return &s;
  }
  return nullptr;
}

// Location ids of every varint length (1, 2, 3 and 5 bytes), mixed in one
// packed field: the decoder's fast path takes one- and two-byte ids only.
std::string ProfileWithLocationIds(const std::vector<uint64_t>& ids,
                                   bool truncate_last_id) {
  std::string packed;
  for (uint64_t v : ids) {
    while (v >= 0x80) {
      packed.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    packed.push_back(static_cast<char>(v));
  }
  if (truncate_last_id) packed.back() |= static_cast<char>(0x80);
  ProtoWriter p;
  p.Message(1, ProtoWriter().Varint(1, 1).Varint(2, 2));
  p.Message(2, ProtoWriter().Bytes(1, packed).Varint(2, 3));
  for (size_t i = 0; i < ids.size(); ++i) {
    p.Message(4, ProtoWriter().Varint(1, ids[i]).Message(
                     4, ProtoWriter().Varint(1, 1).Varint(2, 10 + i)));
  }
  p.Message(5, ProtoWriter().Varint(1, 1).Varint(2, 3).Varint(4, 4));
  for (const char* s : {"", "goroutine", "count", "main.f", "main.go"}) {
    p.Bytes(6, s);
  }
  return p.str();
}

TEST(ParserTest, Debug0LocationIdsOfEveryLength) {
  const std::vector<uint64_t> ids = {1, 300, 127, 128,     16383, 16384,
                                     2, 5,   99,  3000000, 129,   7};
  absl::StatusOr<Profile> p = Parse(ProfileWithLocationIds(ids, false));
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->stacks.size(), 1u);
  const Stack& s = p->stacks[0];
  ASSERT_EQ(s.frame_indices.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(p->FrameOf(s, i).line, static_cast<int64_t>(10 + i)) << i;
  }
  EXPECT_EQ(s.count, 3);
}

TEST(ParserTest, Debug0TruncatedPackedLocationIdIsAnError) {
  absl::StatusOr<Profile> p =
      Parse(ProfileWithLocationIds({1, 300, 2}, true), ParseOptions());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(),
              HasSubstr("malformed varint in sample.location_id"));
}

TEST(ParserTest, DetectsFormats) {
  EXPECT_EQ(DetectFormat(ReadTestdata("go119_tiny.debug0")), Format::kDebug0);
  EXPECT_EQ(DetectFormat(ReadTestdata("go119_tiny.debug1")), Format::kDebug1);
  EXPECT_EQ(DetectFormat(ReadTestdata("go119_tiny.debug2")), Format::kDebug2);
  EXPECT_EQ(DetectFormat(LeakProfileProto()), Format::kDebug0);
  EXPECT_EQ(DetectFormat("<html><body>404</body></html>"), std::nullopt);
  EXPECT_EQ(DetectFormat(""), std::nullopt);
}

TEST(ParserTest, SameGoroutinesInAllThreeFormatsGetTheSameIds) {
  std::map<Format, Profile> profiles;
  for (int d = 0; d <= 2; ++d) {
    absl::StatusOr<Profile> p =
        Parse(ReadTestdata(absl::StrCat("go119_tiny.debug", d)));
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->total_goroutines, 61) << d;  // 60 + the profile writer
    profiles[p->format] = std::move(*p);
  }
  // Every blocked site has the same id, class and count everywhere but in
  // debug=1, which cannot name channel operations.
  auto blocked_sites = [](const Profile& p) {
    std::map<uint64_t, int64_t> ids;
    for (const Site& s : AggregateSites(p)) {
      if (s.goroutines > 1) ids[s.id] = s.goroutines;
    }
    return ids;
  };
  const auto sites0 = blocked_sites(profiles[Format::kDebug0]);
  EXPECT_EQ(sites0.size(), 5u);  // 6 stacks, two of them at one site
  EXPECT_EQ(sites0, blocked_sites(profiles[Format::kDebug2]));

  // Stacks have the same id in every format when Go recorded all their
  // frames: Go 1.19 keeps at most 32 PCs per stack in debug=0/1 (runtime
  // frames included) but prints every frame in debug=2.
  auto stack_ids = [](const Profile& p, bool only_complete) {
    std::set<uint64_t> ids;
    for (const Stack& s : p.stacks) {
      if (s.count > 1 && (!only_complete || s.frame_indices.size() < 32)) {
        ids.insert(s.id);
      }
    }
    return ids;
  };
  const std::set<uint64_t> complete0 =
      stack_ids(profiles[Format::kDebug0], true);
  EXPECT_GE(complete0.size(), 3u);
  EXPECT_EQ(stack_ids(profiles[Format::kDebug0], false),
            stack_ids(profiles[Format::kDebug1], false));
  const std::set<uint64_t> ids2 = stack_ids(profiles[Format::kDebug2], false);
  for (uint64_t id : complete0) EXPECT_EQ(ids2.count(id), 1u) << id;

  // Classes agree between debug=0 (frames) and debug=2 (wait reasons).
  std::map<uint64_t, BlockClass> classes0;
  for (const Stack& s : profiles[Format::kDebug0].stacks) {
    classes0[s.id] = s.block_class;
  }
  for (const Stack& s : profiles[Format::kDebug2].stacks) {
    if (s.count > 1) {
      if (classes0.count(s.id)) {
        EXPECT_EQ(s.block_class, classes0[s.id]) << s.wait_reason;
      }
      EXPECT_TRUE(s.created_by.has_value());
      EXPECT_EQ(s.created_by->function, "main.main");
    }
  }
}

TEST(ParserTest, Debug0SiteSkipsRuntimeFrames) {
  absl::StatusOr<Profile> p = Parse(ReadTestdata("go119_tiny.debug0"));
  ASSERT_TRUE(p.ok()) << p.status();
  for (const Stack& s : p->stacks) {
    if (s.count <= 1) continue;
    EXPECT_EQ(p->FrameOf(s, 0).function, "runtime.gopark");
    ASSERT_NE(p->SiteFrame(s), nullptr);
    EXPECT_EQ(p->SiteFrame(s)->function,
              "github.com/acme/payments/internal/ledger.block");
  }
}

TEST(ParserTest, Debug0GoroutineLeakWithInliningAndLabels) {
  for (const std::string& body :
       {LeakProfileProto(), Gzip(LeakProfileProto())}) {
    absl::StatusOr<Profile> p = Parse(body);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->kind, ProfileKind::kGoroutineLeak);
    EXPECT_EQ(p->time_nanos, 1700000000000000000);
    ASSERT_EQ(p->stacks.size(), 1u);
    const Stack& s = p->stacks[0];
    EXPECT_EQ(s.count, 5);
    EXPECT_EQ(s.leaked, 5);
    ASSERT_EQ(s.frame_indices.size(), 4u);  // inlined location: two frames
    EXPECT_EQ(p->FrameOf(s, 2), (Frame{"main.send", "main.go", 12}));
    EXPECT_EQ(p->FrameOf(s, 3), (Frame{"main.handler", "main.go", 30}));
    EXPECT_EQ(s.block_class, BlockClass::kChanSend);
    EXPECT_EQ(p->SiteFrame(s)->function, "main.send");
    EXPECT_EQ(s.id, StackId(p->FramesOf(s)));
    ASSERT_EQ(s.label_sets.size(), 1u);
    EXPECT_EQ(s.label_sets[0].count, 5);
    EXPECT_EQ(s.label_sets[0].labels,
              (std::vector<std::pair<std::string, std::string>>{
                  {"handler", "main.handler"}, {"requests", "42"}}));
  }
}

TEST(ParserTest, Debug1GoroutineLeakWithLabels) {
  absl::StatusOr<Profile> p = Parse(ReadTestdata("go127_goroutineleak.debug1"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->kind, ProfileKind::kGoroutineLeak);
  EXPECT_EQ(p->total_goroutines, 3);
  ASSERT_EQ(p->stacks.size(), 2u);
  EXPECT_EQ(p->stacks[0].leaked, 2);
  EXPECT_EQ(p->FrameOf(p->stacks[0], 0),
            (Frame{"main.leakySend", "/home/dev/svc/handler.go", 42}));
  ASSERT_EQ(p->stacks[0].label_sets.size(), 1u);
  EXPECT_EQ(p->stacks[0].label_sets[0].labels,
            (std::vector<std::pair<std::string, std::string>>{
                {"handler", "checkout"}, {"tenant", "a\"b"}}));
  // debug=1 hides the runtime frames that would name the channel operation.
  EXPECT_EQ(p->stacks[0].block_class, BlockClass::kOther);
}

TEST(ParserTest, Debug2GoroutineLeak) {
  absl::StatusOr<Profile> p = Parse(ReadTestdata("go127_goroutineleak.debug2"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->kind, ProfileKind::kGoroutineLeak);
  ASSERT_EQ(p->stacks.size(), 2u);
  const Stack& send = p->stacks[0];
  EXPECT_EQ(send.count, 2);
  EXPECT_EQ(send.leaked, 2);
  EXPECT_EQ(send.block_class, BlockClass::kChanSend);
  EXPECT_EQ(send.wait_reason, "chan send");
  EXPECT_EQ(send.wait.buckets[0], 1);  // under a minute
  EXPECT_EQ(send.wait.buckets[1], 1);  // 3 minutes
  ASSERT_TRUE(send.created_by.has_value());
  EXPECT_EQ(*send.created_by,
            (Frame{"main.handle", "/home/dev/svc/handler.go", 38}));
  const Stack& forever = p->stacks[1];
  EXPECT_EQ(forever.block_class, BlockClass::kSelectNoCases);
  EXPECT_EQ(forever.wait.max_minutes, 61);
  EXPECT_EQ(forever.wait.buckets[3], 1);
}

TEST(ParserTest, Debug2NewerRuntimeForms) {
  absl::StatusOr<Profile> p = Parse(ReadTestdata("go127_goroutine.debug2"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->kind, ProfileKind::kGoroutine);
  const std::vector<Site> sites = AggregateSites(*p);
  struct Want {
    const char* function;
    BlockClass block_class;
    int64_t line;
  };
  for (const Want& w : {
           Want{"runtime/pprof.writeGoroutineStacks", BlockClass::kRunning,
                764},
           Want{"main.waitNil", BlockClass::kNilChanReceive, 11},
           Want{"main.sendNil", BlockClass::kNilChanSend, 25},
           Want{"main.lockIt", BlockClass::kMutex, 12},
           Want{"main.lockedLoop", BlockClass::kSelect, 7},
           Want{"main.deep", BlockClass::kChanReceive, 5},
           Want{"main.waitAll", BlockClass::kWaitGroup, 9},
           Want{"main.reader", BlockClass::kIOWait, 14},
           Want{"main.consumer", BlockClass::kCondWait, 17},
           Want{"main.sleeper", BlockClass::kSleep, 8},
           Want{"main.readLocked", BlockClass::kRWMutex, 20},
       }) {
    const Site* site = FindSite(sites, w.function, w.block_class);
    ASSERT_NE(site, nullptr)
        << w.function << " " << BlockClassName(w.block_class);
    EXPECT_EQ(site->frame.line, w.line) << w.function;
    EXPECT_EQ(site->goroutines, 1) << w.function;
  }
  // Labels in the header, quoted or bare.
  const Site* nil_recv =
      FindSite(sites, "main.waitNil", BlockClass::kNilChanReceive);
  const Stack& s = p->stacks[nil_recv->stacks[0]];
  ASSERT_EQ(s.label_sets.size(), 1u);
  EXPECT_EQ(s.label_sets[0].labels,
            (std::vector<std::pair<std::string, std::string>>{
                {"handler", "checkout"}, {"tenant", "acme"}}));
  EXPECT_EQ(s.wait.max_minutes, 12);
  EXPECT_EQ(s.wait_reason, "chan receive (nil chan)");
  // Elided frames and the "(durable)" flag.
  const Site* deep = FindSite(sites, "main.deep", BlockClass::kChanReceive);
  const Stack& d = p->stacks[deep->stacks[0]];
  EXPECT_TRUE(d.frames_elided);
  EXPECT_EQ(d.wait_reason, "chan receive");
  EXPECT_EQ(d.wait.buckets[4], 1);  // 400 minutes
}

TEST(ParserTest, Debug2CutByGosCapIsKeptAndFlagged) {
  const std::string block =
      "goroutine 5 [chan receive]:\nmain.f()\n\t/src/main.go:3 +0x1\n"
      "created by main.main\n\t/src/main.go:9 +0x2\n\n";
  std::string body;
  body.reserve((64 << 20) + block.size());
  while (body.size() < (64u << 20)) body += block;
  body.resize(64 << 20);
  ParseOptions options;
  absl::StatusOr<Profile> p = Parse(body, options);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->truncated);
  EXPECT_GT(p->total_goroutines, 600000);
  // The same cut anywhere else is a truncated body.
  body.resize((64 << 20) - 1);
  absl::StatusOr<Profile> cut = Parse(body, options);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cut.status().message(), HasSubstr("truncated"));
}

TEST(ParserTest, TruncatedGzipSaysSo) {
  std::string gz = ReadTestdata("go119_tiny.debug0");
  absl::StatusOr<Profile> p = Parse(gz.substr(0, gz.size() / 2));
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("truncated"));
}

TEST(ParserTest, CorruptGzipNamesTheOffset) {
  std::string gz = ReadTestdata("go119_tiny.debug0");
  for (size_t i = 20; i < 60; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  absl::StatusOr<Profile> p = Parse(gz);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("gzip"));
}

TEST(ParserTest, GzipBombIsRefused) {
  const std::string bomb = Gzip(std::string(64 << 20, '\0'));
  ASSERT_LT(bomb.size(), 100000u);
  ParseOptions options;
  options.max_body_bytes = 8 << 20;
  absl::StatusOr<Profile> p = Parse(bomb, options);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(p.status().message(), HasSubstr("bound"));
}

TEST(ParserTest, TruncatedProtoNamesTheByte) {
  const std::string proto = LeakProfileProto();
  absl::StatusOr<Profile> p = Parse(proto.substr(0, 40));
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("debug0: byte "));
}

TEST(ParserTest, UndefinedLocationIsAnError) {
  ProtoWriter p;
  p.Message(1, ProtoWriter().Varint(1, 1).Varint(2, 2));
  p.Message(2, ProtoWriter().Varint(1, 7).Varint(2, 1));
  for (const char* s : {"", "goroutine", "count"}) p.Bytes(6, s);
  absl::StatusOr<Profile> r = Parse(p.str());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("location 7"));
}

TEST(ParserTest, OtherProfileTypesAreRefused) {
  ProtoWriter p;
  p.Message(1, ProtoWriter().Varint(1, 1).Varint(2, 2));
  for (const char* s : {"", "alloc_objects", "count"}) p.Bytes(6, s);
  absl::StatusOr<Profile> r = Parse(p.str());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("alloc_objects"));
}

TEST(ParserTest, HtmlIsNotAProfile) {
  absl::StatusOr<Profile> p = Parse("<html><head><title>/debug/pprof/</title>");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("not a goroutine profile"));
  EXPECT_EQ(Parse("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParserTest, Debug1TotalMismatchIsCaught) {
  std::string body = ReadTestdata("go127_goroutineleak.debug1");
  body.replace(body.find("total 3"), 7, "total 4");
  absl::StatusOr<Profile> p = Parse(body);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("total 4"));
}

TEST(ParserTest, Debug1BadFrameLineNamesTheLine) {
  absl::StatusOr<Profile> p = Parse(
      "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.f+0x1\tnocolon\n");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("debug1: line 3"));
}

TEST(ParserTest, Debug2MalformedNamesTheLine) {
  absl::StatusOr<Profile> p = Parse(
      "goroutine 1 [running]:\nmain.f()\n\t/a.go:1 +0x1\n\ngoroutine x [\n");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("debug2: line 5"));
  absl::StatusOr<Profile> q =
      Parse("goroutine 1 [running]:\nmain.f()\nmain.g()\n\t/a.go:1\n");
  EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(q.status().message(), HasSubstr("debug2: line 3"));
}

TEST(ParserTest, FrameAndStackBounds) {
  std::string deep = "goroutine 1 [select]:\n";
  for (int i = 0; i < 50; ++i) deep += "main.f()\n\t/a.go:1 +0x1\n";
  ParseOptions options;
  options.max_frames_per_stack = 20;
  EXPECT_EQ(Parse(deep, options).status().code(),
            absl::StatusCode::kResourceExhausted);

  std::string wide;
  for (int i = 0; i < 30; ++i) {
    absl::StrAppend(&wide, "goroutine ", i, " [select]:\nmain.f()\n\t/a.go:", i,
                    " +0x1\n\n");
  }
  options = ParseOptions();
  options.max_stacks = 10;
  absl::StatusOr<Profile> p = Parse(wide, options);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(p.status().message(), HasSubstr("distinct stacks"));

  options = ParseOptions();
  options.max_string_bytes = 16;
  EXPECT_EQ(
      Parse("goroutine 1 [select]:\nmain.averyveryverylongname()\n\t/a.go:"
            "1 +0x1\n",
            options)
          .status()
          .code(),
      absl::StatusCode::kResourceExhausted);
}

TEST(ParserTest, ForcedFormatMismatchIsAnError) {
  ParseOptions options;
  options.format = Format::kDebug1;
  EXPECT_EQ(Parse(ReadTestdata("go119_tiny.debug2"), options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParserTest, FormatFlag) {
  EXPECT_EQ(*ParseFormatFlag("auto"), std::nullopt);
  EXPECT_EQ(*ParseFormatFlag("debug2"), Format::kDebug2);
  EXPECT_EQ(ParseFormatFlag("debug3").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Regressions (docs/parser.md, "Bounds and bad input") ---

// Bug: a body of many gzip members, each filling the output buffer exactly,
// doubled the buffer past the bound before checking it (a 1 MB body with a
// 16 MiB bound took 2.1 GB). Now the bound holds while decompressing.
TEST(GunzipTest, ManyMembersAreRefusedAtTheBound) {
  const std::string member = Gzip(std::string(1 << 16, '\0'));
  std::string body;
  while (body.size() < (1u << 20)) body += member;  // ~1 MB, ~700 MiB inflated
  ParseOptions options;
  options.max_body_bytes = 16 << 20;
  absl::StatusOr<Profile> p = Parse(body, options);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(p.status().message(), HasSubstr("debug0: gzip: "));
  EXPECT_THAT(p.status().message(), HasSubstr("bound of 16777216 bytes"));
  EXPECT_THAT(p.status().message(), HasSubstr("member 257,"));
}

TEST(GunzipTest, MembersAreConcatenatedWithinTheBound) {
  const std::string a(1 << 16, 'a');
  const std::string b(1 << 16, 'b');
  const std::string c(1 << 16, 'c');
  const std::string body = Gzip(a) + Gzip(b) + Gzip(c);
  const int64_t total = 3 << 16;
  // Exactly the bound is accepted, and the buffer never grew past it (the
  // old code doubled it to 4 members' worth after the second one).
  absl::StatusOr<std::string> out = Gunzip(body, total);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, a + b + c);
  EXPECT_LE(out->capacity(), static_cast<size_t>(total) + 1);
  // One byte less is refused, in the member that crosses it.
  absl::StatusOr<std::string> over = Gunzip(body, total - 1);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(), HasSubstr("member 3,"));
  // An empty member is legal and adds nothing.
  absl::StatusOr<std::string> with_empty =
      Gunzip(Gzip(a) + Gzip("") + Gzip(b), 2 << 16);
  ASSERT_TRUE(with_empty.ok()) << with_empty.status();
  EXPECT_EQ(*with_empty, a + b);
  // Bytes after the last member that are not gzip are corrupt data.
  absl::StatusOr<std::string> trailing = Gunzip(Gzip(a) + "garbage!", 1 << 20);
  EXPECT_EQ(trailing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(trailing.status().message(), HasSubstr("compressed byte"));
}

TEST(ParserTest, ParseDecimalNeverWraps) {
  using internal::ParseDecimal;
  EXPECT_EQ(ParseDecimal("0"), 0);
  EXPECT_EQ(ParseDecimal("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseDecimal("0009223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseDecimal("9223372036854775808"), std::nullopt);
  EXPECT_EQ(ParseDecimal("9999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseDecimal("99999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseDecimal(""), std::nullopt);
  EXPECT_EQ(ParseDecimal("-1"), std::nullopt);
}

// Bug: 19-digit numbers above INT64_MAX wrapped around (UB), and counts
// could add up past INT64_MAX. Counts are now at most kMaxGoroutines each
// and in total.
TEST(ParserTest, Debug1HugeCountsAreRefused) {
  // /tmp/spec/big.d1: a total and a count of 9999999999999999999.
  absl::StatusOr<Profile> big = Parse(
      "goroutine profile: total 9999999999999999999\n"
      "9999999999999999999 @ 0x1\n#\t0x1\tmain.f+0x1\t/a.go:1\n\n");
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(big.status().message(),
              HasSubstr("debug1: line 1: total 9999999999999999999 is over"));
  // /tmp/spec/sum.d1: two counts of INT64_MAX.
  absl::StatusOr<Profile> sum = Parse(
      "goroutine profile: total 2\n"
      "9223372036854775807 @ 0x1\n#\t0x1\tmain.f+0x1\t/a.go:1\n\n"
      "9223372036854775807 @ 0x1\n#\t0x1\tmain.g+0x1\t/a.go:1\n\n");
  EXPECT_EQ(sum.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sum.status().message(),
              HasSubstr("debug1: line 2: count 9223372036854775807 is over"));
  // The limit itself is accepted; two of them add up to too many.
  const std::string record =
      "1099511627776 @ 0x1\n#\t0x1\tmain.f+0x1\t/a.go:1\n\n";
  absl::StatusOr<Profile> one =
      Parse("goroutine profile: total 1099511627776\n" + record);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->total_goroutines, kMaxGoroutines);
  absl::StatusOr<Profile> two =
      Parse("goroutine profile: total 1099511627776\n" + record + record);
  EXPECT_EQ(two.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(two.status().message(),
              HasSubstr("debug1: line 5: the counts add up to more than"));
  // A line number too large for int64 is a malformed FILE:LINE.
  absl::StatusOr<Profile> line = Parse(
      "goroutine profile: total 1\n1 @ 0x1\n"
      "#\t0x1\tmain.f+0x1\t/a.go:99999999999999999999\n");
  EXPECT_EQ(line.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(line.status().message(), HasSubstr("debug1: line 3: expected"));
}

TEST(ParserTest, Debug2HugeMinutesAreRefused) {
  // /tmp/spec/min2.d2 (19 digits, over INT64_MAX) and min.d2 (20 digits).
  for (const char* minutes : {"9999999999999999999", "99999999999999999999"}) {
    absl::StatusOr<Profile> p =
        Parse(absl::StrCat("goroutine 1 [chan receive, ", minutes,
                           " minutes]:\nmain.f()\n\t/a.go:1 +0x1\n"));
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(p.status().message(), HasSubstr("debug2: line 1: malformed"));
    EXPECT_THAT(p.status().message(),
                HasSubstr(absl::StrCat("minutes \"", minutes, "\" is over")));
  }
  absl::StatusOr<Profile> max = Parse(
      "goroutine 1 [chan receive, 9223372036854775807 minutes]:\n"
      "main.f()\n\t/a.go:1 +0x1\n");
  ASSERT_TRUE(max.ok()) << max.status();
  EXPECT_EQ(max->stacks[0].wait.max_minutes, INT64_MAX);
}

TEST(ParserTest, Debug0HugeSampleValuesAreRefused) {
  auto profile = [](std::vector<uint64_t> values) {
    ProtoWriter p;
    p.Message(1, ProtoWriter().Varint(1, 1).Varint(2, 2));
    for (uint64_t v : values) p.Message(2, ProtoWriter().Varint(2, v));
    for (const char* s : {"", "goroutine", "count"}) p.Bytes(6, s);
    return p.str();
  };
  absl::StatusOr<Profile> limit = Parse(profile({1ull << 40}));
  ASSERT_TRUE(limit.ok()) << limit.status();
  EXPECT_EQ(limit->total_goroutines, kMaxGoroutines);
  absl::StatusOr<Profile> over = Parse(profile({(1ull << 40) + 1}));
  EXPECT_EQ(over.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(over.status().message(),
              HasSubstr("sample value 1099511627777 is over"));
  // As int64, 2^63 is negative: refused as such.
  EXPECT_EQ(Parse(profile({1ull << 63})).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Profile> sum = Parse(profile({1ull << 40, 1}));
  EXPECT_EQ(sum.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sum.status().message(), HasSubstr("add up to more than"));
}

// Bug: Go writes an empty label value as string index 0, which read as "0".
TEST(ParserTest, Debug0EmptyLabelValueIsEmpty) {
  // /tmp/spec/label.d0: labels k (str 0, no num) and k2 (num 0 written out).
  absl::StatusOr<Profile> p = Parse(ReadTestdata("empty_label_value.debug0"));
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->stacks.size(), 1u);
  ASSERT_EQ(p->stacks[0].label_sets.size(), 1u);
  EXPECT_EQ(p->stacks[0].label_sets[0].count, 3);
  EXPECT_EQ(p->stacks[0].label_sets[0].labels, (Labels{{"k", ""}, {"k2", ""}}));
  // A numeric value (num set, str 0) is still printed in decimal, and a
  // string index wins over num.
  ProtoWriter w;
  w.Message(1, ProtoWriter().Varint(1, 1).Varint(2, 2));
  w.Message(
      2, ProtoWriter()
             .Varint(2, 1)
             .Message(3, ProtoWriter().Varint(1, 3).Varint(3, 7))
             .Message(3, ProtoWriter().Varint(1, 4).Varint(2, 5).Varint(3, 9)));
  for (const char* s : {"", "goroutine", "count", "n", "s", "text"}) {
    w.Bytes(6, s);
  }
  absl::StatusOr<Profile> q = Parse(w.str());
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->stacks[0].label_sets[0].labels,
            (Labels{{"n", "7"}, {"s", "text"}}));
}

// Bug: goroutines with equal frames took the first one's wait reason, so a
// `runnable` goroutine first made the whole stack `running`.
TEST(ParserTest, Debug2MergeDoesNotDependOnOrder) {
  const std::string runnable = "goroutine 1 [runnable]:\nmain.f()\n\t/a.go:1\n";
  const std::string recv =
      "goroutine 2 [chan receive, 12 minutes]:\nmain.f()\n\t/a.go:1\n"
      "created by main.main\n\t/a.go:9 +0x1\n";
  const std::string select = "goroutine 3 [select]:\nmain.f()\n\t/a.go:1\n";
  const std::string elided =
      "goroutine 4 [chan receive]:\nmain.f()\n\t/a.go:1\n"
      "...additional frames elided...\n";
  // /tmp/spec/order.d2, and the same goroutines in other orders.
  for (const std::string& body :
       {runnable + "\n" + recv + "\n" + recv, recv + "\n" + runnable,
        runnable + "\n" + recv + "\n" + elided,
        elided + "\n" + runnable + "\n" + recv}) {
    absl::StatusOr<Profile> p = Parse(body);
    ASSERT_TRUE(p.ok()) << p.status();
    ASSERT_EQ(p->stacks.size(), 1u) << body;
    const Stack& s = p->stacks[0];
    EXPECT_EQ(s.wait_reason, "chan receive") << body;
    EXPECT_EQ(s.block_class, BlockClass::kChanReceive) << body;
    // "created by" from the goroutine that printed one.
    ASSERT_TRUE(s.created_by.has_value()) << body;
    EXPECT_EQ(*s.created_by, (Frame{"main.main", "/a.go", 9}));
    // Every goroutine in its own wait bucket; the runnable one (no
    // minutes) under a minute, not in the previous header's bucket.
    EXPECT_EQ(s.wait.Total(), s.count) << body;
    EXPECT_GE(s.wait.buckets[0], 1) << body;
    EXPECT_EQ(s.wait.max_minutes, 12) << body;
    EXPECT_EQ(s.frames_elided, absl::StrContains(body, "elided")) << body;
  }
  // Two blocking reasons: the first is kept.
  absl::StatusOr<Profile> p = Parse(select + "\n" + recv);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->stacks[0].wait_reason, "select");
  EXPECT_EQ(p->stacks[0].block_class, BlockClass::kSelect);
  // Minutes belong to their own header only.
  absl::StatusOr<Profile> q = Parse(recv + "\n" + select);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->stacks[0].wait.buckets[0], 1);  // select: no minutes
  EXPECT_EQ(q->stacks[0].wait.buckets[2], 1);  // 12 minutes
}

// Bug: a body of exactly Go's 64 MiB cap cut right after a newline kept its
// last goroutine, which may be incomplete, and was not flagged.
TEST(ParserTest, Debug2CutByGosCapOnALineBoundaryIsFlagged) {
  // A 64-byte goroutine: 2^20 of them fill the cap exactly.
  std::string block =
      "goroutine 5 [chan receive]:\nmain.f()\n\t/src/x.go:3\n\n";
  block.insert(block.find(".go"), 64 - block.size(), 'x');
  ASSERT_EQ(block.size(), 64u);
  std::string body;
  body.reserve(64 << 20);
  while (body.size() < (64u << 20)) body += block;
  ASSERT_EQ(body.size(), 64u << 20);
  absl::StatusOr<Profile> p = Parse(body);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->truncated);
  EXPECT_EQ(p->total_goroutines, (1 << 20) - 1);  // the last one dropped
  // The cut right after a frame line (no blank line yet): the same.
  body.resize(body.size() - 1);
  body.insert(0, "\n");
  ASSERT_EQ(body.size(), 64u << 20);
  p = Parse(body);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->truncated);
  EXPECT_EQ(p->total_goroutines, (1 << 20) - 1);
  // One goroutine only, cut: nothing to keep.
  std::string one = "goroutine 1 [select]:\n";
  one.resize(64 << 20, 'x');
  EXPECT_EQ(Parse(one).status().code(), absl::StatusCode::kInvalidArgument);
  // A complete body one byte short of the cap is not cut.
  body.erase(0, 1);
  ASSERT_EQ(body.size(), (64u << 20) - 1);
  p = Parse(body);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->truncated);
  EXPECT_EQ(p->total_goroutines, 1 << 20);
}

// Bug: the os/signal loop was `running` in debug=0 but `runtime` in debug=1
// and debug=2, so its site id differed by format.
TEST(ParserTest, SignalLoopIsRuntimeInEveryFormat) {
  ProtoWriter p;
  p.Message(1, ProtoWriter().Varint(1, 1).Varint(2, 2));
  p.Message(
      2,
      ProtoWriter().Bytes(1, std::string("\x01\x02\x03\x04", 4)).Varint(2, 1));
  // Functions 1..4 (string indices 3, 5, 7, 9; files 4, 6, 8, 10):
  // runtime.notetsleepg, os/signal.signal_recv, os/signal.loop,
  // runtime.goexit, as Go 1.19 records the loop in debug=0.
  const int lines[] = {213, 152, 23, 1594};
  for (int i = 0; i < 4; ++i) {
    p.Message(4, ProtoWriter().Varint(1, i + 1).Message(
                     4, ProtoWriter().Varint(1, i + 1).Varint(2, lines[i])));
    p.Message(5, ProtoWriter()
                     .Varint(1, i + 1)
                     .Varint(2, 3 + 2 * i)
                     .Varint(4, 4 + 2 * i));
  }
  for (const char* s :
       {"", "goroutine", "count", "runtime.notetsleepg", "/go/lock_futex.go",
        "os/signal.signal_recv", "/go/sigqueue.go", "os/signal.loop",
        "/go/signal_unix.go", "runtime.goexit", "/go/asm_amd64.s"}) {
    p.Bytes(6, s);
  }
  const std::string debug1 =
      "goroutine profile: total 1\n1 @ 0x1 0x2 0x3 0x4\n"
      "#\t0x2\tos/signal.signal_recv+0x1\t/go/sigqueue.go:152\n"
      "#\t0x3\tos/signal.loop+0x1\t/go/signal_unix.go:23\n\n";
  const std::string debug2 =
      "goroutine 6 [syscall]:\nos/signal.signal_recv()\n"
      "\t/go/sigqueue.go:152 +0x1\nos/signal.loop()\n"
      "\t/go/signal_unix.go:23 +0x1\n"
      "created by os/signal.Notify.func1.1\n\t/go/signal.go:151 +0x1\n";
  std::set<uint64_t> site_ids;
  for (const std::string& body : {p.str(), debug1, debug2}) {
    absl::StatusOr<Profile> profile = Parse(body);
    ASSERT_TRUE(profile.ok()) << profile.status();
    ASSERT_EQ(profile->stacks.size(), 1u);
    EXPECT_EQ(profile->stacks[0].block_class, BlockClass::kRuntimeInternal)
        << FormatName(profile->format);
    const std::vector<Site> sites = AggregateSites(*profile);
    ASSERT_EQ(sites.size(), 1u);
    EXPECT_EQ(sites[0].frame.function, "os/signal.loop");
    site_ids.insert(sites[0].id);
  }
  EXPECT_EQ(site_ids.size(), 1u);
}

// Bug: DetectFormat skipped leading whitespace but the text parsers did not.
TEST(ParserTest, LeadingWhitespaceIsSkippedByDetectionAndParsing) {
  const std::string debug1 =
      "\ngoroutine profile: total 1\n1 @ 0x1\n"
      "#\t0x1\tmain.f+0x1\t/a.go:1\n\n";  // /tmp/spec/lead.d1
  const std::string debug2 =
      " \r\n\t goroutine 1 [chan receive]:\nmain.f()\n\t/a.go:1 +0x1\n";
  for (const std::string& body : {debug1, debug2}) {
    const std::optional<Format> format = DetectFormat(body);
    ASSERT_TRUE(format.has_value()) << body;
    absl::StatusOr<Profile> p = Parse(body);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->format, *format);
    EXPECT_EQ(p->total_goroutines, 1);
    // A forced format agrees.
    ParseOptions options;
    options.format = *format;
    EXPECT_TRUE(Parse(body, options).ok());
  }
  // Lines are still counted from the start of the body.
  absl::StatusOr<Profile> bad1 = Parse(
      "\n\ngoroutine profile: total 1\n1 @ 0x1\n#\t0x1\tf+0x1\tnocolon\n");
  EXPECT_EQ(bad1.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad1.status().message(), HasSubstr("debug1: line 5:"));
  absl::StatusOr<Profile> bad2 =
      Parse("\n  goroutine 1 [running]:\nmain.f()\nmain.g()\n");
  EXPECT_EQ(bad2.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad2.status().message(), HasSubstr("debug2: line 4:"));
  absl::StatusOr<Profile> bad3 = Parse("\n\ngoroutine profile: total x\n");
  EXPECT_EQ(bad3.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad3.status().message(), HasSubstr("debug1: line 3:"));
}

// Bug: max_string_bytes bounded frames only.
TEST(ParserTest, StringBoundCoversCreatedByLabelsAndReasons) {
  ParseOptions options;
  options.max_string_bytes = 16;
  const std::string longer = "abcdefghijklmnopq";  // 17 bytes
  struct Case {
    std::string body;
    const char* where;
    const char* what;
  };
  const Case cases[] = {
      {"goroutine 1 [select]:\nmain.f()\n\t/a.go:1\ncreated by main." + longer +
           "\n\t/a.go:2\n",
       "debug2: line 4: ", "created-by function is 22 bytes"},
      {"goroutine 1 [select]:\nmain.f()\n\t/a.go:1\ncreated by main.g\n\t/" +
           longer + ".go:2 +0x1\n",
       "debug2: line 5: ", "created-by file is 21 bytes"},
      {"goroutine 1 [" + longer + "]:\nmain.f()\n\t/a.go:1\n",
       "debug2: line 1: ", "wait reason is 17 bytes"},
      {"\ngoroutine 1 {\"" + longer +
           "\": \"v\"} [select]:\nmain.f()\n\t/a.go:1\n",
       "debug2: line 2: ", "label key is 17 bytes"},
      {"goroutine 1 {k: " + longer + "} [select]:\nmain.f()\n\t/a.go:1\n",
       "debug2: line 1: ", "label value is 17 bytes"},
      {"goroutine profile: total 1\n1 @ 0x1\n# labels: {\"k\":\"" + longer +
           "\"}\n#\t0x1\tmain.f+0x1\t/a.go:1\n",
       "debug1: line 3: ", "label value is 17 bytes"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Profile> p = Parse(c.body, options);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kResourceExhausted)
        << c.body;
    EXPECT_THAT(p.status().message(), HasSubstr(c.where)) << c.body;
    EXPECT_THAT(p.status().message(), HasSubstr(c.what)) << c.body;
    EXPECT_THAT(p.status().message(), HasSubstr("over the bound of 16"));
  }
  // debug=0 label values.
  ProtoWriter w;
  w.Message(1, ProtoWriter().Varint(1, 1).Varint(2, 2));
  w.Message(2, ProtoWriter().Varint(2, 1).Message(
                   3, ProtoWriter().Varint(1, 3).Varint(2, 4)));
  for (const std::string& s :
       {std::string(), std::string("goroutine"), std::string("count"),
        std::string("k"), longer}) {
    w.Bytes(6, s);
  }
  absl::StatusOr<Profile> p = Parse(w.str(), options);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(p.status().message(), HasSubstr("debug0: byte "));
  EXPECT_THAT(p.status().message(), HasSubstr("label value is 17 bytes"));
  // Exactly the bound is accepted.
  options.max_string_bytes = 17;
  EXPECT_TRUE(Parse(w.str(), options).ok());
}

}  // namespace
}  // namespace goprof
}  // namespace leakprof
