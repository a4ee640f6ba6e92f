// Copyright 2026 The leakprof Authors.
//
// Robust trend statistics of one instance's count at one site: segmentation
// at restarts and deploys, Theil-Sen slope, Mann-Kendall monotonic-trend test,
// and the "rising" verdict the ranking builds on. docs/analyzer.md has the
// maths.
//
// Pure functions over plain vectors: safe to call from any number of threads.
// Timestamps are Unix seconds, ascending (equal timestamps are allowed).

#ifndef LEAKPROF_ANALYZER_TREND_H_
#define LEAKPROF_ANALYZER_TREND_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace leakprof {
namespace analyzer {

struct TrendOptions {
  // Segments longer than this are reduced to this many points (median of
  // equal-sized buckets) before the O(n^2) statistics. Bounds the cost.
  int max_points = 60;
  // Fewest points a segment needs to be judged at all.
  int min_points = 8;
  // Mann-Kendall Z a segment needs to count as rising (one-sided; 2.33 is
  // p ~ 0.01).
  double min_z = 2.33;
  // Theil-Sen slope a rising segment needs, in goroutines per hour.
  double min_slope_per_hour = 1.0;
  // Fitted rise over the segment (slope x duration) a rising segment needs,
  // in goroutines: a trend of one or two goroutines is noise.
  double min_rise = 3.0;
  // The slope over the segment's most recent half must be at least this
  // fraction of the whole segment's slope: a leak that stopped growing stops
  // counting as rising.
  double recent_slope_fraction = 0.25;
  // A drop to at most this fraction of the segment's maximum so far (and the
  // maximum at least `drop_min_max`) starts a new segment when the process
  // start time is unknown (a restart the epochs cannot show).
  double drop_fraction = 0.1;
  int64_t drop_min_max = 5;
};

// Median of the slopes (y_j - y_i) / (t_j - t_i) over every pair i < j with
// t_j > t_i, per second. 0 when fewer than two distinct timestamps. Robust to
// up to ~29% outliers.
double TheilSenSlope(absl::Span<const double> t, absl::Span<const double> y);

// Mann-Kendall statistic S and normal-approximation Z with the tie
// correction and continuity correction. Z > 0 means increasing.
struct MannKendall {
  int64_t s = 0;
  double z = 0;
};
MannKendall MannKendallTest(absl::Span<const double> y);

// Reduces (t, y) to at most `max_points` points: consecutive buckets of equal
// size, each replaced by its median time and median value. Returns the input
// unchanged when it is short enough.
void Downsample(int max_points, std::vector<double>* t, std::vector<double>* y);

// [begin, end) index ranges of `timestamps`.
struct Segment {
  int begin = 0;
  int end = 0;
};

// Splits a series at epoch starts (`epoch_starts`, Unix seconds, ascending;
// the first epoch may start before the series) and, inside epochs whose
// process start is unknown (`epoch_start_known[i] == false`), at a drop of
// the count to ~0 (TrendOptions::drop_fraction). Empty series: no segments.
std::vector<Segment> SplitSegments(absl::Span<const int64_t> timestamps,
                                   absl::Span<const int64_t> counts,
                                   absl::Span<const int64_t> epoch_starts,
                                   const std::vector<bool>& epoch_start_known,
                                   const TrendOptions& options);

// The verdict on one segment.
struct SegmentTrend {
  int points = 0;  // after downsampling
  // Theil-Sen, and Theil-Sen of the most recent half. Computed only when z
  // reaches min_z (else 0: the segment cannot be rising anyway).
  double slope_per_hour = 0;
  double recent_slope_per_hour = 0;
  double z = 0;         // Mann-Kendall
  double rise = 0;      // slope x duration
  bool judged = false;  // had at least min_points
  bool rising = false;
};

SegmentTrend EvaluateSegment(absl::Span<const int64_t> timestamps,
                             absl::Span<const int64_t> counts,
                             const TrendOptions& options);

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_TREND_H_
