// Copyright 2026 The leakprof Authors.

#include "agent/agent_metrics.h"

#include <time.h>

#include <algorithm>
#include <iterator>
#include <string>

#include "absl/hash/hash.h"

namespace leakprof {
namespace agent {
namespace {

const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *b;
}

constexpr absl::string_view kProfileNames[] = {"goroutine", "goroutineleak",
                                               "debug2"};
constexpr absl::string_view kResultNames[] = {
    "ok", "http_error", "timeout", "too_large", "parse_error", "unreachable"};
constexpr absl::string_view kPushResultNames[] = {
    "ok",      "unknown_ids",     "unknown_refs", "unavailable",
    "refused", "unauthenticated", "error"};
constexpr absl::string_view kPhaseNames[] = {"fetch", "parse", "snapshot",
                                             "push"};

// Index of `v` in `names`, or -1.
template <size_t N>
int IndexOf(const absl::string_view (&names)[N], absl::string_view v) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == v) return static_cast<int>(i);
  }
  return -1;
}

// A gauge of `family` labelled (service, instance).
prometheus::Gauge& TargetGauge(prometheus::Family<prometheus::Gauge>* family,
                               const std::string& service,
                               const std::string& instance) {
  return family->Add({{"service", service}, {"instance", instance}});
}

}  // namespace

void AgentMetrics::HistogramDelta::Observe(double v) {
  const auto& bounds = DurationBuckets();
  if (buckets.empty()) buckets.assign(bounds.size() + 1, 0);
  // Prometheus buckets count values <= their bound.
  const size_t i = static_cast<size_t>(
      std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin());
  buckets[i] += 1;
  sum += v;
}

size_t AgentMetrics::KeyHash::operator()(
    std::pair<absl::string_view, absl::string_view> k) const {
  return absl::Hash<std::pair<absl::string_view, absl::string_view>>{}(k);
}

AgentMetrics::TargetDelta& AgentMetrics::DeltaOf(const std::string& service,
                                                 const std::string& instance) {
  auto it = targets_.find(
      std::pair<absl::string_view, absl::string_view>(service, instance));
  if (it == targets_.end()) {
    it = targets_.try_emplace(std::make_pair(service, instance)).first;
  }
  return it->second;
}

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
  for (int i = 0; i < kPhases; ++i) {
    cpu_[i] = &cpu.Add({{"phase", std::string(kPhaseNames[i])}});
  }
  // Every push result exists from the start, at 0.
  for (int i = 0; i < kPushResults; ++i) {
    push_results_[i] =
        &pushes_->Add({{"result", std::string(kPushResultNames[i])}});
  }
}

void AgentMetrics::Flush() {
  absl::MutexLock lock(&mu_);
  for (auto& [key, d] : targets_) {
    const std::string& service = key.first;
    const std::string& instance = key.second;
    for (int p = 0; p < kProfiles; ++p) {
      const std::string profile(kProfileNames[p]);
      for (int r = 0; r < kResults; ++r) {
        if (d.scrapes[p][r] == 0) continue;
        scrapes_
            ->Add({{"service", service},
                   {"instance", instance},
                   {"profile", profile},
                   {"result", std::string(kResultNames[r])}})
            .Increment(static_cast<double>(d.scrapes[p][r]));
        d.scrapes[p][r] = 0;
      }
      if (!d.duration[p].buckets.empty()) {
        scrape_duration_
            ->Add({{"service", service}, {"profile", profile}},
                  DurationBuckets())
            .ObserveMultiple(d.duration[p].buckets, d.duration[p].sum);
        d.duration[p] = HistogramDelta();
      }
      if (d.profile_bytes[p].has_value()) {
        profile_bytes_
            ->Add({{"service", service},
                   {"instance", instance},
                   {"profile", profile}})
            .Set(*d.profile_bytes[p]);
        d.profile_bytes[p].reset();
      }
    }
    for (auto [family, value] :
         {std::make_pair(goroutines_, &d.goroutines),
          std::make_pair(interval_, &d.interval),
          std::make_pair(snapshot_bytes_, &d.snapshot_bytes),
          std::make_pair(last_success_, &d.last_success)}) {
      if (value->has_value()) {
        TargetGauge(family, service, instance).Set(**value);
        value->reset();
      }
    }
  }
  for (int r = 0; r < kPushResults; ++r) {
    if (pushes_delta_[r] == 0) continue;
    push_results_[r]->Increment(static_cast<double>(pushes_delta_[r]));
    pushes_delta_[r] = 0;
  }
  if (!push_duration_delta_.buckets.empty()) {
    push_duration_->ObserveMultiple(push_duration_delta_.buckets,
                                    push_duration_delta_.sum);
    push_duration_delta_ = HistogramDelta();
  }
  if (spool_entries_.has_value()) spool_snapshots_->Set(*spool_entries_);
  if (spool_bytes_value_.has_value()) spool_bytes_->Set(*spool_bytes_value_);
  spool_entries_.reset();
  spool_bytes_value_.reset();
  if (spool_dropped_delta_ > 0) {
    spool_dropped_->Increment(static_cast<double>(spool_dropped_delta_));
    spool_dropped_delta_ = 0;
  }
  for (int i = 0; i < kPhases; ++i) {
    if (cpu_delta_[i] > 0) cpu_[i]->Increment(cpu_delta_[i]);
    cpu_delta_[i] = 0;
  }
}

