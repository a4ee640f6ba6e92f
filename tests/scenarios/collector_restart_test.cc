// Copyright 2026 The leakprof Authors.
//
// A real leakprof-agent pushing a real Go service's snapshots to a real
// leakprof-collector that stops and comes back on the same port and data
// directory. Proves, with the real parts, the agent's stack references
// across a collector that lost its in-memory ref tables (docs/protocol.md,
// "Stack references"): the restarted collector answers refs_unknown, the
// agent re-sends its table, and every snapshot taken while the collector
// was down is delivered from the spool; nothing is invalid, nothing dropped.
//
// Flags (set by BUILD): --service, --agent, --collector.

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/http/fetcher.h"
#include "gtest/gtest.h"
#include "tests/scenarios/child.h"
#include "tests/util/go_process.h"

namespace leakprof {
namespace scenarios {
namespace {

std::string g_service = "tests/scenarios/service_/service";
std::string g_agent = "agent/leakprof-agent";
std::string g_collector = "collector/leakprof-collector";

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t != nullptr ? t : "/tmp";
}

// The value of one sample of a /metrics page ("name{labels}"), -1 if absent.
double Sample(const std::string& page, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    if (!absl::StartsWith(line, series) || line.size() <= series.size() ||
        line[series.size()] != ' ') {
      continue;
    }
    double v = -1;
    if (absl::SimpleAtod(line.substr(series.size() + 1), &v)) return v;
  }
  return -1;
}

class Collector {
 public:
  // Starts on `grpc_port` (0: any) with `data_dir`; fills grpc_port/http_port.
  absl::Status Start(const std::string& data_dir, int grpc_port,
                     const std::string& ready) {
    std::remove(ready.c_str());
    absl::Status s =
        child_.Start(g_collector,
                     {"--data_dir=" + data_dir,
                      absl::StrCat("--grpc_addr=127.0.0.1:", grpc_port),
                      "--http_addr=127.0.0.1:0", "--wal_sync=false",
                      "--ready_file=" + ready},
                     data_dir + ".log");
    if (!s.ok()) return s;
    absl::StatusOr<std::string> ports = WaitForFile(ready, absl::Seconds(60));
    if (!ports.ok()) return ports.status();
    std::vector<std::string> p = absl::StrSplit(*ports, ' ');
    if (p.size() < 2 || !absl::SimpleAtoi(p[0], &grpc_port_) ||
        !absl::SimpleAtoi(p[1], &http_port_)) {
      return absl::InternalError("bad ready file: " + *ports);
    }
    return absl::OkStatus();
  }
  int Stop() { return child_.Stop(); }
  int grpc_port() const { return grpc_port_; }

  double Pushes(const std::string& result) {
    absl::StatusOr<http::FetchResult> page =
        fetcher_->Get(absl::StrCat("http://127.0.0.1:", http_port_, "/metrics"),
                      http::FetchOptions());
    if (!page.ok()) return -1;
    return Sample(page->body, absl::StrCat("leakprof_collector_pushes_total{"
                                           "result=\"",
                                           result, "\"}"));
  }

 private:
  Child child_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  std::unique_ptr<http::Fetcher> fetcher_ = http::NewCurlFetcher();
};

bool Eventually(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return done();
}

TEST(CollectorRestart, AgentResendsItsRefTableAndDeliversTheSpool) {
  const std::string tmp = TmpDir();
  Collector first;
  ASSERT_TRUE(first.Start(tmp + "/data", 0, tmp + "/ready").ok());
  const int port = first.grpc_port();

  testutil::GoProcess service;
  absl::Status started =
      service.Start(g_service,
                    {"-patterns", "premature_return,mutex", "-benign",
                     "pool,sleepers", "-leak-per-minute", "60"},
                    absl::Seconds(30));
  ASSERT_TRUE(started.ok()) << started;
  Child agent;
  ASSERT_TRUE(
      agent
          .Start(g_agent,
                 {"--target=" + service.BaseUrl() + "/debug/pprof/",
                  "--service=restart", "--instance=i0",
                  absl::StrCat("--collector=127.0.0.1:", port), "--interval=1s",
                  "--jitter=0", "--budget=0", "--http_addr=127.0.0.1:0",
                  "--spool_dir=" + tmp + "/spool"},
                 tmp + "/agent.log")
          .ok());

  ASSERT_TRUE(
      Eventually([&] { return first.Pushes("ok") >= 3; }, absl::Minutes(2)))
      << "the first collector stored too little";
  EXPECT_EQ(first.Pushes("invalid"), 0);
  EXPECT_EQ(first.Stop(), 0);

  // Down for a few scrapes: the agent spools them.
  absl::SleepFor(absl::Seconds(4));

  Collector second;
  ASSERT_TRUE(second.Start(tmp + "/data", port, tmp + "/ready").ok());
  ASSERT_TRUE(
      Eventually([&] { return second.Pushes("ok") >= 8; }, absl::Minutes(2)))
      << "the restarted collector stored too little";
  // Its tables were empty: the first push by ref was answered refs_unknown,
  // and the same snapshot with the whole table was then stored.
  EXPECT_GE(second.Pushes("refs_unknown"), 1);
  EXPECT_EQ(second.Pushes("invalid"), 0);
  EXPECT_EQ(second.Pushes("unknown_ids"), 0);  // definitions are on disk

  // The agent delivered its spool, dropped nothing, and saw refs_unknown.
  absl::StatusOr<std::string> log =
      WaitForFile(tmp + "/agent.log", absl::Seconds(1));
  ASSERT_TRUE(log.ok());
  const size_t at = log->find("metrics on port ");
  ASSERT_NE(at, std::string::npos) << *log;
  int agent_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      log->substr(at + 16,
                  log->find_first_not_of("0123456789", at + 16) - (at + 16)),
      &agent_port));
  auto agent_metric = [&](const std::string& series) {
    absl::StatusOr<http::FetchResult> page = http::NewCurlFetcher()->Get(
        absl::StrCat("http://127.0.0.1:", agent_port, "/metrics"),
        http::FetchOptions());
    return page.ok() ? Sample(page->body, series) : -1;
  };
  EXPECT_TRUE(Eventually(
      [&] { return agent_metric("leakprof_agent_spool_snapshots") == 0; },
      absl::Minutes(1)));
  EXPECT_EQ(agent_metric("leakprof_agent_spool_dropped_total"), 0);
  EXPECT_GE(
      agent_metric("leakprof_agent_pushes_total{result=\"unknown_refs\"}"), 1);
  EXPECT_GE(agent_metric("leakprof_agent_pushes_total{result=\"unavailable\"}"),
            1);
  EXPECT_EQ(agent.Stop(), 0);
  EXPECT_EQ(second.Pushes("invalid"), 0);
  EXPECT_EQ(second.Stop(), 0);
}

}  // namespace
}  // namespace scenarios
}  // namespace leakprof

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  leakprof::scenarios::TakeFlags(
      argc, argv,
      {
          {"--service=", &leakprof::scenarios::g_service},
          {"--agent=", &leakprof::scenarios::g_agent},
          {"--collector=", &leakprof::scenarios::g_collector},
      });
  return RUN_ALL_TESTS();
}
