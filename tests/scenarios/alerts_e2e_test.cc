// Copyright 2026 The leakprof Authors.
//
// Alerts end to end on loopback: a real Go service leaking for a while
// (-leak-for), a real leakprof-agent, a real leakprof-collector, a real
// Alertmanager (Debian's prometheus-alertmanager), the analyzer reading the
// collector over gRPC and keeping its alert/ticket state in the collector's
// State service, and an in-test ticket webhook receiver. Checks: the alert
// arrives with its labels while the leak grows, the ticket is filed once
// (also across an analyzer restart), and both resolve once the leak stops.
//
// Time scale compressed: the agent scrapes every 500 ms, the service leaks
// 2 goroutines a second for 8 s; the analyzer looks at a 20 s window.
//
// Flags (set by BUILD): --service, --agent, --collector, --alertmanager.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
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
#include "common/goprof/stack_id.h"
#include "common/http/fetcher.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/scenarios/child.h"
#include "tests/util/go_process.h"
#include "tests/util/webhook_receiver.h"

namespace leakprof {
namespace scenarios {
namespace {

using nlohmann::json;

std::string g_service = "tests/scenarios/service_/service";
std::string g_agent = "agent/leakprof-agent";
std::string g_collector = "collector/leakprof-collector";
std::string g_alertmanager = "/usr/bin/prometheus-alertmanager";

std::string TmpDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return 0;
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Our alerts as Alertmanager lists them (GET /api/v2/alerts).
std::vector<json> ActiveAlerts(const std::string& am) {
  auto fetcher = http::NewCurlFetcher();
  auto body = fetcher->Get(am + "/api/v2/alerts", {});
  std::vector<json> out;
  if (!body.ok()) return out;
  json all = json::parse(body->body, nullptr, false);
  if (!all.is_array()) return out;
  for (const json& a : all) {
    if (a["labels"].value("alertname", "") == "GoroutineLeak" &&
        a["status"].value("state", "") == "active") {
      out.push_back(a);
    }
  }
  return out;
}

TEST(AlertsEndToEnd, AlertArrivesAndResolvesTicketFiledOnce) {
  const std::string tmp = TmpDir();
  // Alertmanager.
  mkdir((tmp + "/am").c_str(), 0755);
  std::ofstream(tmp + "/am/am.yml") << "route:\n  receiver: none\n"
                                       "receivers:\n  - name: none\n";
  const int am_port = FreePort();
  const std::string am_url = absl::StrCat("http://127.0.0.1:", am_port);
  Child am;
  ASSERT_TRUE(
      am.Start(g_alertmanager,
               {"--config.file=" + tmp + "/am/am.yml",
                "--storage.path=" + tmp + "/am",
                absl::StrCat("--web.listen-address=127.0.0.1:", am_port),
                "--cluster.listen-address=", "--log.level=warn"},
               tmp + "/am.log")
          .ok());
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
  int grpc_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      std::vector<std::string>(absl::StrSplit(*ready, ' '))[0], &grpc_port));
  const std::string collector_addr = absl::StrCat("127.0.0.1:", grpc_port);
  // Alertmanager ready?
  auto fetcher = http::NewCurlFetcher();
  bool am_ready = false;
  for (int i = 0; i < 240 && !am_ready; ++i) {
    am_ready = fetcher->Get(am_url + "/-/ready", {}).ok();
    if (!am_ready) absl::SleepFor(absl::Milliseconds(250));
  }
  ASSERT_TRUE(am_ready) << "Alertmanager did not start";

  // The leaking service and its agent.
  testutil::GoProcess service;
  ASSERT_TRUE(service
                  .Start(g_service,
                         {"-patterns", "premature_return", "-benign", "pool",
                          "-leak-per-minute", "120", "-leak-for", "8s"},
                         absl::Seconds(30))
                  .ok());
  Child agent;
  ASSERT_TRUE(agent
                  .Start(g_agent,
                         {"--target=" + service.BaseUrl() + "/debug/pprof/",
                          "--service=shop", "--instance=s0",
                          "--collector=" + collector_addr, "--interval=500ms",
                          "--jitter=0", "--budget=0",
                          "--http_addr=", "--spool_dir=" + tmp + "/spool"},
                         tmp + "/agent.log")
                  .ok());

  testutil::WebhookReceiver hook;
  analyzer::GrpcClientOptions client;
  client.target = collector_addr;
  auto source = analyzer::NewGrpcFleetSource(client);
  auto poster = analyzer::NewHttpPoster(absl::Seconds(10));
  analyzer::AnalyzerOptions options;
  options.window = absl::Seconds(20);
  options.series_points = 0;
  options.ranking.stale_after_seconds = 10;
  analyzer::AlerterOptions alert_options;
  alert_options.alertmanager_url = am_url;
  alert_options.ticket_webhook_url = hook.url();
  alert_options.link_base = "http://127.0.0.1:7072";
  alert_options.interval = absl::Seconds(1);
  alert_options.ticket_resolve_after = absl::Seconds(3);

  // Phase 1: while it leaks, the alert arrives (one analyzer), then the
  // analyzer restarts (a second one over the same State).
  bool fired = false, resolved = false;
  json fired_alert;
  const absl::Time start = absl::Now();
  for (int generation = 0; generation < 2 && !resolved; ++generation) {
    auto state = analyzer::NewGrpcStateStore(client);
    analyzer::Analyzer analyzer(options, source.get(), analyzer::IgnoreRules(),
                                analyzer::Routing());
    analyzer::Alerter alerter(alert_options, poster.get(), state.get());
    ASSERT_TRUE(alerter.Load().ok());
    // Generation 0 runs until the alert fired; generation 1 until resolved.
    while (absl::Now() - start < absl::Seconds(60)) {
      const absl::Time round = absl::Now();
      auto report = analyzer.Evaluate();
      ASSERT_TRUE(report.ok()) << report.status();
      absl::Status sent = alerter.Process(**report);
      ASSERT_TRUE(sent.ok()) << sent;
      std::vector<json> active = ActiveAlerts(am_url);
      if (!fired && !active.empty()) {
        fired = true;
        fired_alert = active[0];
        break;  // restart the analyzer
      }
      if (fired && active.empty() && !hook.events().empty() &&
          hook.events().back()["event"] == "resolve") {
        resolved = true;
        break;
      }
      absl::SleepFor(absl::Seconds(1) - (absl::Now() - round));
    }
  }
  ASSERT_TRUE(fired) << "no alert reached Alertmanager";
  const json& labels = fired_alert["labels"];
  EXPECT_EQ(labels["service"], "shop");
  EXPECT_EQ(labels["class"], "chan_send");
  EXPECT_EQ(labels["function"], "main.prematureReturn.func1");
  EXPECT_EQ(labels["owner"], "unowned");
  EXPECT_EQ(labels["severity"], "warning");
  EXPECT_EQ(labels["site_id"].get<std::string>().size(), 16u);
  EXPECT_EQ(fired_alert["annotations"]["link"],
            "http://127.0.0.1:7072/#/site/shop/" +
                labels["site_id"].get<std::string>());
  EXPECT_TRUE(resolved) << "the alert or ticket did not resolve";
  std::vector<json> events = hook.events();
  int opens = 0;
  for (const json& e : events) opens += e["event"] == "open";
  EXPECT_EQ(opens, 1) << "ticket opened more than once across the restart";
  EXPECT_EQ(events.back()["event"], "resolve");
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
          {"--alertmanager=", &leakprof::scenarios::g_alertmanager},
      });
  return RUN_ALL_TESTS();
}
