// Copyright 2026 The leakprof Authors.
//
// TargetScraper against real HTTP servers: the real Go program
// tests/goprof:blocker (debug=0, debug=2, the goroutineleak probe, the
// budget stretch) and an in-test server that hangs, 404s, 500s, answers
// garbage, a gzip bomb or a body over the bound. Every failure must be a
// counted, typed result, never a crash.
//
// Flags (BUILD): --blocker=PATH of the Go program.

#include "agent/scraper.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "agent/agent_metrics.h"
#include "agent/testing/bad_target.h"
#include "common/http/keepalive_fetcher.h"
#include "common/server/admin_server.h"
#include "gtest/gtest.h"
#include "tests/util/go_process.h"

namespace leakprof {
namespace agent {
namespace {

std::string g_blocker = "tests/goprof/blocker_/blocker";

TargetScraper::SequenceSource Counter() {
  auto n = std::make_shared<uint64_t>(0);
  return [n] { return absl::StatusOr<uint64_t>(++*n); };
}

ScrapeOptions TestOptions() {
  ScrapeOptions o;
  o.interval = absl::Seconds(1);
  o.jitter = 0;
  o.budget = 0;
  o.timeout = absl::Seconds(1);
  o.max_profile_bytes = 4 << 20;
  return o;
}

TargetConfig Target(const std::string& url, const std::string& service) {
  TargetConfig t;
  t.url = url;
  t.service = service;
  t.instance = "i";
  return t;
}

class BadTargetTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(bad_.Start().ok()); }
  void TearDown() override { bad_.Stop(); }

  // Scrapes `url` once; returns the cycle.
  TargetScraper::Cycle Scrape(const std::string& url) {
    TargetScraper s(Target(url, "bad"), TestOptions(), fetcher_.get(), &store_,
                    &metrics_, Counter());
    return s.RunOnce();
  }
  std::string Metrics() { return SerializeMetrics(*metrics_.registry()); }
  bool Counted(absl::string_view result) {
    return absl::StrContains(
        Metrics(), absl::StrCat("leakprof_agent_scrapes_total{instance=\"i\","
                                "profile=\"goroutine\",result=\"",
                                result, "\",service=\"bad\"} 1"));
  }

  testing::BadTarget bad_;
  std::unique_ptr<http::Fetcher> fetcher_ = http::NewKeepAliveFetcher();
  DefinitionStore store_;
  AgentMetrics metrics_;
};

TEST_F(BadTargetTest, Hang) {
  TargetScraper::Cycle c = Scrape(bad_.Root("hang"));
  EXPECT_EQ(c.status.code(), absl::StatusCode::kDeadlineExceeded) << c.status;
  EXPECT_TRUE(c.snapshots.empty());
  EXPECT_TRUE(Counted("timeout")) << Metrics();
}

TEST_F(BadTargetTest, NotFound) {
  TargetScraper::Cycle c = Scrape(bad_.Root("404"));
  EXPECT_EQ(c.status.code(), absl::StatusCode::kNotFound) << c.status;
  EXPECT_TRUE(Counted("http_error")) << Metrics();
}

TEST_F(BadTargetTest, ServerError) {
  TargetScraper::Cycle c = Scrape(bad_.Root("500"));
  EXPECT_EQ(c.status.code(), absl::StatusCode::kUnavailable) << c.status;
  EXPECT_TRUE(Counted("http_error")) << Metrics();
}

TEST_F(BadTargetTest, Garbage) {
  TargetScraper::Cycle c = Scrape(bad_.Root("garbage"));
  EXPECT_EQ(c.status.code(), absl::StatusCode::kInvalidArgument) << c.status;
  EXPECT_TRUE(Counted("parse_error")) << Metrics();
}

TEST_F(BadTargetTest, GzipBomb) {
  TargetScraper::Cycle c = Scrape(bad_.Root("bomb"));
  EXPECT_EQ(c.status.code(), absl::StatusCode::kResourceExhausted) << c.status;
  EXPECT_TRUE(Counted("too_large")) << Metrics();
}

TEST_F(BadTargetTest, BodyOverTheBound) {
  TargetScraper::Cycle c = Scrape(bad_.Root("huge"));
  EXPECT_EQ(c.status.code(), absl::StatusCode::kResourceExhausted) << c.status;
  EXPECT_TRUE(Counted("too_large")) << Metrics();
}

TEST_F(BadTargetTest, Unreachable) {
  // A port nothing listens on: bind one, learn it, close it.
  TargetScraper::Cycle c = Scrape("http://127.0.0.1:1/debug/pprof/");
  EXPECT_EQ(c.status.code(), absl::StatusCode::kUnavailable) << c.status;
  EXPECT_TRUE(Counted("unreachable")) << Metrics();
}

class BlockerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(blocker_.Start(testutil::Runfile(g_blocker)).ok());
  }
  testutil::GoProcess blocker_;
  std::unique_ptr<http::Fetcher> fetcher_ = http::NewKeepAliveFetcher();
  DefinitionStore store_;
  AgentMetrics metrics_;
};

