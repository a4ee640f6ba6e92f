// Copyright 2026 The leakprof Authors.

#include "analyzer/trend.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace leakprof {
namespace analyzer {
namespace {

struct Series {
  std::vector<int64_t> t, y;
};

// n points, one every `step` seconds from t0, value f(i) plus uniform noise
// in [-noise, noise] (fixed seed: deterministic).
template <typename F>
Series Make(int n, int64_t step, F f, int noise = 0, int seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-noise, noise);
  Series s;
  for (int i = 0; i < n; ++i) {
    s.t.push_back(1700000000 + i * step);
    s.y.push_back(std::max<int64_t>(0, f(i) + (noise ? d(rng) : 0)));
  }
  return s;
}

SegmentTrend Eval(const Series& s, const TrendOptions& o = TrendOptions()) {
  return EvaluateSegment(s.t, s.y, o);
}

TEST(TheilSen, ExactLine) {
  std::vector<double> t{0, 1, 2, 3}, y{1, 3, 5, 7};
  EXPECT_DOUBLE_EQ(TheilSenSlope(t, y), 2.0);
}

TEST(TheilSen, IgnoresOutliers) {
  std::vector<double> t, y;
  for (int i = 0; i < 30; ++i) {
    t.push_back(i);
    y.push_back(10 + i);
  }
  y[5] = 1000;  // scrape glitches
  y[17] = 0;
  y[25] = 5000;
  EXPECT_DOUBLE_EQ(TheilSenSlope(t, y), 1.0);
}

TEST(TheilSen, DegenerateInputs) {
  EXPECT_EQ(TheilSenSlope({}, {}), 0);
  std::vector<double> t{5, 5, 5}, y{1, 2, 3};
  EXPECT_EQ(TheilSenSlope(t, y), 0);  // no distinct timestamps
}

TEST(MannKendall, MonotonicAndFlat) {
  std::vector<double> up{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  MannKendall mk = MannKendallTest(up);
  EXPECT_EQ(mk.s, 45);
  EXPECT_GT(mk.z, 3.5);
  std::vector<double> flat(20, 7.0);
  EXPECT_EQ(MannKendallTest(flat).z, 0);  // all ties
  std::vector<double> down{9, 8, 7, 6, 5, 4, 3, 2};
  EXPECT_LT(MannKendallTest(down).z, -3);
}

TEST(Downsample, BucketsMedians) {
  std::vector<double> t, y;
  for (int i = 0; i < 100; ++i) {
    t.push_back(i);
    y.push_back(i % 10 == 0 ? 1e6 : i);  // an outlier per bucket
  }
  Downsample(10, &t, &y);
  ASSERT_EQ(t.size(), 10u);
  for (size_t b = 0; b < 10; ++b) {
    EXPECT_LT(y[b], 1000) << "bucket " << b;  // the median drops the outlier
  }
}

TEST(Trend, SlowLeakRises) {
  // 1 goroutine/min on top of a pool of 20, scraped every 10 s, 20 minutes,
  // +-2 noise.
  Series s = Make(
      120, 10, [](int i) { return 20 + i / 6; }, 2);
  SegmentTrend r = Eval(s);
  EXPECT_TRUE(r.judged);
  EXPECT_TRUE(r.rising) << "z=" << r.z << " slope=" << r.slope_per_hour;
  EXPECT_NEAR(r.slope_per_hour, 60, 10);
}

TEST(Trend, VerySlowLeakOverHours) {
  // 1 goroutine every 10 min, 6 h at one point a minute, pool noise +-3.
  Series s = Make(
      360, 60, [](int i) { return 100 + i / 10; }, 3);
  SegmentTrend r = Eval(s);
  EXPECT_TRUE(r.rising) << "z=" << r.z;
  EXPECT_NEAR(r.slope_per_hour, 6, 1.5);
}

TEST(Trend, FlatPoolDoesNotRise) {
  for (int seed = 1; seed <= 20; ++seed) {
    Series s = Make(
        360, 60, [](int) { return 500; }, 25, seed);
    SegmentTrend r = Eval(s);
    EXPECT_FALSE(r.rising) << "seed " << seed << " z=" << r.z;
  }
}

TEST(Trend, BurstyLoadThatDrainsDoesNotRise) {
  // Bursts to ~200 every 15 points that drain back to ~5.
  Series s = Make(180, 60, [](int i) {
    const int phase = i % 15;
    return phase < 5 ? 5 + phase * 40 : std::max(5, 200 - (phase - 5) * 40);
  });
  EXPECT_FALSE(Eval(s).rising);
}

TEST(Trend, OutliersDoNotMakeAFlatSeriesRise) {
  Series s = Make(
      120, 60, [](int) { return 50; }, 1);
  // A few huge spikes late in the series (a scrape during a burst).
  s.y[100] = 5000;
  s.y[110] = 4000;
  s.y[119] = 3000;
  EXPECT_FALSE(Eval(s).rising);
}

TEST(Trend, StoppedLeakStopsRising) {
  // Rose for the first third, flat for two thirds.
  Series s = Make(
      180, 60, [](int i) { return std::min(10 + i, 70); }, 1);
  SegmentTrend r = Eval(s);
  EXPECT_GT(r.z, 2.33);  // still a monotonic trend overall: the recent-slope
                         // rule is what stops it
  EXPECT_FALSE(r.rising) << "recent=" << r.recent_slope_per_hour
                         << " slope=" << r.slope_per_hour;
}

TEST(Trend, TooFewPointsIsNotJudged) {
  Series s = Make(5, 60, [](int i) { return i * 10; });
  SegmentTrend r = Eval(s);
  EXPECT_FALSE(r.judged);
  EXPECT_FALSE(r.rising);
}

TEST(Trend, TinyRiseIsNoise) {
  // From 3 to 4 goroutines over 6 h: significant but not a leak.
  Series s = Make(360, 60, [](int i) { return i < 180 ? 3 : 4; });
  EXPECT_FALSE(Eval(s).rising);
}

TEST(Segments, SplitAtEpochs) {
  std::vector<int64_t> t{10, 20, 30, 40, 50, 60};
  std::vector<int64_t> y{1, 2, 3, 1, 2, 3};
  std::vector<int64_t> epochs{0, 35};
  std::vector<bool> known{true, true};
  std::vector<Segment> s = SplitSegments(t, y, epochs, known, TrendOptions());
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].begin, 0);
  EXPECT_EQ(s[0].end, 3);
  EXPECT_EQ(s[1].begin, 3);
  EXPECT_EQ(s[1].end, 6);
}

