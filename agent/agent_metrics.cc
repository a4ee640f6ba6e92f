// Copyright 2026 The leakprof Authors.

#include "agent/agent_metrics.h"

#include <time.h>

#include <string>

namespace leakprof {
namespace agent {
namespace {

const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *b;
}

}  // namespace

AgentMetrics::AgentMetrics()
    : registry_(std::make_shared<prometheus::Registry>()) {
  scrapes_ = &prometheus::BuildCounter()
                  .Name("leakprof_agent_scrapes_total")
                  .Help("Scrapes by target, profile and result.")
                  .Register(*registry_);
  scrape_duration_ = &prometheus::BuildHistogram()
                          .Name("leakprof_agent_scrape_duration_seconds")
                          .Help("Fetch + parse time of one scrape.")
                          .Register(*registry_);
  profile_bytes_ = &prometheus::BuildGauge()
                        .Name("leakprof_agent_profile_bytes")
                        .Help("Size of the last profile body fetched.")
                        .Register(*registry_);
  goroutines_ = &prometheus::BuildGauge()
                     .Name("leakprof_agent_target_goroutines")
                     .Help("Goroutines in the last profile.")
                     .Register(*registry_);
  interval_ = &prometheus::BuildGauge()
                   .Name("leakprof_agent_scrape_interval_seconds")
                   .Help("The current interval, after the budget stretch.")
                   .Register(*registry_);
  snapshot_bytes_ = &prometheus::BuildGauge()
                         .Name("leakprof_agent_snapshot_bytes")
                         .Help("Encoded size of the last snapshot pushed.")
                         .Register(*registry_);
  pushes_ = &prometheus::BuildCounter()
                 .Name("leakprof_agent_pushes_total")
                 .Help("Push RPCs to the collector by result.")
                 .Register(*registry_);
  push_duration_ = &prometheus::BuildHistogram()
                        .Name("leakprof_agent_push_duration_seconds")
                        .Help("One Push RPC.")
                        .Register(*registry_)
                        .Add({}, DurationBuckets());
  spool_snapshots_ = &prometheus::BuildGauge()
                          .Name("leakprof_agent_spool_snapshots")
                          .Help("Snapshots waiting on disk.")
                          .Register(*registry_)
                          .Add({});
  spool_bytes_ = &prometheus::BuildGauge()
                      .Name("leakprof_agent_spool_bytes")
                      .Help("Bytes waiting on disk.")
                      .Register(*registry_)
                      .Add({});
  spool_dropped_ = &prometheus::BuildCounter()
                        .Name("leakprof_agent_spool_dropped_total")
                        .Help(
                            "Snapshots dropped because the spool was full "
                            "(oldest first).")
                        .Register(*registry_)
                        .Add({});
  last_success_ =
      &prometheus::BuildGauge()
           .Name("leakprof_agent_last_scrape_success_timestamp_seconds")
           .Help("Unix time of the last successful scrape.")
           .Register(*registry_);
  auto& cpu = prometheus::BuildCounter()
                  .Name("leakprof_agent_cpu_seconds_total")
                  .Help(
                      "CPU the agent spent in its cycles, by phase: fetch, "
                      "parse, snapshot (build), push.")
                  .Register(*registry_);
  cpu_fetch_ = &cpu.Add({{"phase", "fetch"}});
  cpu_parse_ = &cpu.Add({{"phase", "parse"}});
  cpu_snapshot_ = &cpu.Add({{"phase", "snapshot"}});
  cpu_push_ = &cpu.Add({{"phase", "push"}});
  // Every push result exists from the start, at 0.
  for (const char* r : {"ok", "unknown_ids", "unknown_refs", "unavailable",
                        "refused", "unauthenticated", "error"}) {
    pushes_->Add({{"result", r}});
  }
}

void AgentMetrics::Scrape(const std::string& service,
                          const std::string& instance,
                          absl::string_view profile, absl::string_view result,
                          absl::Duration duration, int64_t body_bytes) {
  const std::string p(profile);
  scrapes_
      ->Add({{"service", service},
             {"instance", instance},
             {"profile", p},
             {"result", std::string(result)}})
      .Increment();
  scrape_duration_
      ->Add({{"service", service}, {"profile", p}}, DurationBuckets())
      .Observe(absl::ToDoubleSeconds(duration));
  if (body_bytes >= 0) {
    profile_bytes_
        ->Add({{"service", service}, {"instance", instance}, {"profile", p}})
        .Set(static_cast<double>(body_bytes));
  }
}

void AgentMetrics::Goroutines(const std::string& service,
                              const std::string& instance, int64_t n) {
  goroutines_->Add({{"service", service}, {"instance", instance}})
      .Set(static_cast<double>(n));
}

void AgentMetrics::Interval(const std::string& service,
                            const std::string& instance,
                            absl::Duration interval) {
  interval_->Add({{"service", service}, {"instance", instance}})
      .Set(absl::ToDoubleSeconds(interval));
}

void AgentMetrics::SnapshotBytes(const std::string& service,
                                 const std::string& instance, int64_t bytes) {
  snapshot_bytes_->Add({{"service", service}, {"instance", instance}})
      .Set(static_cast<double>(bytes));
}

void AgentMetrics::LastSuccess(const std::string& service,
                               const std::string& instance, absl::Time when) {
  last_success_->Add({{"service", service}, {"instance", instance}})
      .Set(absl::ToDoubleSeconds(when - absl::UnixEpoch()));
}

void AgentMetrics::Push(absl::string_view result, absl::Duration duration) {
  pushes_->Add({{"result", std::string(result)}}).Increment();
  push_duration_->Observe(absl::ToDoubleSeconds(duration));
}

void AgentMetrics::Spool(int64_t entries, int64_t bytes,
                         int64_t newly_dropped) {
  spool_snapshots_->Set(static_cast<double>(entries));
  spool_bytes_->Set(static_cast<double>(bytes));
  if (newly_dropped > 0) {
    spool_dropped_->Increment(static_cast<double>(newly_dropped));
  }
}

void AgentMetrics::CycleCpu(absl::string_view phase, absl::Duration cpu) {
  prometheus::Counter* c = phase == "fetch"      ? cpu_fetch_
                           : phase == "parse"    ? cpu_parse_
                           : phase == "snapshot" ? cpu_snapshot_
                           : phase == "push"     ? cpu_push_
                                                 : nullptr;
  if (c != nullptr && cpu > absl::ZeroDuration()) {
    c->Increment(absl::ToDoubleSeconds(cpu));
  }
}

absl::Duration ThreadCpuNow() {
  timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
    return absl::ZeroDuration();
  }
  return absl::DurationFromTimespec(ts);
}

}  // namespace agent
}  // namespace leakprof
