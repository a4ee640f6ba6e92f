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
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace goprof {
namespace {

using ::testing::HasSubstr;

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

}  // namespace
}  // namespace goprof
}  // namespace leakprof
