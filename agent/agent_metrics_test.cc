// Copyright 2026 The leakprof Authors.

#include "agent/agent_metrics.h"

#include <string>

#include "common/server/admin_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Text(AgentMetrics& m) { return SerializeMetrics(*m.registry()); }

TEST(AgentMetricsTest, UpdatesShowAfterAFlushAsIfAppliedAtOnce) {
  AgentMetrics m;
  const std::shared_ptr<prometheus::Registry> registry = m.registry();
  m.Scrape("svc", "i-1", "goroutine", "ok", absl::Milliseconds(2), 3000);
  m.Scrape("svc", "i-1", "goroutine", "ok", absl::Milliseconds(40), 3100);
  m.Scrape("svc", "i-1", "goroutine", "timeout", absl::Seconds(3), -1);
  m.Goroutines("svc", "i-1", 10000);
  m.Interval("svc", "i-1", absl::Seconds(60));
  m.Push("ok", absl::Milliseconds(1));
  m.Spool(2, 500, 1);
  m.CycleCpu("parse", absl::Microseconds(250));
  // Kept aside until a flush.
  EXPECT_THAT(SerializeMetrics(*registry),
              Not(HasSubstr("leakprof_agent_target_goroutines{")));

  const std::string t = Text(m);  // registry() flushes
  EXPECT_THAT(t, HasSubstr("leakprof_agent_scrapes_total{instance=\"i-1\","
                           "profile=\"goroutine\",result=\"ok\",service="
                           "\"svc\"} 2"));
  EXPECT_THAT(t, HasSubstr("result=\"timeout\",service=\"svc\"} 1"));
  // Gauges keep the last value; bytes only from scrapes that had a body.
  EXPECT_THAT(t, HasSubstr("leakprof_agent_profile_bytes{instance=\"i-1\","
                           "profile=\"goroutine\",service=\"svc\"} 3100"));
  EXPECT_THAT(t, HasSubstr("leakprof_agent_target_goroutines{instance="
                           "\"i-1\",service=\"svc\"} 10000"));
  EXPECT_THAT(t, HasSubstr("leakprof_agent_scrape_interval_seconds{instance="
                           "\"i-1\",service=\"svc\"} 60"));
  // The histogram: 2 ms in le=0.0025, 40 ms in le=0.05, 3 s in le=5.
  EXPECT_THAT(t, HasSubstr("leakprof_agent_scrape_duration_seconds_count{"
                           "profile=\"goroutine\",service=\"svc\"} 3"));
  EXPECT_THAT(t, HasSubstr("leakprof_agent_scrape_duration_seconds_bucket{"
                           "profile=\"goroutine\",service=\"svc\",le="
                           "\"0.0025\"} 1"));
  EXPECT_THAT(t, HasSubstr("leakprof_agent_scrape_duration_seconds_bucket{"
                           "profile=\"goroutine\",service=\"svc\",le="
                           "\"0.05\"} 2"));
  EXPECT_THAT(t, HasSubstr("leakprof_agent_scrape_duration_seconds_bucket{"
                           "profile=\"goroutine\",service=\"svc\",le="
                           "\"5\"} 3"));
  EXPECT_THAT(t, HasSubstr("leakprof_agent_pushes_total{result=\"ok\"} 1"));
  EXPECT_THAT(t, HasSubstr("leakprof_agent_push_duration_seconds_count 1"));
  EXPECT_THAT(t, HasSubstr("leakprof_agent_spool_snapshots 2"));
  EXPECT_THAT(t, HasSubstr("leakprof_agent_spool_dropped_total 1"));
  EXPECT_THAT(t, HasSubstr("leakprof_agent_cpu_seconds_total{phase=\"parse\"} "
                           "0.00025"));

  // A second flush adds only what came since.
  m.Scrape("svc", "i-1", "goroutine", "ok", absl::Milliseconds(2), 3000);
  m.Spool(0, 0, 0);
  const std::string t2 = Text(m);
  EXPECT_THAT(t2, HasSubstr("profile=\"goroutine\",result=\"ok\",service="
                            "\"svc\"} 3"));
  EXPECT_THAT(t2, HasSubstr("leakprof_agent_spool_snapshots 0"));
  EXPECT_THAT(t2, HasSubstr("leakprof_agent_spool_dropped_total 1"));
}

TEST(AgentMetricsTest, TargetsAreKeptApart) {
  AgentMetrics m;
  m.Goroutines("a", "1", 5);
  m.Goroutines("a", "2", 7);
  const std::string t = Text(m);
  EXPECT_THAT(t, HasSubstr("leakprof_agent_target_goroutines{instance=\"1\","
                           "service=\"a\"} 5"));
  EXPECT_THAT(t, HasSubstr("leakprof_agent_target_goroutines{instance=\"2\","
                           "service=\"a\"} 7"));
}

}  // namespace
}  // namespace agent
}  // namespace leakprof
