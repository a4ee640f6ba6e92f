// Copyright 2026 The leakprof Authors.
//
// Real goroutine profiles, end to end: starts the Go program :blocker, fetches
// /debug/pprof/goroutine?debug=0|1|2 over HTTP with the CurlFetcher, parses
// each with goprof::Parse, and checks every blocking class's site (class,
// function, file, line) and goroutine count against blocker/main.go, whose
// blocking lines carry "// SITE:<class>" markers.
//
// Flags (set by BUILD through $(rootpath)): --blocker=PATH of the binary,
// --blocker_src=PATH of main.go, both relative to the runfiles directory.

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/goprof/parser.h"
#include "common/goprof/profile.h"
#include "common/goprof/sites.h"
#include "common/goprof/stack_id.h"
#include "common/http/fetcher.h"
#include "gtest/gtest.h"
#include "tests/util/go_process.h"

namespace leakprof {
namespace {

using goprof::BlockClass;
using goprof::Format;

std::string g_blocker_path = "tests/goprof/blocker_/blocker";
std::string g_blocker_src = "tests/goprof/blocker/main.go";

// One blocking class of blocker/main.go and how each format shows it.
struct Expectation {
  BlockClass block_class;   // the truth; its name is the SITE: marker
  const char* function;     // the top-level function that blocks
  int64_t count;            // goroutines blocked there
  BlockClass debug0_class;  // nil-channel ops look like plain ones
  BlockClass debug1_class;  // leading runtime frames hidden: channel ops and
                            // selects cannot be told apart
  BlockClass debug2_class;  // the wait reason says it all
};

const std::vector<Expectation>& Expectations() {
  static const auto* const kExpectations = new std::vector<Expectation>{
      {BlockClass::kChanSend, "blockChanSend", 3, BlockClass::kChanSend,
       BlockClass::kOther, BlockClass::kChanSend},
      {BlockClass::kChanReceive, "blockChanReceive", 4,
       BlockClass::kChanReceive, BlockClass::kOther, BlockClass::kChanReceive},
      {BlockClass::kSelect, "blockSelect", 5, BlockClass::kSelect,
       BlockClass::kOther, BlockClass::kSelect},
      {BlockClass::kSelectNoCases, "blockSelectNoCases", 6,
       BlockClass::kSelectNoCases, BlockClass::kOther,
       BlockClass::kSelectNoCases},
      {BlockClass::kNilChanSend, "blockNilChanSend", 7, BlockClass::kChanSend,
       BlockClass::kOther, BlockClass::kNilChanSend},
      {BlockClass::kNilChanReceive, "blockNilChanReceive", 8,
       BlockClass::kChanReceive, BlockClass::kOther,
       BlockClass::kNilChanReceive},
      // Go 1.19's debug=2 reason for these three is "semacquire"; the sync
      // frames name the primitive.
      {BlockClass::kMutex, "blockMutex", 9, BlockClass::kMutex,
       BlockClass::kMutex, BlockClass::kMutex},
      {BlockClass::kRWMutex, "blockRWMutex", 10, BlockClass::kRWMutex,
       BlockClass::kRWMutex, BlockClass::kRWMutex},
      {BlockClass::kCondWait, "blockCondWait", 11, BlockClass::kCondWait,
       BlockClass::kCondWait, BlockClass::kCondWait},
      {BlockClass::kWaitGroup, "blockWaitGroup", 12, BlockClass::kWaitGroup,
       BlockClass::kWaitGroup, BlockClass::kWaitGroup},
      {BlockClass::kSleep, "blockSleep", 13, BlockClass::kSleep,
       BlockClass::kSleep, BlockClass::kSleep},
      {BlockClass::kIOWait, "blockIOWait", 14, BlockClass::kIOWait,
       BlockClass::kIOWait, BlockClass::kIOWait},
  };
  return *kExpectations;
}

BlockClass ExpectedClass(const Expectation& e, Format f) {
  switch (f) {
    case Format::kDebug0:
      return e.debug0_class;
    case Format::kDebug1:
      return e.debug1_class;
    case Format::kDebug2:
      return e.debug2_class;
  }
  return e.block_class;
}

// Line of "// SITE:<name>" at the end of a line of `source`, for each class
// name; an error unless each appears exactly once.
absl::StatusOr<std::map<std::string, int64_t>> SiteLines(
    absl::string_view source) {
  std::map<std::string, int64_t> lines;
  int64_t n = 0;
  for (absl::string_view line : absl::StrSplit(source, '\n')) {
    ++n;
    for (const Expectation& e : Expectations()) {
      const std::string name(goprof::BlockClassName(e.block_class));
      if (absl::EndsWith(absl::StripTrailingAsciiWhitespace(line),
                         absl::StrCat("// SITE:", name))) {
        if (!lines.emplace(name, n).second) {
          return absl::FailedPreconditionError(
              absl::StrCat("two SITE:", name, " markers"));
        }
      }
    }
  }
  for (const Expectation& e : Expectations()) {
    const std::string name(goprof::BlockClassName(e.block_class));
    if (lines.count(name) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("no SITE:", name, " marker"));
    }
  }
  return lines;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Describe(const goprof::Site& s) {
  return absl::StrCat(goprof::BlockClassName(s.block_class), " ",
                      s.frame.function, " ", s.frame.file, ":", s.frame.line,
                      " x", s.goroutines);
}

std::string DescribeAll(const std::vector<goprof::Site>& sites) {
  std::vector<std::string> out;
  for (const goprof::Site& s : sites) out.push_back(Describe(s));
  return absl::StrJoin(out, "\n  ");
}

absl::string_view Basename(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

// The sites of `sites` at e's function and `line` in main.go, whatever the
// class.
std::vector<const goprof::Site*> SitesAt(const std::vector<goprof::Site>& sites,
                                         const Expectation& e, int64_t line) {
  std::vector<const goprof::Site*> out;
  for (const goprof::Site& s : sites) {
    if (s.frame.line == line && Basename(s.frame.file) == "main.go" &&
        absl::EndsWith(s.frame.function, absl::StrCat(".", e.function))) {
      out.push_back(&s);
    }
  }
  return out;
}

class RealProfilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> source = ReadFile(g_blocker_src);
    ASSERT_TRUE(source.ok()) << source.status();
    absl::StatusOr<std::map<std::string, int64_t>> lines = SiteLines(*source);
    ASSERT_TRUE(lines.ok()) << lines.status();
    lines_ = *std::move(lines);
    absl::Status started =
        blocker_.Start(g_blocker_path, {}, absl::Seconds(20));
    ASSERT_TRUE(started.ok()) << started;
    ASSERT_NO_FATAL_FAILURE(WaitUntilParked());
  }

