// Copyright 2026 The leakprof Authors.

#include "analyzer/trend.h"

#include <algorithm>
#include <cmath>

namespace leakprof {
namespace analyzer {
namespace {

double Median(std::vector<double>* v) {
  if (v->empty()) return 0;
  const size_t mid = v->size() / 2;
  std::nth_element(v->begin(), v->begin() + mid, v->end());
  double upper = (*v)[mid];
  if (v->size() % 2 == 1) return upper;
  double lower = *std::max_element(v->begin(), v->begin() + mid);
  return (lower + upper) / 2;
}

}  // namespace

double TheilSenSlope(absl::Span<const double> t, absl::Span<const double> y) {
  const size_t n = std::min(t.size(), y.size());
  if (n < 2) return 0;
  thread_local std::vector<double> slopes;
  slopes.clear();
  slopes.reserve(n * (n - 1) / 2);
  for (size_t i = 0; i + 1 < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const double dt = t[j] - t[i];
      if (dt > 0) slopes.push_back((y[j] - y[i]) / dt);
    }
  }
  return Median(&slopes);
}

MannKendall MannKendallTest(absl::Span<const double> y) {
  MannKendall result;
  const int64_t n = static_cast<int64_t>(y.size());
  if (n < 3) return result;
  int64_t s = 0;
  for (int64_t i = 0; i + 1 < n; ++i) {
    const double yi = y[i];
    for (int64_t j = i + 1; j < n; ++j) {
      s += (y[j] > yi) - (y[j] < yi);
    }
  }
  // Tie correction: groups of equal values.
  thread_local std::vector<double> sorted;
  sorted.assign(y.begin(), y.end());
  std::sort(sorted.begin(), sorted.end());
  double ties = 0;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    const double k = static_cast<double>(j - i);
    if (k > 1) ties += k * (k - 1) * (2 * k + 5);
    i = j;
  }
  const double dn = static_cast<double>(n);
  const double var = (dn * (dn - 1) * (2 * dn + 5) - ties) / 18.0;
  result.s = s;
  if (var <= 0 || s == 0) return result;
  const double sd = std::sqrt(var);
  result.z = s > 0 ? (s - 1) / sd : (s + 1) / sd;
  return result;
}

void Downsample(int max_points, std::vector<double>* t,
                std::vector<double>* y) {
  const size_t n = std::min(t->size(), y->size());
  if (max_points < 2 || n <= static_cast<size_t>(max_points)) return;
  thread_local std::vector<double> out_t, out_y, bucket_t, bucket_y;
  out_t.clear();
  out_y.clear();
  for (int b = 0; b < max_points; ++b) {
    const size_t lo = n * b / max_points;
    const size_t hi = n * (b + 1) / max_points;
    if (hi <= lo) continue;
    bucket_t.assign(t->begin() + lo, t->begin() + hi);
    bucket_y.assign(y->begin() + lo, y->begin() + hi);
    out_t.push_back(Median(&bucket_t));
    out_y.push_back(Median(&bucket_y));
  }
  t->assign(out_t.begin(), out_t.end());
  y->assign(out_y.begin(), out_y.end());
}

std::vector<Segment> SplitSegments(absl::Span<const int64_t> timestamps,
                                   absl::Span<const int64_t> counts,
                                   absl::Span<const int64_t> epoch_starts,
                                   const std::vector<bool>& epoch_start_known,
                                   const TrendOptions& options) {
  std::vector<Segment> segments;
  const int n = static_cast<int>(std::min(timestamps.size(), counts.size()));
  if (n == 0) return segments;
  // Index of the epoch each point falls in (the last one starting at or
  // before it; points before the first epoch belong to it).
  size_t epoch = 0;
  auto advance_epoch = [&](int64_t ts) {
    while (epoch + 1 < epoch_starts.size() && epoch_starts[epoch + 1] <= ts) {
      ++epoch;
    }
  };
  advance_epoch(timestamps[0]);
  Segment current{0, 0};
  int64_t max_so_far = counts[0];
  for (int i = 1; i < n; ++i) {
    const size_t previous_epoch = epoch;
    advance_epoch(timestamps[i]);
    bool split = epoch != previous_epoch;
    const bool start_known =
        epoch < epoch_start_known.size() && epoch_start_known[epoch];
    if (!split && !start_known && max_so_far >= options.drop_min_max &&
        static_cast<double>(counts[i]) <=
            options.drop_fraction * static_cast<double>(max_so_far)) {
      split = true;
    }
    if (split) {
      current.end = i;
      segments.push_back(current);
      current = Segment{i, i};
      max_so_far = counts[i];
    } else {
      max_so_far = std::max(max_so_far, counts[i]);
    }
  }
  current.end = n;
  segments.push_back(current);
  return segments;
}

SegmentTrend EvaluateSegment(absl::Span<const int64_t> timestamps,
                             absl::Span<const int64_t> counts,
                             const TrendOptions& options) {
  SegmentTrend result;
  const size_t n = std::min(timestamps.size(), counts.size());
  thread_local std::vector<double> t, y;
  t.resize(n);
  y.resize(n);
  // Relative time keeps the doubles exact.
  const int64_t t0 = n > 0 ? timestamps[0] : 0;
  for (size_t i = 0; i < n; ++i) {
    t[i] = static_cast<double>(timestamps[i] - t0);
    y[i] = static_cast<double>(counts[i]);
  }
  Downsample(options.max_points, &t, &y);
  result.points = static_cast<int>(t.size());
  if (result.points < std::max(3, options.min_points)) return result;
  result.judged = true;
  // Mann-Kendall first: it is cheaper than Theil-Sen's median of slopes, and
  // most series (flat pools) stop here.
  result.z = MannKendallTest(y).z;
  if (result.z < options.min_z) return result;
  const double slope = TheilSenSlope(t, y);
  result.slope_per_hour = slope * 3600.0;
  const size_t half = t.size() / 2;
  result.recent_slope_per_hour =
      TheilSenSlope(absl::MakeConstSpan(t).subspan(half),
                    absl::MakeConstSpan(y).subspan(half)) *
      3600.0;
  result.rise = slope * (t.back() - t.front());
  result.rising = result.z >= options.min_z &&
                  result.slope_per_hour >= options.min_slope_per_hour &&
                  result.rise >= options.min_rise &&
                  result.recent_slope_per_hour >=
                      options.recent_slope_fraction * result.slope_per_hour;
  return result;
}

}  // namespace analyzer
}  // namespace leakprof
