// Copyright 2026 The leakprof Authors.

#include "analyzer/memory_source.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace leakprof {
namespace analyzer {
namespace {

absl::StatusOr<size_t> PageStart(const std::string& token) {
  if (token.empty()) return 0;
  size_t start = 0;
  if (!absl::SimpleAtoi(token, &start)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad page_token \"", token, "\""));
  }
  return start;
}

size_t PageSize(int32_t requested, size_t default_size, size_t max_size) {
  if (requested <= 0) return default_size;
  return std::min<size_t>(requested, max_size);
}

// Indices of the points of `s` inside [start, end), reduced to the last one
// per step when step > 0.
std::vector<size_t> PointsIn(const MemorySeries& s, int64_t start, int64_t end,
                             int64_t step) {
  std::vector<size_t> out;
  const std::vector<int64_t>& ts = *s.timestamps;
  auto lo = std::lower_bound(ts.begin(), ts.end(), start);
  auto hi = std::lower_bound(ts.begin(), ts.end(), end);
  for (auto it = lo; it != hi; ++it) {
    const size_t i = static_cast<size_t>(it - ts.begin());
    if (step > 0 && !out.empty() &&
        (ts[out.back()] - start) / step == (ts[i] - start) / step) {
      out.back() = i;
    } else {
      out.push_back(i);
    }
  }
  return out;
}

}  // namespace

void MemoryFleetSource::set_now(int64_t now_unix_seconds) {
  absl::MutexLock lock(&mu_);
  now_ = now_unix_seconds;
}

void MemoryFleetSource::AddSite(const std::string& service,
                                v1::SiteSummary site,
                                std::vector<v1::StackInfo> stacks,
                                std::vector<MemorySeries> series) {
  absl::MutexLock lock(&mu_);
  site.clear_stack_ids();
  for (v1::StackInfo& stack : stacks) {
    site.add_stack_ids(stack.stack_id());
    const uint64_t id = stack.stack_id();
    stacks_[id] = std::move(stack);
  }
  Site& s = services_[service][site.site_id()];
  s.summary = std::move(site);
  s.series = std::move(series);
}

int64_t MemoryFleetSource::calls(const std::string& method) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

std::pair<int64_t, int64_t> MemoryFleetSource::Resolve(
    const v1::Window& window) const {
  const int64_t end =
      window.end_unix_seconds() == 0 ? now_ + 1 : window.end_unix_seconds();
  const int64_t start = window.start_unix_seconds();
  return {start, end};
}

v1::SiteSummary MemoryFleetSource::Summarize(const Site& site, int64_t start,
                                             int64_t end) const {
  v1::SiteSummary out = site.summary;
  int64_t goroutines = 0, instances = 0, last_seen = 0, first_seen = 0;
  for (const MemorySeries& s : site.series) {
    std::vector<size_t> points = PointsIn(s, start, end, 0);
    if (points.empty()) continue;
    const int64_t latest = s.counts[points.back()];
    goroutines += latest;
    if (latest > 0) ++instances;
    last_seen = std::max(last_seen, (*s.timestamps)[points.back()]);
    const int64_t first = (*s.timestamps)[points.front()];
    if (first_seen == 0 || first < first_seen) first_seen = first;
  }
  out.set_goroutines(goroutines);
  out.set_instances(static_cast<int32_t>(instances));
  out.set_last_seen_unix_seconds(last_seen);
  out.set_first_seen_unix_seconds(first_seen);
  return out;
}

absl::StatusOr<v1::ListServicesResponse> MemoryFleetSource::ListServices(
    const v1::ListServicesRequest& request) {
  absl::MutexLock lock(&mu_);
  ++calls_["ListServices"];
  auto [start, end] = Resolve(request.window());
  absl::StatusOr<size_t> first = PageStart(request.page_token());
  if (!first.ok()) return first.status();
  const size_t page = PageSize(request.page_size(), 100, 1000);
  v1::ListServicesResponse response;
  size_t index = 0;
  for (const auto& [name, sites] : services_) {
    std::map<std::string, int64_t> latest;  // instance -> latest total
    int64_t last_seen = 0;
    for (const auto& [id, site] : sites) {
      for (const MemorySeries& s : site.series) {
        std::vector<size_t> points = PointsIn(s, start, end, 0);
        if (points.empty()) continue;
        latest[s.instance] += s.counts[points.back()];
        last_seen = std::max(last_seen, (*s.timestamps)[points.back()]);
      }
    }
    if (latest.empty()) continue;
    if (index++ < *first) continue;
    if (response.services_size() == static_cast<int>(page)) {
      response.set_next_page_token(absl::StrCat(index - 1));
      break;
    }
    v1::ServiceSummary* summary = response.add_services();
    summary->set_service(name);
    summary->set_instances(static_cast<int32_t>(latest.size()));
    summary->set_last_seen_unix_seconds(last_seen);
    int64_t total = 0;
    for (const auto& [instance, count] : latest) total += count;
    summary->set_goroutines(total);
  }
  return response;
}