void AgentMetrics::Scrape(const std::string& service,
                          const std::string& instance,
                          absl::string_view profile, absl::string_view result,
                          absl::Duration duration, int64_t body_bytes) {
  const int p = IndexOf(kProfileNames, profile);
  const int r = IndexOf(kResultNames, result);
  if (p < 0 || r < 0) {  // not a documented label value: applied at once
    scrapes_
        ->Add({{"service", service},
               {"instance", instance},
               {"profile", std::string(profile)},
               {"result", std::string(result)}})
        .Increment();
    return;
  }
  absl::MutexLock lock(&mu_);
  TargetDelta& d = DeltaOf(service, instance);
  ++d.scrapes[p][r];
  d.duration[p].Observe(absl::ToDoubleSeconds(duration));
  if (body_bytes >= 0) d.profile_bytes[p] = static_cast<double>(body_bytes);
}

void AgentMetrics::Goroutines(const std::string& service,
                              const std::string& instance, int64_t n) {
  absl::MutexLock lock(&mu_);
  DeltaOf(service, instance).goroutines = static_cast<double>(n);
}

void AgentMetrics::Interval(const std::string& service,
                            const std::string& instance,
                            absl::Duration interval) {
  absl::MutexLock lock(&mu_);
  DeltaOf(service, instance).interval = absl::ToDoubleSeconds(interval);
}

void AgentMetrics::SnapshotBytes(const std::string& service,
                                 const std::string& instance, int64_t bytes) {
  absl::MutexLock lock(&mu_);
  DeltaOf(service, instance).snapshot_bytes = static_cast<double>(bytes);
}

void AgentMetrics::LastSuccess(const std::string& service,
                               const std::string& instance, absl::Time when) {
  absl::MutexLock lock(&mu_);
  DeltaOf(service, instance).last_success =
      absl::ToDoubleSeconds(when - absl::UnixEpoch());
}

void AgentMetrics::Push(absl::string_view result, absl::Duration duration) {
  const int r = IndexOf(kPushResultNames, result);
  if (r < 0) {  // not a documented label value: applied at once
    pushes_->Add({{"result", std::string(result)}}).Increment();
  }
  absl::MutexLock lock(&mu_);
  if (r >= 0) ++pushes_delta_[r];
  push_duration_delta_.Observe(absl::ToDoubleSeconds(duration));
}

void AgentMetrics::Spool(int64_t entries, int64_t bytes,
                         int64_t newly_dropped) {
  absl::MutexLock lock(&mu_);
  spool_entries_ = static_cast<double>(entries);
  spool_bytes_value_ = static_cast<double>(bytes);
  if (newly_dropped > 0) spool_dropped_delta_ += newly_dropped;
}

void AgentMetrics::CycleCpu(absl::string_view phase, absl::Duration cpu) {
  const int i = IndexOf(kPhaseNames, phase);
  if (i < 0 || cpu <= absl::ZeroDuration()) return;
  absl::MutexLock lock(&mu_);
  cpu_delta_[i] += absl::ToDoubleSeconds(cpu);
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
