// Copyright 2026 The leakprof Authors.
//
// Analyzer: one evaluation round over every service a FleetSource knows,
// and the latest result.
//
// A round lists the services and their sites in the window, fetches each
// candidate site's per-instance series (sites whose class is not a leak
// candidate, and suppressed sites, are scored from their summary alone),
// scores every site (ranking.h), routes it to an owner (rules.h) and ranks
// them. Sites are scored on `parallelism` threads.
//
// Thread safety: Evaluate() may run on one thread while any number of
// threads read latest() and SiteSeries(); two Evaluate() calls are
// serialized.

#ifndef LEAKPROF_ANALYZER_ANALYZER_H_
#define LEAKPROF_ANALYZER_ANALYZER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "analyzer/fleet_source.h"
#include "analyzer/ranking.h"
#include "analyzer/rules.h"

namespace leakprof {
namespace analyzer {

struct ServiceReport {
  std::string service;
  int instances = 0;
  int64_t goroutines = 0;
  int suspects = 0;
};

// One round's result.
struct Report {
  int64_t generated_at = 0;  // Unix seconds
  int64_t window_seconds = 0;
  double duration_seconds = 0;
  std::vector<SiteReport> sites;  // ranked, highest score first
  std::vector<ServiceReport> services;
  int suspects = 0;
};

struct AnalyzerOptions {
  // How far back each round looks.
  absl::Duration window = absl::Hours(6);
  RankingOptions ranking;
  // Series are asked for at step = window / series_points ("last point per
  // step" on the collector), so a round's cost does not grow with the scrape
  // rate. 0 asks for the raw points.
  int series_points = 120;
  // Threads scoring sites (each does its own series reads).
  int parallelism = 2;
  // Per round, at most this many sites per service are evaluated (most
  // goroutines first, as the collector lists them).
  int max_sites_per_service = 5000;
  // Incremental rounds: each site's series are kept between rounds and only
  // the points since the previous round (minus `late_margin`, for snapshots
  // that reach the collector late) are read again. Off, or over
  // `max_cached_points` points in all, a round reads whole windows.
  bool incremental = true;
  absl::Duration late_margin = absl::Minutes(10);
  int64_t max_cached_points = 20000000;
};

// The series of one site for the page: fleet and per-instance points.
struct SiteSeries {
  int64_t step_seconds = 0;
  std::vector<std::pair<int64_t, int64_t>> fleet;
  struct Instance {
    std::string instance;
    std::vector<std::pair<int64_t, int64_t>> points;
  };
  std::vector<Instance> instances;
};

// Merges an incremental read into kept series (public for tests): per
// instance, the kept points before `fetched_from`, then the fetched ones;
// epochs merged; points before `window_start` dropped; instances left
// without points dropped.
std::vector<v1::InstanceSeries> MergeSeries(
    std::vector<v1::InstanceSeries> kept,
    std::vector<v1::InstanceSeries> fetched, int64_t window_start,
    int64_t fetched_from);

class Analyzer {
 public:
  // `source` must outlive the Analyzer. `now` is the clock (absl::Now when
  // unset).
  Analyzer(AnalyzerOptions options, FleetSource* source, IgnoreRules ignore,
           Routing routing, std::function<absl::Time()> now = nullptr);

  // Runs one round and makes it the latest. On error (the source failed)
  // the previous result stays the latest.
  absl::StatusOr<std::shared_ptr<const Report>> Evaluate()
      ABSL_LOCKS_EXCLUDED(eval_mu_, mu_);

  // The latest round, or nullptr before the first one succeeded.
  std::shared_ptr<const Report> latest() const ABSL_LOCKS_EXCLUDED(mu_);

  // Reads the series of one site (for /api/v1/site), at the round's step.
  // kNotFound when the collector does not know it.
  absl::StatusOr<SiteSeries> ReadSiteSeries(const std::string& service,
                                            uint64_t site_id) const;

  const AnalyzerOptions& options() const { return options_; }

  // Series points read from the source by the last round.
  int64_t points_read() const { return points_read_.load(); }

 private:
  absl::StatusOr<std::vector<SiteInput>> ListInputs(const std::string& service,
                                                    int64_t now_s);
  absl::Status FillSite(SiteInput* input, int64_t now_s);
  // Keeps a scored site's series for the next round (incremental).
  void Keep(SiteInput* input, int64_t now_s) ABSL_LOCKS_EXCLUDED(cache_mu_);
  absl::StatusOr<v1::StackInfo> Stack(uint64_t stack_id)
      ABSL_LOCKS_EXCLUDED(stack_mu_);
  v1::Window WindowAt(int64_t now_s) const;
  int64_t StepSeconds() const;

  const AnalyzerOptions options_;
  FleetSource* const source_;
  const IgnoreRules ignore_;
  const Routing routing_;
  const std::function<absl::Time()> now_;

  absl::Mutex eval_mu_;  // one round at a time
  mutable absl::Mutex mu_;
  std::shared_ptr<const Report> latest_ ABSL_GUARDED_BY(mu_);
  // Series kept between rounds (incremental), by (service, site id).
  struct CachedSite {
    int64_t refetch_from = 0;  // the next round reads from here
    std::vector<v1::InstanceSeries> series;
    int64_t points = 0;
    int64_t round = 0;  // last round that used it
  };
  absl::Mutex cache_mu_;
  std::map<std::pair<std::string, uint64_t>, CachedSite> cache_
      ABSL_GUARDED_BY(cache_mu_);
  int64_t cached_points_ ABSL_GUARDED_BY(cache_mu_) = 0;
  int64_t round_ = 0;  // guarded by eval_mu_
  // Points read from the source in the last round (for tests and logs).
  std::atomic<int64_t> points_read_{0};

  absl::Mutex stack_mu_;
  // Stacks never change: cached across rounds (bounded).
  std::map<uint64_t, v1::StackInfo> stacks_ ABSL_GUARDED_BY(stack_mu_);
};

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_ANALYZER_H_
