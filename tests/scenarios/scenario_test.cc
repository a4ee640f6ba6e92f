// Copyright 2026 The leakprof Authors.
//
// The full scenario: a fleet of real Go programs (//tests/scenarios:service,
// three instances with every leak pattern and every benign pattern), each
// scraped by a real leakprof-agent that pushes to a real leakprof-collector
// (RocksDB under TEST_TMPDIR), ranked by the real analyzer reading the
// collector over gRPC (GrpcFleetSource). Then tickets through the real
// collector's State service: each suspect site filed once, and nothing
// filed again by a restarted analyzer.
//
// Time scale: compressed 60x. The programs leak 1 goroutine a real second
// per pattern (-leak-per-minute 60), the agents scrape once a second: one
// scrape stands for one minute of a fleet scraped once a minute leaking
// 1 goroutine/min/instance. Windows and staleness are scaled alike.
//
// Asserts: every leak site suspect within 15 scrapes (the 15
// minutes), ranked above every benign site; no benign site ever suspect.
// Prints TIME_TO_DETECT per pattern, in scrapes (= simulated minutes).
//
// Flags (set by BUILD): --service, --service_src, --agent, --collector.

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "analyzer/alerts.h"
#include "analyzer/analyzer.h"
#include "analyzer/grpc_clients.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/scenarios/child.h"
#include "tests/util/go_process.h"
#include "tests/util/webhook_receiver.h"

namespace leakprof {
namespace scenarios {
namespace {

std::string g_service = "tests/scenarios/service_/service";
std::string g_service_src = "tests/scenarios/service/main.go";
std::string g_agent = "agent/leakprof-agent";
std::string g_collector = "collector/leakprof-collector";

constexpr int kInstances = 3;
constexpr int kGoalScrapes = 15;
constexpr absl::Duration kRunFor = absl::Seconds(24);

std::string TmpDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::map<std::string, int64_t> LeakLines(const std::string& source_path) {
  std::map<std::string, int64_t> lines;
  std::ifstream in(source_path);
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    const size_t at = line.find("// LEAK:");
    if (at == std::string::npos || line.compare(at + 8, 1, "<") == 0) continue;
    lines[line.substr(at + 8)] = n;
  }
  return lines;
}

TEST(Scenario, FleetThroughAgentsAndCollector) {
  const std::string tmp = TmpDir();
  const std::map<std::string, int64_t> leak_lines = LeakLines(g_service_src);
  ASSERT_EQ(leak_lines.size(), 8u);
  std::map<int64_t, std::string> pattern_at;
  for (const auto& [pattern, line] : leak_lines) pattern_at[line] = pattern;
  auto leak_of = [&pattern_at](const analyzer::SiteReport& site) {
    if (site.file != "./main.go") return std::string();
    auto it = pattern_at.find(site.line);
    return it == pattern_at.end() ? std::string() : it->second;
  };

  // Collector.
  Child collector;
  ASSERT_TRUE(collector
                  .Start(g_collector,
                         {"--data_dir=" + tmp + "/data",
                          "--grpc_addr=127.0.0.1:0", "--http_addr=127.0.0.1:0",
                          "--wal_sync=false", "--ready_file=" + tmp + "/ready"},
                         tmp + "/collector.log")
                  .ok());
  auto ready = WaitForFile(tmp + "/ready", absl::Seconds(60));
  ASSERT_TRUE(ready.ok()) << ready.status();
  std::vector<std::string> ports = absl::StrSplit(*ready, ' ');
  int grpc_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(ports[0], &grpc_port)) << *ready;
  const std::string collector_addr = absl::StrCat("127.0.0.1:", grpc_port);

  // Fleet and agents.
  std::vector<std::unique_ptr<testutil::GoProcess>> fleet;
  std::vector<std::unique_ptr<Child>> agents;
  for (int k = 0; k < kInstances; ++k) {
    auto p = std::make_unique<testutil::GoProcess>();
    absl::Status started = p->Start(
        g_service,
        {"-patterns",
         "premature_return,ncast,range_unclosed,ticker_no_stop,nil_chan,"
         "cond_wait,waitgroup,mutex",
         "-benign",
         "pool,bursty,accept,read_loop,stopped_ticker,sleepers,big_pool",
         "-leak-per-minute", "60"},
        absl::Seconds(30));
    ASSERT_TRUE(started.ok()) << started;
    auto agent = std::make_unique<Child>();
    ASSERT_TRUE(
        agent
            ->Start(g_agent,
                    {"--target=" + p->BaseUrl() + "/debug/pprof/",
                     "--service=scenario", absl::StrCat("--instance=i", k),
                     "--collector=" + collector_addr, "--interval=1s",
                     "--jitter=0", "--budget=0", "--http_addr=",
                     absl::StrCat("--spool_dir=", tmp, "/spool", k)},
                    absl::StrCat(tmp, "/agent", k, ".log"))
            .ok());
    fleet.push_back(std::move(p));
    agents.push_back(std::move(agent));
  }