TEST_F(BlockerTest, Debug2WhenDueAddsWaitAgesAndRefinesClasses) {
  ScrapeOptions o = TestOptions();
  o.debug2_interval = absl::Milliseconds(1);
  o.timeout = absl::Seconds(20);
  TargetScraper s(Target(blocker_.PprofRoot(), "blocker"), o, fetcher_.get(),
                  &store_, &metrics_, Counter());
  // First cycle: the goroutine count is not known yet, so debug=0.
  TargetScraper::Cycle first = s.RunOnce();
  ASSERT_TRUE(first.status.ok()) << first.status;
  ASSERT_EQ(first.snapshots.size(), 1u);
  EXPECT_EQ(first.snapshots[0].extras_size(), 0);
  EXPECT_EQ(first.snapshots[0].sequence(), 1u);
  // Second: debug=2, every stack with wait ages.
  absl::SleepFor(absl::Milliseconds(5));
  TargetScraper::Cycle second = s.RunOnce();
  ASSERT_EQ(second.snapshots.size(), 1u);
  const v1::Snapshot& d2 = second.snapshots[0];
  EXPECT_EQ(d2.sequence(), 2u);
  EXPECT_EQ(d2.extras_size(), d2.stack_ids_size());
  bool nil_send = false;
  for (const v1::StackExtra& e : d2.extras()) {
    ASSERT_EQ(e.wait().buckets_size(), 5);
    if (e.block_class() == v1::BLOCK_CLASS_NIL_CHAN_SEND) nil_send = true;
  }
  // debug=0 cannot tell a nil-channel send; debug=2 refines it.
  EXPECT_TRUE(nil_send);
  EXPECT_TRUE(absl::StrContains(SerializeMetrics(*metrics_.registry()),
                                "profile=\"debug2\",result=\"ok\""));
}

TEST_F(BlockerTest, NoDebug2OverTheGoroutineBound) {
  ScrapeOptions o = TestOptions();
  o.debug2_interval = absl::Milliseconds(1);
  o.debug2_max_goroutines = 10;
  TargetScraper s(Target(blocker_.PprofRoot(), "blocker"), o, fetcher_.get(),
                  &store_, &metrics_, Counter());
  for (int i = 0; i < 3; ++i) {
    TargetScraper::Cycle c = s.RunOnce();
    ASSERT_EQ(c.snapshots.size(), 1u);
    EXPECT_EQ(c.snapshots[0].extras_size(), 0);
  }
  EXPECT_FALSE(absl::StrContains(SerializeMetrics(*metrics_.registry()),
                                 "profile=\"debug2\""));
}

TEST_F(BlockerTest, GoroutineLeakProbedOnceAnd404Remembered) {
  ScrapeOptions o = TestOptions();
  o.leak_interval = absl::Milliseconds(1);
  TargetScraper s(Target(blocker_.PprofRoot(), "blocker"), o, fetcher_.get(),
                  &store_, &metrics_, Counter());
  for (int i = 0; i < 3; ++i) {
    s.RunOnce();
    absl::SleepFor(absl::Milliseconds(5));
  }
  // Go 1.19 has no goroutineleak profile: one 404, then never asked again.
  EXPECT_TRUE(absl::StrContains(
      SerializeMetrics(*metrics_.registry()),
      "profile=\"goroutineleak\",result=\"http_error\",service=\"blocker\"} "
      "1\n"));
}

TEST_F(BlockerTest, BudgetStretchesTheInterval) {
  ScrapeOptions o = TestOptions();
  o.budget = 1e-6;  // a millionth of a core: any real cost stretches
  TargetScraper s(Target(blocker_.PprofRoot(), "blocker"), o, fetcher_.get(),
                  &store_, &metrics_, Counter());
  TargetScraper::Cycle c = s.RunOnce();
  ASSERT_TRUE(c.status.ok());
  EXPECT_GT(s.last_cost(), absl::ZeroDuration());
  EXPECT_EQ(s.current_interval(), s.last_cost() / 1e-6);
  EXPECT_GT(s.current_interval(), o.interval);
  EXPECT_EQ(c.next_interval, s.current_interval());  // jitter 0
}

TEST(StretchedIntervalTest, Formula) {
  EXPECT_EQ(StretchedInterval(absl::Seconds(60), absl::Seconds(1), 0.001),
            absl::Seconds(1000));
  EXPECT_EQ(StretchedInterval(absl::Seconds(60), absl::Milliseconds(10), 0.001),
            absl::Seconds(60));
  EXPECT_EQ(StretchedInterval(absl::Seconds(60), absl::Seconds(5), 0),
            absl::Seconds(60));
}

}  // namespace
}  // namespace agent
}  // namespace leakprof

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--blocker=")) {
      leakprof::agent::g_blocker = std::string(arg);
    }
  }
  return RUN_ALL_TESTS();
}
