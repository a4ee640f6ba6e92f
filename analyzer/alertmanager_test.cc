// Copyright 2026 The leakprof Authors.
//
// End to end with a real Alertmanager (Debian's prometheus-alertmanager) on
// loopback and an in-test ticket webhook receiver: the analyzer (real
// Analyzer over an in-memory fleet, real Alerter and HTTP client) raises an
// alert that arrives with its labels, resolves it when the leak stops, and
// files the site's ticket once across an analyzer restart.
//
// Flag: --alertmanager=PATH (default /usr/bin/prometheus-alertmanager).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "analyzer/alerts.h"
#include "analyzer/analyzer.h"
#include "analyzer/memory_source.h"
#include "analyzer/test_fleet.h"
#include "common/goprof/stack_id.h"
#include "common/http/fetcher.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/util/webhook_receiver.h"

namespace leakprof {
namespace analyzer {
namespace {

using nlohmann::json;

std::string g_alertmanager = "/usr/bin/prometheus-alertmanager";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return 0;
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string TmpDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

// A running Alertmanager, killed on destruction.
class AlertmanagerProcess {
 public:
  ~AlertmanagerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }

  bool Start() {
    const std::string dir = TmpDir() + "/am";
    mkdir(dir.c_str(), 0755);
    const std::string config = dir + "/alertmanager.yml";
    std::ofstream(config) << "route:\n"
                             "  receiver: none\n"
                             "  group_wait: 1s\n"
                             "  group_interval: 1s\n"
                             "receivers:\n"
                             "  - name: none\n";
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = FreePort();
      std::vector<std::string> args = {
          g_alertmanager,
          "--config.file=" + config,
          "--storage.path=" + dir,
          absl::StrCat("--web.listen-address=127.0.0.1:", port_),
          "--cluster.listen-address=",
          "--log.level=warn",
      };
      pid_ = fork();
      if (pid_ == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
      }
      auto fetcher = http::NewCurlFetcher();
      http::FetchOptions fo;
      fo.timeout = absl::Seconds(2);
      for (int i = 0; i < 240; ++i) {  // up to ~60 s on a loaded machine
        if (fetcher->Get(url() + "/-/ready", fo).ok()) return true;
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) break;  // died: retry
        absl::SleepFor(absl::Milliseconds(250));
      }
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    return false;
  }

  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// The alerts Alertmanager holds for our site_id (GET /api/v2/alerts).
std::vector<json> AlertsFor(const std::string& am, const std::string& site) {
  auto fetcher = http::NewCurlFetcher();
  auto body = fetcher->Get(am + "/api/v2/alerts", {});
  std::vector<json> out;
  if (!body.ok()) return out;
  json all = json::parse(body->body, nullptr, false);
  if (!all.is_array()) return out;
  for (const json& a : all) {
    if (a["labels"].value("site_id", "") == site) out.push_back(a);
  }
  return out;
}

TEST(Alertmanager, AlertArrivesResolvesAndTicketFiledOnceAcrossRestart) {
  AlertmanagerProcess am;
  ASSERT_TRUE(am.Start()) << "could not start " << g_alertmanager;
  testutil::WebhookReceiver hook;

  // A fleet around the real clock (Alertmanager judges endsAt by its own).
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  MemoryFleetSource source(now);
  auto ts = Timestamps(now, 120, 60);
  SyntheticSite leak;
  leak.service = "checkout";
  leak.function = "main.handle.func1";
  leak.count = [](int, int i) { return 5 + i / 2; };
  AddSyntheticSite(&source, leak, ts);
  const std::string site_id =
      goprof::FormatId(SyntheticSiteId("checkout", "main.handle.func1"));
  AnalyzerOptions ao;
  ao.window = absl::Hours(2);
  MemoryStateStore state;  // stands in for the collector's State service
  auto poster = NewHttpPoster(absl::Seconds(10));
  AlerterOptions options;
  options.alertmanager_url = am.url();
  options.ticket_webhook_url = hook.url();
  options.link_base = "http://127.0.0.1:7072";
  options.interval = absl::Minutes(1);
  options.ticket_resolve_after = absl::ZeroDuration();

  {
    Analyzer analyzer(ao, &source, IgnoreRules(), Routing());
    Alerter alerter(options, poster.get(), &state);
    ASSERT_TRUE(alerter.Load().ok());
    auto report = analyzer.Evaluate();
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_TRUE((*report)->sites[0].suspect);
    ASSERT_TRUE(alerter.Process(**report).ok());
  }
  std::vector<json> alerts = AlertsFor(am.url(), site_id);
  ASSERT_EQ(alerts.size(), 1u);
  const json& labels = alerts[0]["labels"];
  EXPECT_EQ(labels["alertname"], "GoroutineLeak");
  EXPECT_EQ(labels["service"], "checkout");
  EXPECT_EQ(labels["class"], "chan_send");
  EXPECT_EQ(labels["function"], "main.handle.func1");
  EXPECT_EQ(labels["owner"], "unowned");
  EXPECT_EQ(labels["severity"], "warning");
  EXPECT_EQ(alerts[0]["status"]["state"], "active");
  EXPECT_EQ(alerts[0]["annotations"]["link"],
            "http://127.0.0.1:7072/#/site/checkout/" + site_id);
  ASSERT_EQ(hook.events().size(), 1u);
  EXPECT_EQ(hook.events()[0]["event"], "open");

  // Restart: new Analyzer and Alerter over the same state; the site still
  // leaks: the alert is re-sent, no second ticket.
  {
    Analyzer analyzer(ao, &source, IgnoreRules(), Routing());
    Alerter alerter(options, poster.get(), &state);
    ASSERT_TRUE(alerter.Load().ok());
    auto report = analyzer.Evaluate();
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(alerter.Process(**report).ok());
    EXPECT_EQ(hook.events().size(), 1u);
    EXPECT_EQ(AlertsFor(am.url(), site_id).size(), 1u);

    // The leak stops: the count stays flat for the last 80 minutes.
    leak.count = [](int, int i) { return 5 + std::min(i, 40) / 2; };
    AddSyntheticSite(&source, leak, ts);
    // History was rewritten above: a fresh analyzer (an incremental one
    // keeps the points it already read).
    Analyzer fresh(ao, &source, IgnoreRules(), Routing());
    report = fresh.Evaluate();
    ASSERT_TRUE(report.ok());
    EXPECT_FALSE((*report)->sites[0].suspect);
    ASSERT_TRUE(alerter.Process(**report).ok());
  }
  // Resolved: Alertmanager no longer lists it as active.
  bool resolved = false;
  for (int i = 0; i < 120 && !resolved; ++i) {
    std::vector<json> now_alerts = AlertsFor(am.url(), site_id);
    resolved =
        now_alerts.empty() || now_alerts[0]["status"]["state"] != "active";
    if (!resolved) absl::SleepFor(absl::Milliseconds(250));
  }
  EXPECT_TRUE(resolved);
  std::vector<json> events = hook.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["event"], "resolve");
}

}  // namespace
}  // namespace analyzer
}  // namespace leakprof

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--alertmanager=", 0) == 0) {
      leakprof::analyzer::g_alertmanager = a.substr(15);
    }
  }
  return RUN_ALL_TESTS();
}
