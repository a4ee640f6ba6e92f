// Copyright 2026 The leakprof Authors.
//
// The agent's Prometheus metrics, exactly as docs/metrics.md (Agent) names
// them, registered in one prometheus::Registry.
//
// Thread safety: prometheus-cpp families and metrics are thread-safe.

#ifndef LEAKPROF_AGENT_AGENT_METRICS_H_
#define LEAKPROF_AGENT_AGENT_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace leakprof {
namespace agent {

class AgentMetrics {
 public:
  AgentMetrics();

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // `profile`: goroutine, goroutineleak, debug2. `result`: ok, http_error,
  // timeout, too_large, parse_error, unreachable.
  void Scrape(const std::string& service, const std::string& instance,
              absl::string_view profile, absl::string_view result,
              absl::Duration duration, int64_t body_bytes);
  void Goroutines(const std::string& service, const std::string& instance,
                  int64_t n);
  void Interval(const std::string& service, const std::string& instance,
                absl::Duration interval);
  void SnapshotBytes(const std::string& service, const std::string& instance,
                     int64_t bytes);
  void LastSuccess(const std::string& service, const std::string& instance,
                   absl::Time when);
  // `result`: ok, unknown_ids, unavailable, refused, unauthenticated, error.
  void Push(absl::string_view result, absl::Duration duration);
  void Spool(int64_t entries, int64_t bytes, int64_t newly_dropped);
  // CPU the agent's calling thread spent in one phase of a cycle: `phase`
  // is fetch, parse, snapshot or push (ThreadCpuNow() differences).
  void CycleCpu(absl::string_view phase, absl::Duration cpu);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* scrapes_;
  prometheus::Family<prometheus::Histogram>* scrape_duration_;
  prometheus::Family<prometheus::Gauge>* profile_bytes_;
  prometheus::Family<prometheus::Gauge>* goroutines_;
  prometheus::Family<prometheus::Gauge>* interval_;
  prometheus::Family<prometheus::Gauge>* snapshot_bytes_;
  prometheus::Family<prometheus::Counter>* pushes_;
  prometheus::Histogram* push_duration_;
  prometheus::Gauge* spool_snapshots_;
  prometheus::Gauge* spool_bytes_;
  prometheus::Counter* spool_dropped_;
  prometheus::Family<prometheus::Gauge>* last_success_;
  // Children of leakprof_agent_cpu_seconds_total by phase (created once:
  // this is on every cycle's path).
  prometheus::Counter* cpu_fetch_;
  prometheus::Counter* cpu_parse_;
  prometheus::Counter* cpu_snapshot_;
  prometheus::Counter* cpu_push_;
};

// CPU time consumed so far by the calling thread (CLOCK_THREAD_CPUTIME_ID).
absl::Duration ThreadCpuNow();

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_AGENT_METRICS_H_
