// Copyright 2026 The leakprof Authors.
//
// The ranking over synthetic fleets: slow leaks rise above flat pools,
// bursty load, outliers and restarts; class policy; evidence; suppressions.

#include "analyzer/ranking.h"

#include <functional>
#include <random>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace analyzer {
namespace {

constexpr int64_t kEnd = 1700000000 + 360 * 60;

// `instances` instances, 360 points one a minute ending at kEnd, value
// f(instance, i) plus noise.
SiteInput Site(v1::BlockClass c, const std::string& function, int instances,
               std::function<int64_t(int, int)> f, int noise = 0) {
  SiteInput in;
  in.service = "svc";
  in.window_end_unix_seconds = kEnd;
  in.summary.set_site_id(std::hash<std::string>()(function));
  in.summary.set_block_class(c);
  in.summary.mutable_site()->set_function(function);
  in.summary.mutable_site()->set_file("/src/main.go");
  in.summary.mutable_site()->set_line(42);
  v1::FrameInfo* frame = in.stack.add_frames();
  frame->set_function(function);
  frame->set_file("/src/main.go");
  frame->set_line(42);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> d(-noise, noise);
  int64_t total = 0;
  for (int k = 0; k < instances; ++k) {
    v1::InstanceSeries* s = &in.series.emplace_back();
    s->set_instance("i" + std::to_string(k));
    for (int i = 0; i < 360; ++i) {
      s->add_timestamps_unix_seconds(kEnd - (360 - i) * 60);
      s->add_counts(std::max<int64_t>(0, f(k, i) + (noise ? d(rng) : 0)));
    }
    total += s->counts(359);
  }
  in.summary.set_goroutines(total);
  in.summary.set_instances(instances);
  return in;
}

SiteReport Score(const SiteInput& in, const RankingOptions& o = {}) {
  return ScoreSite(in, o, IgnoreRules());
}

TEST(Ranking, SlowLeakAcrossFleetIsSuspect) {
  SiteReport r = Score(Site(
      v1::BLOCK_CLASS_CHAN_SEND, "main.handle.func1", 10,
      [](int, int i) { return i / 10; }, 1));
  EXPECT_EQ(r.instances_rising, 10);
  EXPECT_TRUE(r.suspect) << r.score;
  EXPECT_NEAR(r.growth_per_hour, 60, 10);
  EXPECT_EQ(r.pattern, "premature_return");
  EXPECT_EQ(r.est_bytes, r.goroutines * 8192);
  EXPECT_EQ(r.class_name, "chan_send");
}

TEST(Ranking, BigFlatPoolIsNotSuspect) {
  SiteReport r = Score(Site(
      v1::BLOCK_CLASS_CHAN_RECEIVE, "main.worker", 10,
      [](int, int) { return 1000; }, 30));
  EXPECT_EQ(r.instances_rising, 0);
  EXPECT_FALSE(r.suspect);
  EXPECT_EQ(r.score, 0);
}

TEST(Ranking, BurstyDrainingIsNotSuspect) {
  SiteReport r =
      Score(Site(v1::BLOCK_CLASS_SELECT, "main.burst", 10, [](int k, int i) {
        const int phase = (i + k * 3) % 20;
        return phase < 6 ? phase * 30 : 0;
      }));
  EXPECT_FALSE(r.suspect) << r.score;
}

TEST(Ranking, RestartsEveryHourStillRise) {
  SiteInput in = Site(v1::BLOCK_CLASS_CHAN_RECEIVE, "main.consume", 5,
                      [](int k, int i) { return ((i + k * 7) % 60) * 2; });
  SiteReport r = Score(in);
  EXPECT_EQ(r.instances_rising, 5);
  EXPECT_TRUE(r.suspect);
  // With known process starts, epochs split the segments.
  for (int k = 0; k < 5; ++k) {
    v1::InstanceSeries& s = in.series[k];
    for (int i = 0; i < 360; ++i) {
      if (i != 0 && (i + k * 7) % 60 != 0) continue;
      v1::Epoch* epoch = s.add_epochs();
      epoch->set_since_unix_seconds(s.timestamps_unix_seconds(i));
      epoch->set_process_start_unix_seconds(s.timestamps_unix_seconds(i) - 1);
    }
  }
  EXPECT_EQ(Score(in).instances_rising, 5);
}

TEST(Ranking, FastRiseWithOutliersIsSuspectFlatWithOutliersIsNot) {
  auto spikes = [](int base_slope) {
    return [base_slope](int k, int i) -> int64_t {
      if ((i + k) % 37 == 0) return 100000;  // glitch
      return 50 + base_slope * i / 60;
    };
  };
  EXPECT_TRUE(
      Score(Site(v1::BLOCK_CLASS_CHAN_SEND, "main.a", 4, spikes(30))).suspect);
  EXPECT_FALSE(
      Score(Site(v1::BLOCK_CLASS_CHAN_SEND, "main.b", 4, spikes(0))).suspect);
}

TEST(Ranking, OneInstanceOfManyIsNotEnough) {
  SiteReport r = Score(Site(v1::BLOCK_CLASS_CHAN_SEND, "main.x", 10,
                            [](int k, int i) { return k == 0 ? i / 10 : 3; }));
  EXPECT_EQ(r.instances_rising, 1);
  EXPECT_FALSE(r.suspect) << r.score;
}

TEST(Ranking, ClassPolicy) {
  auto rising = [](int, int i) -> int64_t { return i; };
  SiteReport sleep = Score(Site(v1::BLOCK_CLASS_SLEEP, "main.s", 3, rising));
  EXPECT_EQ(sleep.score, 0);
  EXPECT_FALSE(sleep.suspect);
  EXPECT_EQ(sleep.pattern, "");
  EXPECT_NE(sleep.evidence[0].find("not a leak candidate"), std::string::npos);
  SiteReport io = Score(Site(v1::BLOCK_CLASS_IO_WAIT, "main.r", 3, rising));
  EXPECT_FALSE(io.suspect);
  RankingOptions o;
  auto weights = ParseCandidateClasses("io_wait");
  ASSERT_TRUE(weights.ok());
  o.class_weight = *weights;
  EXPECT_TRUE(
      Score(Site(v1::BLOCK_CLASS_IO_WAIT, "main.r", 3, rising), o).suspect);
  EXPECT_EQ(ParseCandidateClasses("chan_send,bogus").status().code(),
            absl::StatusCode::kInvalidArgument);
  for (const char* c : {"select_no_cases", "nil_chan_send", "cond_wait",
                        "waitgroup", "mutex"}) {
    SiteInput in = Site(v1::BLOCK_CLASS_UNSPECIFIED, "main.c", 3, rising);
    in.summary.set_block_class(static_cast<v1::BlockClass>(ClassFromName(c)));
    EXPECT_TRUE(Score(in).suspect) << c;
    EXPECT_FALSE(Score(in).pattern.empty()) << c;
  }
}

TEST(Ranking, ConfirmedLeakIsSuspectEvenWhenFlat) {
  SiteInput in =
      Site(v1::BLOCK_CLASS_CHAN_SEND, "main.f", 3, [](int, int) { return 40; });
  in.summary.set_leaked(12);
  SiteReport r = Score(in);
  EXPECT_TRUE(r.confirmed);
  EXPECT_TRUE(r.suspect);
  EXPECT_NE(r.evidence[0].find("confirmed"), std::string::npos);
}

TEST(Ranking, WaitAgeRaisesButDoesNotMakeASuspectAlone) {
  SiteInput in = Site(v1::BLOCK_CLASS_CHAN_RECEIVE, "main.idle", 3,
                      [](int, int) { return 40; });
  in.summary.set_waiting_over_1h(120);
  SiteReport flat = Score(in);
  EXPECT_GT(flat.score, 0);
  EXPECT_FALSE(flat.suspect);
  // Half the fleet rising + old waiters: suspect.
  SiteInput half = Site(v1::BLOCK_CLASS_CHAN_RECEIVE, "main.h", 4,
                        [](int k, int i) { return k < 2 ? 40 + i / 6 : 40; });
  const double without = Score(half).score;
  half.summary.set_waiting_over_1h(half.summary.goroutines());
  EXPECT_GT(Score(half).score, without);
  EXPECT_TRUE(Score(half).suspect);
}

TEST(Ranking, SuppressedByRuleAndByTimerFilter) {
  auto rising = [](int, int i) -> int64_t { return i; };
  auto rules = IgnoreRules::Parse(
      "ignore:\n  - function: \"^main\\\\.known\"\n    reason: \"known, "
      "bounded\"\n");
  ASSERT_TRUE(rules.ok()) << rules.status();
  SiteInput in = Site(v1::BLOCK_CLASS_CHAN_SEND, "main.known", 3, rising);
  EXPECT_FALSE(NeedsSeries(in, RankingOptions(), *rules));
  SiteReport r = ScoreSite(in, RankingOptions(), *rules);
  EXPECT_TRUE(r.suppressed);
  EXPECT_FALSE(r.suspect);
  EXPECT_EQ(r.evidence[0], "suppressed: known, bounded");

  SiteInput timer = Site(v1::BLOCK_CLASS_SELECT, "main.loop", 3, rising);
  v1::FrameInfo* f = timer.stack.add_frames();
  f->set_function("k8s.io/apimachinery/pkg/util/wait.JitterUntil");
  SiteReport t = Score(timer);
  EXPECT_TRUE(t.suppressed);
  EXPECT_FALSE(t.suspect);
}

TEST(Ranking, StaleInstancesAreNotJudged) {
  SiteInput in = Site(v1::BLOCK_CLASS_CHAN_SEND, "main.gone", 3,
                      [](int, int i) { return i; });
  in.window_end_unix_seconds = kEnd + 3600;  // nothing for an hour
  SiteReport r = Score(in);
  EXPECT_EQ(r.instances_judged, 0);
  EXPECT_FALSE(r.suspect);
}

TEST(Ranking, RankOrdersLeaksFirst) {
  std::vector<SiteReport> sites;
  sites.push_back(Score(Site(
      v1::BLOCK_CLASS_CHAN_RECEIVE, "main.pool", 5,
      [](int, int) { return 5000; }, 50)));
  sites.push_back(Score(Site(
      v1::BLOCK_CLASS_CHAN_SEND, "main.slow", 5,
      [](int, int i) { return i / 30; }, 1)));
  sites.push_back(Score(Site(
      v1::BLOCK_CLASS_CHAN_SEND, "main.fast", 5,
      [](int, int i) { return i * 5; }, 1)));
  RankSites(&sites);
  EXPECT_EQ(sites[0].function, "main.fast");
  EXPECT_EQ(sites[1].function, "main.slow");
  EXPECT_EQ(sites[2].function, "main.pool");
  EXPECT_EQ(sites[0].rank, 1);
  EXPECT_EQ(sites[2].rank, 3);
  EXPECT_TRUE(sites[1].suspect);
  EXPECT_FALSE(sites[2].suspect);
}

}  // namespace
}  // namespace analyzer
}  // namespace leakprof
