// Copyright 2026 The leakprof Authors.

#include "analyzer/metrics.h"

#include "common/goprof/stack_id.h"

namespace leakprof {
namespace analyzer {

AnalyzerMetrics::AnalyzerMetrics(std::shared_ptr<prometheus::Registry> registry,
                                 int max_suspect_series)
    : registry_(std::move(registry)),
      max_suspect_series_(max_suspect_series),
      evaluations_(prometheus::BuildCounter()
                       .Name("leakprof_analyzer_evaluations_total")
                       .Help("Evaluation rounds, by result.")
                       .Register(*registry_)),
      duration_(
          prometheus::BuildHistogram()
              .Name("leakprof_analyzer_evaluation_duration_seconds")
              .Help("One evaluation round over all services.")
              .Register(*registry_)
              .Add({},
                   prometheus::Histogram::BucketBoundaries{
                       0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300})),
      sites_evaluated_(prometheus::BuildGauge()
                           .Name("leakprof_analyzer_sites_evaluated")
                           .Help("Sites scored in the last round.")
                           .Register(*registry_)
                           .Add({})),
      suspects_(prometheus::BuildGauge()
                    .Name("leakprof_analyzer_suspects")
                    .Help("Sites over the alerting threshold.")
                    .Register(*registry_)
                    .Add({})),
      alerts_sent_(prometheus::BuildCounter()
                       .Name("leakprof_analyzer_alerts_sent_total")
                       .Help("Alert deliveries, by sink and result.")
                       .Register(*registry_)),
      score_(prometheus::BuildGauge()
                 .Name("leakprof_suspect_score")
                 .Help("Score of the top suspect sites.")
                 .Register(*registry_)),
      goroutines_(prometheus::BuildGauge()
                      .Name("leakprof_site_goroutines")
                      .Help("Fleet goroutines at the top suspect sites.")
                      .Register(*registry_)),
      growth_(prometheus::BuildGauge()
                  .Name("leakprof_site_growth_per_hour")
                  .Help("Fleet growth (goroutines/hour) at the top sites.")
                  .Register(*registry_)),
      bytes_(prometheus::BuildGauge()
                 .Name("leakprof_site_est_bytes")
                 .Help("Estimated memory held at the top suspect sites.")
                 .Register(*registry_)) {}

void AnalyzerMetrics::RecordRound(const Report& report) {
  evaluations_.Add({{"result", "ok"}}).Increment();
  duration_.Observe(report.duration_seconds);
  sites_evaluated_.Set(static_cast<double>(report.sites.size()));
  suspects_.Set(report.suspects);
  absl::MutexLock lock(&mu_);
  // Drop last round's series, then add this round's top sites.
  // Remove() ignores a metric that is not the family's.
  for (prometheus::Gauge* g : site_gauges_) {
    score_.Remove(g);
    goroutines_.Remove(g);
    growth_.Remove(g);
    bytes_.Remove(g);
  }
  site_gauges_.clear();
  int added = 0;
  for (const SiteReport& site : report.sites) {
    if (added >= max_suspect_series_) break;
    if (site.score <= 0) break;  // ranked: the rest are 0 too
    ++added;
    const std::map<std::string, std::string> labels = {
        {"service", site.service},
        {"site_id", goprof::FormatId(site.site_id)},
        {"function", site.function},
        {"class", site.class_name}};
    prometheus::Gauge* g = &score_.Add(labels);
    g->Set(site.score);
    site_gauges_.push_back(g);
    g = &goroutines_.Add(labels);
    g->Set(static_cast<double>(site.goroutines));
    site_gauges_.push_back(g);
    g = &growth_.Add(labels);
    g->Set(site.growth_per_hour);
    site_gauges_.push_back(g);
    g = &bytes_.Add(labels);
    g->Set(static_cast<double>(site.est_bytes));
    site_gauges_.push_back(g);
  }
}

void AnalyzerMetrics::RecordFailure(double seconds) {
  evaluations_.Add({{"result", "error"}}).Increment();
  duration_.Observe(seconds);
}

void AnalyzerMetrics::RecordDelivery(const std::string& sink,
                                     const std::string& result) {
  alerts_sent_.Add({{"sink", sink}, {"result", result}}).Increment();
}

}  // namespace analyzer
}  // namespace leakprof
