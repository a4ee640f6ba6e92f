// Copyright 2026 The leakprof Authors.

#include "agent/scraper.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/log.h"
#include "agent/snapshot_builder.h"
#include "common/goprof/parser.h"

namespace leakprof {
namespace agent {
namespace {

// The `result` label of a failed scrape.
absl::string_view ResultOf(const absl::Status& s, bool parsing) {
  if (s.ok()) return "ok";
  if (parsing) {
    return s.code() == absl::StatusCode::kResourceExhausted ? "too_large"
                                                            : "parse_error";
  }
  switch (s.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return "timeout";
    case absl::StatusCode::kResourceExhausted:
      return "too_large";
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
      return "http_error";
    case absl::StatusCode::kUnavailable:
      return absl::StrContains(s.message(), ": HTTP status ") ? "http_error"
                                                              : "unreachable";
    default:
      return "unreachable";
  }
}

}  // namespace

constexpr double kTargetCpuPerFetchSecond = 3.0;

absl::Duration StretchedInterval(absl::Duration base, absl::Duration cost,
                                 double budget) {
  if (budget <= 0) return base;
  return std::max(base, cost / budget);
}

TargetScraper::TargetScraper(TargetConfig target, ScrapeOptions options,
                             http::Fetcher* fetcher, DefinitionStore* store,
                             AgentMetrics* metrics, SequenceSource sequence)
    : target_(std::move(target)),
      options_(std::move(options)),
      fetcher_(fetcher),
      store_(store),
      metrics_(metrics),
      sequence_(std::move(sequence)),
      interval_(options_.interval) {}

void TargetScraper::LogResult(absl::string_view profile,
                              const absl::Status& status) {
  const std::string now = absl::StrCat(profile, " ", status.ToString());
  // Log each change of outcome, not every repeat of it.
  if (now == last_logged_) return;
  last_logged_ = now;
  Log(absl::StrCat("target ", target_.service, "/", target_.instance, " ",
                   profile, ": ",
                   status.ok() ? "ok" : std::string(status.ToString())));
}

void TargetScraper::UpdateProcessInfo() {
  if (!options_.look_up_process) return;
  const absl::Time now = absl::Now();
  if (now < next_process_lookup_) return;
  next_process_lookup_ = now + absl::Minutes(10);
  ProcessInfo info = LookUpProcess(target_.url);
  if (info.pid != process_.pid ||
      info.start_unix_nanos != process_.start_unix_nanos) {
    if (info.pid != 0) {
      Log(absl::StrCat(
          "target ", target_.service, "/", target_.instance, ": process ",
          info.pid, ", ",
          info.go_version.empty() ? "Go version unknown" : info.go_version));
    }
  }
  process_ = std::move(info);
}

TargetScraper::Scraped TargetScraper::ScrapeOne(
    const std::string& url, absl::string_view profile_label) {
  Scraped out{absl::UnknownError(""), absl::ZeroDuration()};
  http::FetchOptions fo;
  fo.timeout = options_.timeout;
  fo.max_body_bytes = options_.max_profile_bytes;
  const absl::Time start = absl::Now();
  const absl::Time fetched_at = start;
  const absl::Duration cpu_start = ThreadCpuNow();
  absl::StatusOr<http::FetchResult> body = fetcher_->Get(url, fo);
  out.fetch_time = absl::Now() - start;
  const absl::Duration cpu_fetched = ThreadCpuNow();
  if (metrics_ != nullptr) metrics_->CycleCpu("fetch", cpu_fetched - cpu_start);
  if (!body.ok()) {
    if (metrics_ != nullptr) {
      metrics_->Scrape(target_.service, target_.instance, profile_label,
                       ResultOf(body.status(), false), out.fetch_time, -1);
    }
    out.snapshot = body.status();
    return out;
  }
  goprof::ParseOptions po;
  po.max_body_bytes = 2 * options_.max_profile_bytes;
  absl::StatusOr<goprof::Profile> profile = goprof::Parse(body->body, po);
  const absl::Duration took = absl::Now() - start;
  const absl::Duration cpu_parsed = ThreadCpuNow();
  if (metrics_ != nullptr)
    metrics_->CycleCpu("parse", cpu_parsed - cpu_fetched);
  if (!profile.ok()) {
    if (metrics_ != nullptr) {
      metrics_->Scrape(target_.service, target_.instance, profile_label,
                       ResultOf(profile.status(), true), took,
                       static_cast<int64_t>(body->body.size()));
    }
    out.snapshot = absl::Status(
        profile.status().code(),
        absl::StrCat("GET ", url, ": ", profile.status().message()));
    return out;
  }
  if (metrics_ != nullptr) {
    metrics_->Scrape(target_.service, target_.instance, profile_label, "ok",
                     took, static_cast<int64_t>(body->body.size()));
  }
  absl::StatusOr<uint64_t> seq = sequence_();
  if (!seq.ok()) {
    out.snapshot = seq.status();
    return out;
  }
  SnapshotMeta meta;
  meta.service = target_.service;
  meta.instance = target_.instance;
  meta.labels = target_.labels;
  meta.timestamp_unix_nanos = absl::ToUnixNanos(fetched_at);
  meta.process_start_unix_nanos = process_.start_unix_nanos;
  meta.go_version = process_.go_version;
  meta.sequence = *seq;
  meta.agent_version = options_.agent_version;
  out.snapshot = BuildSnapshot(*profile, meta, store_);
  if (metrics_ != nullptr) {
    metrics_->CycleCpu("snapshot", ThreadCpuNow() - cpu_parsed);
  }
  return out;
}

TargetScraper::Cycle TargetScraper::RunOnce() {
  Cycle cycle;
  UpdateProcessInfo();
  const absl::Time now = absl::Now();

  // Main profile: debug=2 when due and small enough, else debug=0.
  bool have_main = false;
  absl::Duration cost = absl::ZeroDuration();
  if (options_.debug2_interval > absl::ZeroDuration() && now >= next_debug2_ &&
      last_goroutines_ >= 0 &&
      last_goroutines_ < options_.debug2_max_goroutines) {
    next_debug2_ = now + options_.debug2_interval;
    Scraped d2 =
        ScrapeOne(absl::StrCat(target_.url, "goroutine?debug=2"), "debug2");
    LogResult("debug2", d2.snapshot.status());
    if (d2.snapshot.ok()) {
      have_main = true;
      cost = d2.fetch_time;
      last_goroutines_ = d2.snapshot->total_goroutines();
      cycle.snapshots.push_back(*std::move(d2.snapshot));
    }
  }
  if (!have_main) {
    Scraped d0 =
        ScrapeOne(absl::StrCat(target_.url, "goroutine?debug=0"), "goroutine");
    LogResult("goroutine", d0.snapshot.status());
    cost = d0.fetch_time;
    cycle.status = d0.snapshot.status();
    if (d0.snapshot.ok()) {
      have_main = true;
      last_goroutines_ = d0.snapshot->total_goroutines();
      cycle.snapshots.push_back(*std::move(d0.snapshot));
    }
  }
  if (have_main && metrics_ != nullptr) {
    metrics_->Goroutines(target_.service, target_.instance, last_goroutines_);
    metrics_->LastSuccess(target_.service, target_.instance, absl::Now());
  }
  if (!have_main) {
    // Re-check the process next time it answers (it may have restarted).
    next_process_lookup_ = absl::InfinitePast();
  }

  // goroutineleak: only while the target answers, when due.
  if (have_main && leak_supported_ &&
      options_.leak_interval > absl::ZeroDuration() && now >= next_leak_) {
    next_leak_ = now + options_.leak_interval;
    Scraped leak =
        ScrapeOne(absl::StrCat(target_.url, "goroutineleak"), "goroutineleak");
    if (leak.snapshot.ok()) {
      cycle.snapshots.push_back(*std::move(leak.snapshot));
    } else if (leak.snapshot.status().code() == absl::StatusCode::kNotFound) {
      leak_supported_ = false;
      Log(absl::StrCat("target ", target_.service, "/", target_.instance,
                       ": no goroutineleak profile (404); not asking again"));
    } else {
      LogResult("goroutineleak", leak.snapshot.status());
    }
  }

  // The target's CPU for the profile, estimated from the fetch's wall time:
  // Go's GC (the profile's allocations pay for a share of a cycle) runs
  // beside the goroutine writing it, so the target spends more CPU than the
  // wall time: measured 1.0-2.3x at 10k goroutines (benchmarks.md); 3x
  // keeps the budget with a margin.
  last_cost_ = cost * kTargetCpuPerFetchSecond;
  // Jitter may shorten an interval by `j`: the budget holds for the
  // shortest one too.
  const double j = std::clamp(options_.jitter, 0.0, 0.9);
  interval_ = StretchedInterval(options_.interval, last_cost_,
                                options_.budget * (1.0 - j));
  if (metrics_ != nullptr) {
    metrics_->Interval(target_.service, target_.instance, interval_);
  }
  cycle.next_interval = interval_ * absl::Uniform(gen_, 1.0 - j, 1.0 + j);
  return cycle;
}

}  // namespace agent
}  // namespace leakprof