  analyzer::GrpcClientOptions client;
  client.target = collector_addr;
  client.deadline = absl::Seconds(30);
  auto source = analyzer::NewGrpcFleetSource(client);
  analyzer::AnalyzerOptions options;
  options.window = absl::Minutes(10);        // every point of the run
  options.series_points = 0;                 // raw: one point a scrape
  options.ranking.stale_after_seconds = 15;  // 15 scrapes
  analyzer::Analyzer analyzer(options, source.get(), analyzer::IgnoreRules(),
                              analyzer::Routing());

  // Evaluate once a second; a scrape count stands for simulated minutes.
  std::map<std::string, double> detected;  // pattern -> scrapes
  std::set<std::string> benign_suspects;
  std::shared_ptr<const analyzer::Report> report;
  const absl::Time start = absl::Now();
  while (absl::Now() - start < kRunFor) {
    const absl::Time round = absl::Now();
    auto evaluated = analyzer.Evaluate();
    ASSERT_TRUE(evaluated.ok()) << evaluated.status();
    report = *evaluated;
    const double scrapes = absl::ToDoubleSeconds(absl::Now() - start);
    for (const analyzer::SiteReport& site : report->sites) {
      if (!site.suspect) continue;
      const std::string pattern = leak_of(site);
      if (!pattern.empty()) {
        detected.emplace(pattern, scrapes);
      } else {
        benign_suspects.insert(site.function);
      }
    }
    absl::SleepFor(absl::Seconds(1) - (absl::Now() - round));
  }
  ASSERT_NE(report, nullptr);
  for (const auto& [pattern, line] : leak_lines) {
    auto it = detected.find(pattern);
    ASSERT_NE(it, detected.end()) << pattern << " never suspect";
    std::printf("TIME_TO_DETECT pattern=%s scrapes=%.0f\n", pattern.c_str(),
                it->second);
    EXPECT_LE(it->second, kGoalScrapes) << pattern;
  }
  EXPECT_TRUE(benign_suspects.empty())
      << "benign suspect: " << *benign_suspects.begin();
  double min_leak = 1e18, max_benign = -1;
  std::string worst_benign;
  for (const analyzer::SiteReport& site : report->sites) {
    const bool leak = !leak_of(site).empty();
    std::printf(
        "RANK %2d score=%6.1f suspect=%d rising=%d/%d growth=%.0f/h %s %s:%ld "
        "%s\n",
        site.rank, site.score, site.suspect, site.instances_rising,
        site.instances_judged, site.growth_per_hour, site.class_name.c_str(),
        site.function.c_str(), static_cast<long>(site.line),
        site.pattern.c_str());
    if (leak) {
      EXPECT_TRUE(site.suspect) << site.function;
      min_leak = std::min(min_leak, site.score);
    } else {
      EXPECT_FALSE(site.suspect) << site.function;
      if (site.score > max_benign) {
        max_benign = site.score;
        worst_benign = site.function;
      }
    }
  }
  EXPECT_GT(min_leak, max_benign) << "benign " << worst_benign;

  // Tickets through the collector's State service: filed once per site,
  // nothing again after an analyzer restart.
  testutil::WebhookReceiver hook;
  auto poster = analyzer::NewHttpPoster(absl::Seconds(10));
  analyzer::AlerterOptions alert_options;
  alert_options.ticket_webhook_url = hook.url();
  {
    auto state = analyzer::NewGrpcStateStore(client);
    analyzer::Alerter alerter(alert_options, poster.get(), state.get());
    ASSERT_TRUE(alerter.Load().ok());
    ASSERT_TRUE(alerter.Process(*report).ok());
    ASSERT_TRUE(alerter.Process(*report).ok());
  }
  EXPECT_EQ(hook.events().size(), static_cast<size_t>(report->suspects));
  {
    auto state = analyzer::NewGrpcStateStore(client);
    analyzer::Alerter restarted(alert_options, poster.get(), state.get());
    ASSERT_TRUE(restarted.Load().ok());
    auto again = analyzer.Evaluate();
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE(restarted.Process(**again).ok());
  }
  EXPECT_EQ(hook.events().size(), static_cast<size_t>(report->suspects));
  std::set<std::string> filed;
  for (const auto& e : hook.events()) {
    EXPECT_EQ(e["event"], "open");
    filed.insert(e["site_id"].get<std::string>());
  }
  EXPECT_EQ(filed.size(), hook.events().size());  // one per site

  for (auto& a : agents) {
    EXPECT_EQ(a->Stop(), 0) << "agent exit status";
  }
  EXPECT_EQ(collector.Stop(), 0) << "collector exit status";
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
          {"--service_src=", &leakprof::scenarios::g_service_src},
          {"--agent=", &leakprof::scenarios::g_agent},
          {"--collector=", &leakprof::scenarios::g_collector},
      });
  return RUN_ALL_TESTS();
}