  void TearDown() override { blocker_.Kill(); }

  int64_t Line(const Expectation& e) const {
    return lines_.at(std::string(goprof::BlockClassName(e.block_class)));
  }

  // Fetches and parses ?debug=`debug`, checking the format detected.
  absl::StatusOr<goprof::Profile> Fetch(int debug) {
    http::FetchOptions options;
    options.timeout = absl::Seconds(10);
    absl::StatusOr<http::FetchResult> r = fetcher_->Get(
        absl::StrCat(blocker_.PprofRoot(), "goroutine?debug=", debug), options);
    if (!r.ok()) return r.status();
    absl::StatusOr<goprof::Profile> p = goprof::Parse(r->body);
    if (!p.ok()) {
      return absl::Status(
          p.status().code(),
          absl::StrCat("parsing debug=", debug, ": ", p.status().message()));
    }
    return p;
  }

  // Empty when every class's site has its count in `sites`, else what is
  // wrong.
  std::string CountMismatch(const std::vector<goprof::Site>& sites) const {
    std::vector<std::string> wrong;
    for (const Expectation& e : Expectations()) {
      int64_t got = 0;
      for (const goprof::Site* s : SitesAt(sites, e, Line(e))) {
        got += s->goroutines;
      }
      if (got != e.count) {
        wrong.push_back(
            absl::StrCat(e.function, ": ", got, " goroutines, want ", e.count));
      }
    }
    return absl::StrJoin(wrong, "; ");
  }