TEST(Segments, DropToZeroSplitsOnlyWhenStartUnknown) {
  std::vector<int64_t> t{1, 2, 3, 4, 5, 6, 7};
  std::vector<int64_t> y{10, 20, 30, 0, 5, 10, 15};
  std::vector<int64_t> epochs{0};
  EXPECT_EQ(SplitSegments(t, y, epochs, {false}, TrendOptions()).size(), 2u);
  EXPECT_EQ(SplitSegments(t, y, epochs, {true}, TrendOptions()).size(), 1u);
}

TEST(Segments, RestartedLeakRisesInItsLatestSegment) {
  // A leak that restarts from 0 after a restart (start time unknown): the
  // whole series is a saw, each segment rises.
  Series s = Make(
      240, 60, [](int i) { return (i % 120); }, 1);
  std::vector<Segment> segs =
      SplitSegments(s.t, s.y, {0}, {false}, TrendOptions());
  ASSERT_EQ(segs.size(), 2u);
  const Segment& last = segs.back();
  SegmentTrend r = EvaluateSegment(
      absl::MakeConstSpan(s.t).subspan(last.begin, last.end - last.begin),
      absl::MakeConstSpan(s.y).subspan(last.begin, last.end - last.begin),
      TrendOptions());
  EXPECT_TRUE(r.rising);
  EXPECT_NEAR(r.slope_per_hour, 60, 5);
}

}  // namespace
}  // namespace analyzer
}  // namespace leakprof