absl::StatusOr<v1::ListSitesResponse> MemoryFleetSource::ListSites(
    const v1::ListSitesRequest& request) {
  absl::MutexLock lock(&mu_);
  ++calls_["ListSites"];
  auto [start, end] = Resolve(request.window());
  absl::StatusOr<size_t> first = PageStart(request.page_token());
  if (!first.ok()) return first.status();
  const size_t page = PageSize(request.page_size(), 100, 1000);
  auto it = services_.find(request.service());
  v1::ListSitesResponse response;
  if (it == services_.end()) return response;
  std::vector<v1::SiteSummary> all;
  for (const auto& [id, site] : it->second) {
    v1::SiteSummary summary = Summarize(site, start, end);
    if (summary.last_seen_unix_seconds() == 0) continue;
    all.push_back(std::move(summary));
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.goroutines() > b.goroutines();
  });
  for (size_t i = *first; i < all.size(); ++i) {
    if (response.sites_size() == static_cast<int>(page)) {
      response.set_next_page_token(absl::StrCat(i));
      break;
    }
    *response.add_sites() = std::move(all[i]);
  }
  return response;
}

absl::StatusOr<v1::GetSiteSeriesResponse> MemoryFleetSource::GetSiteSeries(
    const v1::GetSiteSeriesRequest& request) {
  absl::MutexLock lock(&mu_);
  ++calls_["GetSiteSeries"];
  if (request.step_seconds() < 0) {
    return absl::InvalidArgumentError("step_seconds must be >= 0");
  }
  auto service = services_.find(request.service());
  if (service == services_.end()) {
    return absl::NotFoundError(
        absl::StrCat("no service \"", request.service(), "\""));
  }
  auto site = service->second.find(request.site_id());
  if (site == service->second.end()) {
    return absl::NotFoundError("no such site");
  }
  auto [start, end] = Resolve(request.window());
  absl::StatusOr<size_t> first = PageStart(request.page_token());
  if (!first.ok()) return first.status();
  const size_t page = PageSize(request.max_instances(), 1000, 10000);
  const int64_t step = request.step_seconds();
  v1::GetSiteSeriesResponse response;
  *response.mutable_site() = Summarize(site->second, start, end);
  std::map<int64_t, int64_t> fleet;
  size_t index = 0;
  for (const MemorySeries& s : site->second.series) {
    std::vector<size_t> points = PointsIn(s, start, end, step);
    if (points.empty()) continue;
    if (index++ < *first) continue;
    if (response.instances_size() == static_cast<int>(page)) {
      response.set_next_page_token(absl::StrCat(index - 1));
      break;
    }
    v1::InstanceSeries* out = response.add_instances();
    out->set_instance(s.instance);
    out->mutable_timestamps_unix_seconds()->Reserve(points.size());
    out->mutable_counts()->Reserve(points.size());
    for (size_t i : points) {
      const int64_t ts = (*s.timestamps)[i];
      out->add_timestamps_unix_seconds(ts);
      out->add_counts(s.counts[i]);
      fleet[step > 0 ? start + (ts - start) / step * step : ts] += s.counts[i];
    }
    for (const v1::Epoch& e : s.epochs) *out->add_epochs() = e;
  }
  for (const auto& [ts, count] : fleet) {
    response.add_fleet_timestamps_unix_seconds(ts);
    response.add_fleet_counts(count);
  }
  return response;
}

absl::StatusOr<v1::GetStackResponse> MemoryFleetSource::GetStack(
    const v1::GetStackRequest& request) {
  absl::MutexLock lock(&mu_);
  ++calls_["GetStack"];
  auto it = stacks_.find(request.stack_id());
  if (it == stacks_.end()) return absl::NotFoundError("no such stack");
  v1::GetStackResponse response;
  *response.mutable_stack() = it->second;
  return response;
}

absl::StatusOr<StateEntry> MemoryStateStore::Get(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  StateEntry entry;
  auto it = data_.find(key);
  if (it == data_.end()) return entry;
  entry.found = true;
  entry.value = it->second.first;
  entry.version = it->second.second;
  return entry;
}

absl::StatusOr<uint64_t> MemoryStateStore::Put(absl::string_view key,
                                               absl::string_view value,
                                               uint64_t expected_version) {
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  auto it = data_.find(key);
  const uint64_t current = it == data_.end() ? 0 : it->second.second;
  if (current != expected_version) {
    return absl::FailedPreconditionError(
        absl::StrCat("state \"", key, "\" is at version ", current, ", not ",
                     expected_version));
  }
  const uint64_t version = next_version_++;
  data_[std::string(key)] = {std::string(value), version};
  return version;
}

absl::StatusOr<std::vector<std::string>> MemoryStateStore::List(
    absl::string_view prefix) {
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  std::vector<std::string> keys;
  for (auto it = data_.lower_bound(prefix);
       it != data_.end() && absl::StartsWith(it->first, prefix); ++it) {
    keys.push_back(it->first);
  }
  return keys;
}

void MemoryStateStore::set_failure(absl::Status status) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(status);
}

}  // namespace analyzer
}  // namespace leakprof