  // Polls debug=0 (up to 15 s, every 100 ms) until every count matches:
  // "ready" prints before all goroutines have parked.
  void WaitUntilParked() {
    const absl::Time deadline = absl::Now() + absl::Seconds(15);
    std::string last;
    while (true) {
      absl::StatusOr<goprof::Profile> p = Fetch(0);
      ASSERT_TRUE(p.ok()) << p.status();
      const std::vector<goprof::Site> sites = goprof::AggregateSites(*p);
      last = CountMismatch(sites);
      if (last.empty()) return;
      if (absl::Now() > deadline) {
        FAIL() << "debug=0 counts never matched: " << last << "\nsites:\n  "
               << DescribeAll(sites);
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  // Every class: one site at its marked line, with the class `f` gives it
  // and its count.
  void CheckFormat(int debug, Format f) {
    absl::StatusOr<goprof::Profile> p = Fetch(debug);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->format, f);
    EXPECT_EQ(p->kind, goprof::ProfileKind::kGoroutine);
    const std::vector<goprof::Site> sites = goprof::AggregateSites(*p);
    int64_t sum = 0;
    for (const Expectation& e : Expectations()) {
      sum += e.count;
      SCOPED_TRACE(absl::StrCat("debug=", debug, " class ",
                                goprof::BlockClassName(e.block_class), " at ",
                                e.function, " main.go:", Line(e)));
      std::vector<const goprof::Site*> at = SitesAt(sites, e, Line(e));
      ASSERT_EQ(at.size(), 1u) << "sites:\n  " << DescribeAll(sites);
      const goprof::Site& s = *at[0];
      EXPECT_EQ(goprof::BlockClassName(s.block_class),
                goprof::BlockClassName(ExpectedClass(e, f)))
          << Describe(s);
      EXPECT_EQ(s.goroutines, e.count) << Describe(s);
      EXPECT_EQ(s.frame.function, absl::StrCat("main.", e.function));
      EXPECT_EQ(Basename(s.frame.file), "main.go");
      EXPECT_EQ(s.frame.line, Line(e));
      EXPECT_EQ(s.leaked, 0);
      EXPECT_EQ(s.id, goprof::SiteId(s.block_class, &s.frame));
      if (f == Format::kDebug2) {
        // All started seconds ago: under one minute.
        EXPECT_EQ(s.wait.buckets[0], e.count);
        EXPECT_EQ(s.wait.Total(), e.count);
      }
    }
    // The HTTP server and the handler writing the profile come on top.
    EXPECT_GE(p->total_goroutines, sum);
  }

  std::map<std::string, int64_t> lines_;
  testutil::GoProcess blocker_;
  std::unique_ptr<http::Fetcher> fetcher_ = http::NewCurlFetcher();
};

TEST_F(RealProfilesTest, Debug0) { CheckFormat(0, Format::kDebug0); }

TEST_F(RealProfilesTest, Debug1) { CheckFormat(1, Format::kDebug1); }

TEST_F(RealProfilesTest, Debug2) { CheckFormat(2, Format::kDebug2); }

// stack_id.h: the id of a stack is the same whatever the format. Each class's
// goroutines share one stack here, so compare the ids at each site.
TEST_F(RealProfilesTest, StackIdsAgreeAcrossFormats) {
  std::map<std::string, std::set<uint64_t>> first;  // function -> ids
  for (int debug : {0, 1, 2}) {
    absl::StatusOr<goprof::Profile> p = Fetch(debug);
    ASSERT_TRUE(p.ok()) << p.status();
    const std::vector<goprof::Site> sites = goprof::AggregateSites(*p);
    for (const Expectation& e : Expectations()) {
      std::vector<const goprof::Site*> at = SitesAt(sites, e, Line(e));
      ASSERT_EQ(at.size(), 1u) << "debug=" << debug << " " << e.function;
      std::set<uint64_t> ids;
      for (int i : at[0]->stacks) {
        const goprof::Stack& stack = p->stacks[i];
        EXPECT_EQ(stack.id, goprof::StackId(p->FramesOf(stack)));
        ids.insert(stack.id);
      }
      if (debug == 0) {
        first[e.function] = ids;
      } else {
        EXPECT_EQ(ids, first[e.function])
            << "debug=" << debug << " " << e.function;
      }
    }
  }
}

}  // namespace
}  // namespace leakprof

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--blocker=")) {
      leakprof::g_blocker_path = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--blocker_src=")) {
      leakprof::g_blocker_src = std::string(arg);
    } else {
      fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
