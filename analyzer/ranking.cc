// Copyright 2026 The leakprof Authors.

#include "analyzer/ranking.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "analyzer/patterns.h"
#include "common/goprof/profile.h"

namespace leakprof {
namespace analyzer {
namespace {

constexpr const char* kDefaultCandidates[] = {
    "chan_send",     "chan_receive",     "select",     "select_no_cases",
    "nil_chan_send", "nil_chan_receive", "mutex",      "rwmutex",
    "cond_wait",     "waitgroup",        "semacquire",
};

std::vector<StackFrame> FramesOf(const v1::StackInfo& stack) {
  std::vector<StackFrame> frames;
  frames.reserve(stack.frames_size());
  for (const v1::FrameInfo& f : stack.frames()) {
    frames.push_back(StackFrame{f.function(), f.file(), f.line()});
  }
  return frames;
}

// The verdict on one instance: its latest segment with enough points.
struct InstanceTrend {
  bool judged = false;
  bool rising = false;
  double slope_per_hour = 0;
};

InstanceTrend JudgeInstance(const v1::InstanceSeries& series,
                            const TrendOptions& options) {
  InstanceTrend result;
  std::vector<int64_t> epoch_starts;
  std::vector<bool> start_known;
  for (const v1::Epoch& e : series.epochs()) {
    epoch_starts.push_back(e.since_unix_seconds());
    start_known.push_back(e.process_start_unix_seconds() != 0);
  }
  if (epoch_starts.empty()) {
    epoch_starts.push_back(0);
    start_known.push_back(false);
  }
  const auto ts = absl::MakeConstSpan(series.timestamps_unix_seconds());
  const auto counts = absl::MakeConstSpan(series.counts());
  std::vector<Segment> segments =
      SplitSegments(ts, counts, epoch_starts, start_known, options);
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    SegmentTrend trend = EvaluateSegment(
        ts.subspan(it->begin, it->end - it->begin),
        counts.subspan(it->begin, it->end - it->begin), options);
    if (!trend.judged) continue;
    result.judged = true;
    result.rising = trend.rising;
    result.slope_per_hour = trend.slope_per_hour;
    break;
  }
  return result;
}

bool Suppressed(const SiteInput& input, const IgnoreRules& ignore,
                const std::vector<StackFrame>& frames, std::string* why) {
  SiteKey key{input.service, &frames, input.stack.site_frame()};
  if (std::optional<std::string> reason = ignore.Match(key)) {
    *why = absl::StrCat("suppressed: ", *reason);
    return true;
  }
  if (input.summary.block_class() == v1::BLOCK_CLASS_SELECT &&
      ignore.ShowsTimer(key)) {
    *why =
        "suppressed: select that also waits on a timer or ticker (a frame "
        "shows it; LeakProf filter)";
    return true;
  }
  return false;
}

}  // namespace

RankingOptions::RankingOptions() {
  class_weight.fill(0);
  for (const char* name : kDefaultCandidates) {
    class_weight[ClassFromName(name)] = 1;
  }
  stack_bytes.fill(8192);
}

std::string ClassName(int proto_class) {
  if (proto_class < 1 || proto_class > goprof::kNumBlockClasses) {
    return "unspecified";
  }
  return std::string(
      goprof::BlockClassName(static_cast<goprof::BlockClass>(proto_class - 1)));
}

int ClassFromName(absl::string_view name) {
  std::optional<goprof::BlockClass> c = goprof::BlockClassFromName(name);
  if (!c) return -1;
  return static_cast<int>(*c) + 1;
}

std::string DefaultCandidateClasses() {
  std::string out;
  for (const char* name : kDefaultCandidates) {
    if (!out.empty()) out += ",";
    out += name;
  }
  return out;
}

absl::StatusOr<std::array<double, kNumClasses>> ParseCandidateClasses(
    absl::string_view list) {
  std::array<double, kNumClasses> weights;
  weights.fill(0);
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    name = absl::StripAsciiWhitespace(name);
    const int c = ClassFromName(name);
    if (c < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown block class \"", name, "\""));
    }
    weights[c] = 1;
  }
  return weights;
}

bool NeedsSeries(const SiteInput& input, const RankingOptions& options,
                 const IgnoreRules& ignore) {
  const int c = input.summary.block_class();
  if (c < 0 || c >= kNumClasses || options.class_weight[c] <= 0) return false;
  std::vector<StackFrame> frames = FramesOf(input.stack);
  std::string why;
  return !Suppressed(input, ignore, frames, &why);
}

