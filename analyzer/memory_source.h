// Copyright 2026 The leakprof Authors.
//
// In-memory FleetSource and StateStore: for unit tests of the ranking and
// alerting logic, the benchmark, and `leakprof-analyzer --once --input` style
// runs over recorded data. Semantics follow proto/query.proto: windows are
// half-open [start, end), step > 0 keeps the last point of each instance per
// step, lists are paginated by page_size with opaque tokens.
//
// Thread safety: every method may be called from any thread; Add* calls are
// serialized with readers by a mutex.

#ifndef LEAKPROF_ANALYZER_MEMORY_SOURCE_H_
#define LEAKPROF_ANALYZER_MEMORY_SOURCE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "analyzer/fleet_source.h"

namespace leakprof {
namespace analyzer {

// One instance's counts at one site.
struct MemorySeries {
  std::string instance;
  // Ascending Unix seconds; may be shared between series (benchmarks).
  std::shared_ptr<const std::vector<int64_t>> timestamps;
  std::vector<int64_t> counts;    // same length as *timestamps
  std::vector<v1::Epoch> epochs;  // may be empty
};

class MemoryFleetSource : public FleetSource {
 public:
  // `now_unix_seconds` stands for "now" when a window's end is 0.
  explicit MemoryFleetSource(int64_t now_unix_seconds)
      : now_(now_unix_seconds) {}

  void set_now(int64_t now_unix_seconds) ABSL_LOCKS_EXCLUDED(mu_);

  // Adds (or replaces) a site of `service`. `site.site_id` names it; its
  // goroutines/instances fields are recomputed from `series` on each query;
  // `stacks` are served by GetStack (site.stack_ids is filled from them).
  void AddSite(const std::string& service, v1::SiteSummary site,
               std::vector<v1::StackInfo> stacks,
               std::vector<MemorySeries> series) ABSL_LOCKS_EXCLUDED(mu_);

  absl::StatusOr<v1::ListServicesResponse> ListServices(
      const v1::ListServicesRequest& request) override;
  absl::StatusOr<v1::ListSitesResponse> ListSites(
      const v1::ListSitesRequest& request) override;
  absl::StatusOr<v1::GetSiteSeriesResponse> GetSiteSeries(
      const v1::GetSiteSeriesRequest& request) override;
  absl::StatusOr<v1::GetStackResponse> GetStack(
      const v1::GetStackRequest& request) override;

  // Calls served so far, by method name ("GetSiteSeries", ...).
  int64_t calls(const std::string& method) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Site {
    v1::SiteSummary summary;
    std::vector<MemorySeries> series;
  };
  std::pair<int64_t, int64_t> Resolve(const v1::Window& window) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The summary with goroutines/instances/last_seen computed in the window.
  v1::SiteSummary Summarize(const Site& site, int64_t start, int64_t end) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  int64_t now_ ABSL_GUARDED_BY(mu_);
  // service -> site_id -> site
  std::map<std::string, std::map<uint64_t, Site>> services_
      ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, v1::StackInfo> stacks_ ABSL_GUARDED_BY(mu_);
  mutable std::map<std::string, int64_t> calls_ ABSL_GUARDED_BY(mu_);
};

class MemoryStateStore : public StateStore {
 public:
  absl::StatusOr<StateEntry> Get(absl::string_view key) override;
  absl::StatusOr<uint64_t> Put(absl::string_view key, absl::string_view value,
                               uint64_t expected_version) override;
  absl::StatusOr<std::vector<std::string>> List(
      absl::string_view prefix) override;

  // When set, every call fails with this status (fault injection).
  void set_failure(absl::Status status) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Mutex mu_;
  std::map<std::string, std::pair<std::string, uint64_t>, std::less<>> data_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_version_ ABSL_GUARDED_BY(mu_) = 1;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_MEMORY_SOURCE_H_
