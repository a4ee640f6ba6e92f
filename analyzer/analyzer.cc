// Copyright 2026 The leakprof Authors.

#include "analyzer/analyzer.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/goprof/stack_id.h"

namespace leakprof {
namespace analyzer {
namespace {

constexpr size_t kMaxCachedStacks = 200000;

absl::Status Annotate(const absl::Status& status, absl::string_view what) {
  return absl::Status(status.code(),
                      absl::StrCat(what, ": ", status.message()));
}

}  // namespace

Analyzer::Analyzer(AnalyzerOptions options, FleetSource* source,
                   IgnoreRules ignore, Routing routing,
                   std::function<absl::Time()> now)
    : options_(std::move(options)),
      source_(source),
      ignore_(std::move(ignore)),
      routing_(std::move(routing)),
      now_(now ? std::move(now) : [] { return absl::Now(); }) {}

std::shared_ptr<const Report> Analyzer::latest() const {
  absl::MutexLock lock(&mu_);
  return latest_;
}

v1::Window Analyzer::WindowAt(int64_t now_s) const {
  v1::Window window;
  int64_t start = now_s - absl::ToInt64Seconds(options_.window);
  // Aligned to the step, so the collector's step buckets are the same in
  // every round (and in incremental reads).
  const int64_t step = StepSeconds();
  if (step > 1) start -= ((start % step) + step) % step;
  window.set_start_unix_seconds(start);
  window.set_end_unix_seconds(0);  // now
  return window;
}

int64_t Analyzer::StepSeconds() const {
  if (options_.series_points <= 0) return 0;
  return std::max<int64_t>(
      1, absl::ToInt64Seconds(options_.window) / options_.series_points);
}

absl::StatusOr<v1::StackInfo> Analyzer::Stack(uint64_t stack_id) {
  {
    absl::MutexLock lock(&stack_mu_);
    auto it = stacks_.find(stack_id);
    if (it != stacks_.end()) return it->second;
  }
  v1::GetStackRequest request;
  request.set_stack_id(stack_id);
  absl::StatusOr<v1::GetStackResponse> response = source_->GetStack(request);
  if (!response.ok()) return response.status();
  absl::MutexLock lock(&stack_mu_);
  if (stacks_.size() >= kMaxCachedStacks) stacks_.clear();
  stacks_[stack_id] = response->stack();
  return response->stack();
}

absl::StatusOr<std::vector<SiteInput>> Analyzer::ListInputs(
    const std::string& service, int64_t now_s) {
  std::vector<SiteInput> inputs;
  v1::ListSitesRequest request;
  request.set_service(service);
  *request.mutable_window() = WindowAt(now_s);
  request.set_page_size(1000);
  while (static_cast<int>(inputs.size()) < options_.max_sites_per_service) {
    absl::StatusOr<v1::ListSitesResponse> page = source_->ListSites(request);
    if (!page.ok()) {
      return Annotate(page.status(), absl::StrCat("ListSites ", service));
    }
    for (v1::SiteSummary& site : *page->mutable_sites()) {
      if (static_cast<int>(inputs.size()) >= options_.max_sites_per_service) {
        break;
      }
      SiteInput& input = inputs.emplace_back();
      input.service = service;
      input.summary = std::move(site);
      input.window_end_unix_seconds = now_s;
    }
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  return inputs;
}

absl::Status Analyzer::FillSite(SiteInput* input, int64_t now_s) {
  if (input->summary.stack_ids_size() > 0) {
    absl::StatusOr<v1::StackInfo> stack = Stack(input->summary.stack_ids(0));
    if (stack.ok()) {
      input->stack = *std::move(stack);
    } else if (stack.status().code() != absl::StatusCode::kNotFound) {
      return Annotate(stack.status(), "GetStack");
    }
  }
  if (input->stack.frames_size() == 0) {
    // Unknown stack: the site frame alone.
    *input->stack.add_frames() = input->summary.site();
    input->stack.set_site_frame(0);
  }
  if (!NeedsSeries(*input, options_.ranking, ignore_)) return absl::OkStatus();
  const v1::Window window = WindowAt(now_s);
  const int64_t step = StepSeconds();
  const auto key = std::make_pair(input->service, input->summary.site_id());
  // Incremental: take the kept series and read only from `refetch_from`.
  int64_t fetch_from = window.start_unix_seconds();
  std::vector<v1::InstanceSeries> kept;
  if (options_.incremental) {
    absl::MutexLock lock(&cache_mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() &&
        it->second.refetch_from > window.start_unix_seconds()) {
      fetch_from = it->second.refetch_from;
      kept = std::move(it->second.series);
      cached_points_ -= it->second.points;
      cache_.erase(it);
    }
  }
  v1::GetSiteSeriesRequest request;
  request.set_service(input->service);
  request.set_site_id(input->summary.site_id());
  *request.mutable_window() = window;
  request.mutable_window()->set_start_unix_seconds(fetch_from);
  request.set_step_seconds(step);
  request.set_max_instances(10000);
  std::vector<v1::InstanceSeries> fetched;
  while (true) {
    absl::StatusOr<v1::GetSiteSeriesResponse> page =
        source_->GetSiteSeries(request);
    if (!page.ok()) {
      return Annotate(page.status(),
                      absl::StrCat("GetSiteSeries ", input->service, " ",
                                   goprof::FormatId(input->summary.site_id())));
    }
    for (v1::InstanceSeries& s : *page->mutable_instances()) {
      points_read_ += s.counts_size();
      fetched.push_back(std::move(s));
    }
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  input->series = MergeSeries(std::move(kept), std::move(fetched),
                              window.start_unix_seconds(), fetch_from);
  input->cacheable = options_.incremental && !input->series.empty();
  return absl::OkStatus();
}

void Analyzer::Keep(SiteInput* input, int64_t now_s) {
  if (!input->cacheable) return;
  int64_t points = 0;
  for (const v1::InstanceSeries& s : input->series) points += s.counts_size();
  const int64_t step = StepSeconds();
  int64_t refetch = now_s - absl::ToInt64Seconds(options_.late_margin);
  if (step > 1) refetch -= ((refetch % step) + step) % step;
  absl::MutexLock lock(&cache_mu_);
  if (cached_points_ + points > options_.max_cached_points) return;
  CachedSite& c =
      cache_[std::make_pair(input->service, input->summary.site_id())];
  c.refetch_from = refetch;
  c.series = std::move(input->series);  // scored already
  c.points = points;
  c.round = round_;
  cached_points_ += points;
}

std::vector<v1::InstanceSeries> MergeSeries(
    std::vector<v1::InstanceSeries> kept,
    std::vector<v1::InstanceSeries> fetched, int64_t window_start,
    int64_t fetched_from) {
  if (kept.empty()) return fetched;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < kept.size(); ++i) index[kept[i].instance()] = i;
  for (v1::InstanceSeries& f : fetched) {
    auto it = index.find(f.instance());
    if (it == index.end()) {
      index[f.instance()] = kept.size();
      kept.push_back(std::move(f));
      continue;
    }
    v1::InstanceSeries& k = kept[it->second];
    // Kept points before the re-read, then the re-read ones.
    int keep = 0;
    while (keep < k.timestamps_unix_seconds_size() && keep < k.counts_size() &&
           k.timestamps_unix_seconds(keep) < fetched_from) {
      ++keep;
    }
    k.mutable_timestamps_unix_seconds()->Truncate(keep);
    k.mutable_counts()->Truncate(keep);
    for (int i = 0; i < f.timestamps_unix_seconds_size() && i < f.counts_size();
         ++i) {
      k.add_timestamps_unix_seconds(f.timestamps_unix_seconds(i));
      k.add_counts(f.counts(i));
    }
    // Epochs: the kept ones, then the new ones not already there.
    for (const v1::Epoch& e : f.epochs()) {
      bool known = false;
      for (const v1::Epoch& old : k.epochs()) {
        if (old.since_unix_seconds() == e.since_unix_seconds() &&
            old.process_start_unix_seconds() ==
                e.process_start_unix_seconds()) {
          known = true;
          break;
        }
      }
      if (!known) *k.add_epochs() = e;
    }
  }
  // Drop what slid out of the window, and instances left with nothing.
  std::vector<v1::InstanceSeries> out;
  out.reserve(kept.size());
  for (v1::InstanceSeries& k : kept) {
    int drop = 0;
    while (drop < k.timestamps_unix_seconds_size() &&
           k.timestamps_unix_seconds(drop) < window_start) {
      ++drop;
    }
    if (drop > 0) {
      k.mutable_timestamps_unix_seconds()->erase(
          k.mutable_timestamps_unix_seconds()->begin(),
          k.mutable_timestamps_unix_seconds()->begin() + drop);
      k.mutable_counts()->erase(
          k.mutable_counts()->begin(),
          k.mutable_counts()->begin() + std::min(drop, k.counts_size()));
    }
    if (k.timestamps_unix_seconds_size() == 0) continue;
    std::sort(k.mutable_epochs()->begin(), k.mutable_epochs()->end(),
              [](const v1::Epoch& a, const v1::Epoch& b) {
                return a.since_unix_seconds() < b.since_unix_seconds();
              });
    out.push_back(std::move(k));
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const Report>> Analyzer::Evaluate() {
  absl::MutexLock eval_lock(&eval_mu_);
  const absl::Time start = absl::Now();
  const int64_t now_s = absl::ToUnixSeconds(now_());
  ++round_;
  points_read_ = 0;
  auto report = std::make_shared<Report>();
  report->generated_at = now_s;
  report->window_seconds = absl::ToInt64Seconds(options_.window);

  // Services, all pages.
  std::vector<v1::ServiceSummary> services;
  v1::ListServicesRequest list;
  *list.mutable_window() = WindowAt(now_s);
  list.set_page_size(1000);
  while (true) {
    absl::StatusOr<v1::ListServicesResponse> page = source_->ListServices(list);
    if (!page.ok()) return Annotate(page.status(), "ListServices");
    for (const v1::ServiceSummary& s : page->services()) services.push_back(s);
    if (page->next_page_token().empty()) break;
    list.set_page_token(page->next_page_token());
  }

  std::vector<SiteInput> inputs;
  for (const v1::ServiceSummary& s : services) {
    absl::StatusOr<std::vector<SiteInput>> sites =
        ListInputs(s.service(), now_s);
    if (!sites.ok()) return sites.status();
    for (SiteInput& in : *sites) inputs.push_back(std::move(in));
  }

  // Fetch and score on `parallelism` threads; each site's series is
  // dropped as soon as it is scored.
  std::vector<SiteReport> scored(inputs.size());
  std::atomic<size_t> next{0};
  absl::Mutex error_mu;
  absl::Status error;
  auto work = [&] {
    for (size_t i = next++; i < inputs.size(); i = next++) {
      absl::Status status = FillSite(&inputs[i], now_s);
      if (!status.ok()) {
        absl::MutexLock lock(&error_mu);
        if (error.ok()) error = status;
        next = inputs.size();
        return;
      }
      scored[i] = ScoreSite(inputs[i], options_.ranking, ignore_);
      SiteKey key{scored[i].service, &scored[i].stack, scored[i].site_frame};
      RouteResult route = routing_.Route(key);
      scored[i].owner = std::move(route.owner);
      scored[i].route_labels = std::move(route.labels);
      Keep(&inputs[i], now_s);
      inputs[i].series.clear();
      inputs[i].series.shrink_to_fit();
    }
  };
  const int threads = std::max(
      1, std::min<int>(options_.parallelism, static_cast<int>(inputs.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (!error.ok()) return error;

  // Forget the kept series of sites this round did not read.
  {
    absl::MutexLock lock(&cache_mu_);
    for (auto it = cache_.begin(); it != cache_.end();) {
      if (it->second.round != round_) {
        cached_points_ -= it->second.points;
        it = cache_.erase(it);
      } else {
        ++it;
      }
    }
  }
  RankSites(&scored);
  std::map<std::string, int> suspects_per_service;
  for (const SiteReport& r : scored) {
    if (r.suspect) {
      ++report->suspects;
      ++suspects_per_service[r.service];
    }
  }
  for (const v1::ServiceSummary& s : services) {
    ServiceReport& out = report->services.emplace_back();
    out.service = s.service();
    out.instances = s.instances();
    out.goroutines = s.goroutines();
    out.suspects = suspects_per_service[s.service()];
  }
  report->sites = std::move(scored);
  report->duration_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::shared_ptr<const Report> result = std::move(report);
  absl::MutexLock lock(&mu_);
  latest_ = result;
  return result;
}

absl::StatusOr<SiteSeries> Analyzer::ReadSiteSeries(const std::string& service,
                                                    uint64_t site_id) const {
  const int64_t now_s = absl::ToUnixSeconds(now_());
  v1::GetSiteSeriesRequest request;
  request.set_service(service);
  request.set_site_id(site_id);
  *request.mutable_window() = WindowAt(now_s);
  request.set_step_seconds(StepSeconds());
  request.set_max_instances(1000);  // the page shows at most this many
  absl::StatusOr<v1::GetSiteSeriesResponse> response =
      source_->GetSiteSeries(request);
  if (!response.ok()) return response.status();
  SiteSeries out;
  out.step_seconds = request.step_seconds();
  for (int i = 0; i < response->fleet_timestamps_unix_seconds_size() &&
                  i < response->fleet_counts_size();
       ++i) {
    out.fleet.emplace_back(response->fleet_timestamps_unix_seconds(i),
                           response->fleet_counts(i));
  }
  for (const v1::InstanceSeries& s : response->instances()) {
    SiteSeries::Instance& inst = out.instances.emplace_back();
    inst.instance = s.instance();
    for (int i = 0; i < s.timestamps_unix_seconds_size() && i < s.counts_size();
         ++i) {
      inst.points.emplace_back(s.timestamps_unix_seconds(i), s.counts(i));
    }
  }
  return out;
}

}  // namespace analyzer
}  // namespace leakprof