SiteReport ScoreSite(const SiteInput& input, const RankingOptions& options,
                     const IgnoreRules& ignore) {
  const v1::SiteSummary& summary = input.summary;
  SiteReport r;
  r.service = input.service;
  r.site_id = summary.site_id();
  r.block_class = summary.block_class();
  r.class_name = ClassName(r.block_class);
  r.function = summary.site().function();
  r.file = summary.site().file();
  r.line = summary.site().line();
  r.goroutines = summary.goroutines();
  r.instances = summary.instances();
  r.leaked = summary.leaked();
  r.waiting_over_1h = summary.waiting_over_1h();
  r.stack = FramesOf(input.stack);
  r.site_frame = input.stack.site_frame();
  r.created_by = input.stack.created_by().function();
  const int c =
      r.block_class >= 0 && r.block_class < kNumClasses ? r.block_class : 0;
  r.est_bytes = r.goroutines * options.stack_bytes[c];
  const double weight = options.class_weight[c];

  std::string why;
  r.suppressed = Suppressed(input, ignore, r.stack, &why);
  SiteKey key{input.service, &r.stack, r.site_frame};
  PatternHint hint = HintFor(r.class_name, r.stack, r.site_frame, r.created_by,
                             ignore.ShowsTimer(key));
  if (weight > 0) {
    r.pattern = hint.pattern;
    r.hint = hint.hint;
  }

  // Trend over the fleet.
  int stale = 0;
  if (weight > 0 && !r.suppressed) {
    for (const v1::InstanceSeries& s : input.series) {
      if (s.timestamps_unix_seconds_size() == 0) continue;
      const int64_t last =
          s.timestamps_unix_seconds(s.timestamps_unix_seconds_size() - 1);
      if (input.window_end_unix_seconds > 0 &&
          last < input.window_end_unix_seconds - options.stale_after_seconds) {
        ++stale;
        continue;
      }
      InstanceTrend t = JudgeInstance(s, options.trend);
      if (!t.judged) continue;
      ++r.instances_judged;
      if (t.rising) {
        ++r.instances_rising;
        r.growth_per_hour += t.slope_per_hour;
      }
    }
  }
  const double fraction =
      r.instances_judged > 0
          ? static_cast<double>(r.instances_rising) / r.instances_judged
          : 0.0;
  double speed = 0;
  if (r.instances_rising > 0 && options.speed_reference_per_hour > 0) {
    speed = std::log1p(r.growth_per_hour / r.instances_rising) /
            std::log1p(options.speed_reference_per_hour);
    speed = std::clamp(speed, 0.0, 1.0);
  }
  double age = 0;
  if (r.waiting_over_1h >= options.min_waiting_over_1h) {
    age = std::clamp(static_cast<double>(r.waiting_over_1h) /
                         std::max<int64_t>(1, r.goroutines),
                     0.0, 1.0);
  }
  r.confirmed = r.leaked > 0;
  double score = weight * (60 * fraction + 20 * speed + 20 * age);
  if (r.confirmed) score += 100;
  if (r.suppressed) score = 0;
  r.score = std::round(score * 100) / 100;
  r.suspect = r.score > options.threshold;

  // Evidence, strongest first.
  if (r.suppressed) r.evidence.push_back(why);
  if (r.confirmed) {
    r.evidence.push_back(absl::StrCat(
        "confirmed: ", r.leaked,
        " goroutines in a goroutineleak profile or marked (leaked)"));
  }
  if (weight <= 0) {
    r.evidence.push_back(absl::StrCat("class ", r.class_name,
                                      " is not a leak candidate (policy)"));
  } else if (!r.suppressed) {
    r.evidence.push_back(absl::StrFormat(
        "rising on %d of %d judged instances (Mann-Kendall z >= %.2f, "
        "Theil-Sen >= %.3g/h)",
        r.instances_rising, r.instances_judged, options.trend.min_z,
        options.trend.min_slope_per_hour));
    if (r.instances_rising > 0) {
      r.evidence.push_back(
          absl::StrFormat("growing %.1f goroutines/hour", r.growth_per_hour));
    }
  }
  if (r.waiting_over_1h > 0) {
    r.evidence.push_back(absl::StrCat(r.waiting_over_1h,
                                      " goroutines blocked for over 1 h",
                                      age > 0 ? "" : " (too few to count)"));
  }
  if (stale > 0) {
    r.evidence.push_back(
        absl::StrCat(stale, " instances without recent data, not judged"));
  }
  return r;
}

void RankSites(std::vector<SiteReport>* sites) {
  std::sort(sites->begin(), sites->end(),
            [](const SiteReport& a, const SiteReport& b) {
              if (a.score != b.score) return a.score > b.score;
              if (a.goroutines != b.goroutines) {
                return a.goroutines > b.goroutines;
              }
              if (a.service != b.service) return a.service < b.service;
              return a.site_id < b.site_id;
            });
  for (size_t i = 0; i < sites->size(); ++i) {
    (*sites)[i].rank = static_cast<int>(i) + 1;
  }
}

}  // namespace analyzer
}  // namespace leakprof
