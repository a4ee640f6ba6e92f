// Copyright 2026 The leakprof Authors.
//
// Scores one site from its per-instance series: the trend of each instance
// (trend.h) aggregated over the fleet, the class policy, precise evidence
// (goroutineleak counts, wait ages), suppressions and the pattern hint.
// docs/analyzer.md has the formula.
//
// ScoreSite is a pure function: thread-safe.

#ifndef LEAKPROF_ANALYZER_RANKING_H_
#define LEAKPROF_ANALYZER_RANKING_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analyzer/rules.h"
#include "analyzer/trend.h"
#include "proto/query.pb.h"

namespace leakprof {
namespace analyzer {

inline constexpr int kNumClasses = 17;  // proto BlockClass values 0..16

struct RankingOptions {
  TrendOptions trend;
  // A site is `suspect` exactly when its score is above this.
  double threshold = 50;
  // Weight of each class (index: proto BlockClass value). 1 for leak
  // candidates, 0 for classes that are not (their sites are listed, scored
  // 0 unless confirmed). Defaults: see DefaultClassWeights().
  std::array<double, kNumClasses> class_weight;
  // Estimated stack bytes per goroutine of each class (index as above).
  std::array<int64_t, kNumClasses> stack_bytes;
  // Wait-age evidence counts only from this many goroutines blocked > 1 h.
  int64_t min_waiting_over_1h = 10;
  // Growth per instance (goroutines/hour) at which the speed term saturates.
  double speed_reference_per_hour = 60;
  // An instance whose last point is older than this (before the window end)
  // is gone: it is not judged.
  int64_t stale_after_seconds = 900;

  RankingOptions();
};

// "chan_send", ... (goprof::BlockClassName) for a proto BlockClass value;
// "unspecified" for 0 or out of range.
std::string ClassName(int proto_class);
// Inverse: proto value, or -1.
int ClassFromName(absl::string_view name);

// Parses "chan_send,select,..." into weights: 1 for the listed classes, 0
// for the others. kInvalidArgument names an unknown class.
absl::StatusOr<std::array<double, kNumClasses>> ParseCandidateClasses(
    absl::string_view list);
std::string DefaultCandidateClasses();

// One evaluated site: the element of /api/v1/suspects.
struct SiteReport {
  int rank = 0;  // 1-based, after sorting
  std::string service;
  uint64_t site_id = 0;
  int block_class = 0;  // proto value
  std::string class_name;
  std::string function, file;
  int64_t line = 0;
  double score = 0;
  bool suspect = false;
  bool confirmed = false;   // in a goroutineleak profile / marked (leaked)
  bool suppressed = false;  // an ignore rule or the timer filter
  int64_t goroutines = 0;   // latest fleet total
  int instances = 0;        // instances with the site now
  int instances_judged = 0;
  int instances_rising = 0;
  double growth_per_hour = 0;  // summed over rising instances
  int64_t est_bytes = 0;
  int64_t leaked = 0;
  int64_t waiting_over_1h = 0;
  std::vector<std::string> evidence;
  std::string pattern, hint;
  std::vector<StackFrame> stack;  // innermost first
  int site_frame = 0;
  std::string created_by;
  std::string owner;
  std::map<std::string, std::string> route_labels;
};

// Everything ScoreSite needs about a site.
struct SiteInput {
  std::string service;
  v1::SiteSummary summary;
  v1::StackInfo stack;  // a representative stack (empty frames if unknown)
  // Per-instance series over the window; may be empty when the class is
  // not worth fetching them for (weight 0 or suppressed).
  std::vector<v1::InstanceSeries> series;
  int64_t window_end_unix_seconds = 0;
  // The analyzer may keep `series` for its next round.
  bool cacheable = false;
};

// Fills every field but `rank`, `owner` and `route_labels`.
SiteReport ScoreSite(const SiteInput& input, const RankingOptions& options,
                     const IgnoreRules& ignore);

// True when ScoreSite would look at the series (the class has a weight and
// no ignore rule matches): lets the caller skip fetching them.
bool NeedsSeries(const SiteInput& input, const RankingOptions& options,
                 const IgnoreRules& ignore);

// Sorts by score (then goroutines, service, site id) and sets ranks.
void RankSites(std::vector<SiteReport>* sites);

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_RANKING_H_
