// Copyright 2026 The leakprof Authors.
//
// A whole round over an in-memory fleet, the JSON API (in process and over a
// real AdminServer on loopback) and the metrics.

#include "analyzer/analyzer.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "analyzer/api.h"
#include "analyzer/memory_source.h"
#include "analyzer/metrics.h"
#include "analyzer/test_fleet.h"
#include "common/goprof/stack_id.h"
#include "common/http/fetcher.h"
#include "common/server/admin_server.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"

namespace leakprof {
namespace analyzer {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1800000000;

class AnalyzerTest : public ::testing::Test {
 protected:
  AnalyzerTest() : source_(kNow) {
    auto ts = Timestamps(kNow, 360, 60);
    SyntheticSite leak;
    leak.service = "checkout";
    leak.function = "main.handle.func1";
    leak.count = [](int, int i) { return i / 6; };
    AddSyntheticSite(&source_, leak, ts);
    SyntheticSite pool;
    pool.service = "checkout";
    pool.function = "main.worker";
    pool.block_class = v1::BLOCK_CLASS_CHAN_RECEIVE;
    pool.count = [](int k, int i) { return 400 + (i * 7 + k) % 11; };
    AddSyntheticSite(&source_, pool, ts);
    SyntheticSite io;
    io.service = "search";
    io.function = "net.(*conn).Read";
    io.block_class = v1::BLOCK_CLASS_IO_WAIT;
    io.count = [](int, int i) { return i; };  // rising, but not a candidate
    AddSyntheticSite(&source_, io, ts);
  }

  Analyzer MakeAnalyzer() {
    AnalyzerOptions o;
    return Analyzer(o, &source_, IgnoreRules(), Routing(),
                    [] { return absl::FromUnixSeconds(kNow); });
  }

  MemoryFleetSource source_;
};

TEST_F(AnalyzerTest, RoundRanksTheLeakFirst) {
  Analyzer analyzer = MakeAnalyzer();
  EXPECT_EQ(analyzer.latest(), nullptr);
  auto report = analyzer.Evaluate();
  ASSERT_TRUE(report.ok()) << report.status();
  const Report& r = **report;
  ASSERT_EQ(r.sites.size(), 3u);
  EXPECT_EQ(r.sites[0].function, "main.handle.func1");
  EXPECT_TRUE(r.sites[0].suspect);
  EXPECT_EQ(r.sites[0].rank, 1);
  EXPECT_EQ(r.sites[0].owner, "unowned");
  EXPECT_EQ(r.suspects, 1);
  EXPECT_FALSE(r.sites[1].suspect);
  EXPECT_FALSE(r.sites[2].suspect);
  EXPECT_EQ(r.window_seconds, 6 * 3600);
  EXPECT_EQ(r.generated_at, kNow);
  ASSERT_EQ(r.services.size(), 2u);
  EXPECT_EQ(r.services[0].service, "checkout");
  EXPECT_EQ(r.services[0].suspects, 1);
  EXPECT_EQ(r.services[0].instances, 3);
  // The io_wait site's series are never fetched: 2 candidate sites.
  EXPECT_EQ(source_.calls("GetSiteSeries"), 2);
  EXPECT_EQ(analyzer.latest().get(), report->get());
}

TEST_F(AnalyzerTest, SourceErrorKeepsThePreviousRound) {
  Analyzer analyzer = MakeAnalyzer();
  ASSERT_TRUE(analyzer.Evaluate().ok());
  auto first = analyzer.latest();
  class Failing : public MemoryFleetSource {
   public:
    Failing() : MemoryFleetSource(kNow) {}
    absl::StatusOr<v1::ListServicesResponse> ListServices(
        const v1::ListServicesRequest&) override {
      return absl::UnavailableError("collector down");
    }
  } failing;
  Analyzer broken(AnalyzerOptions(), &failing, IgnoreRules(), Routing());
  EXPECT_EQ(broken.Evaluate().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(broken.latest(), nullptr);
}

TEST(MergeSeries, KeepsOldPointsReplacesReReadOnesDropsSlidOut) {
  v1::InstanceSeries a;
  a.set_instance("a");
  for (int t : {10, 20, 30, 40}) {
    a.add_timestamps_unix_seconds(t);
    a.add_counts(t);
  }
  v1::Epoch* e = a.add_epochs();
  e->set_since_unix_seconds(10);
  e->set_process_start_unix_seconds(5);
  v1::InstanceSeries gone = a;
  gone.set_instance("gone");
  gone.clear_timestamps_unix_seconds();
  gone.clear_counts();
  gone.add_timestamps_unix_seconds(12);
  gone.add_counts(1);
  v1::InstanceSeries fa;  // re-read from 40: 40 (updated), 50
  fa.set_instance("a");
  fa.add_timestamps_unix_seconds(40);
  fa.add_counts(41);
  fa.add_timestamps_unix_seconds(50);
  fa.add_counts(50);
  *fa.add_epochs() = *e;  // the epoch covering the read's start
  v1::Epoch* restart = fa.add_epochs();
  restart->set_since_unix_seconds(50);
  restart->set_process_start_unix_seconds(49);
  v1::InstanceSeries fb;  // a new instance
  fb.set_instance("b");
  fb.add_timestamps_unix_seconds(45);
  fb.add_counts(3);
  std::vector<v1::InstanceSeries> merged =
      MergeSeries({a, gone}, {fa, fb}, /*window_start=*/20,
                  /*fetched_from=*/40);
  ASSERT_EQ(merged.size(), 2u);  // "gone" slid out of the window
  EXPECT_EQ(merged[0].instance(), "a");
  EXPECT_EQ(std::vector<int64_t>(merged[0].timestamps_unix_seconds().begin(),
                                 merged[0].timestamps_unix_seconds().end()),
            (std::vector<int64_t>{20, 30, 40, 50}));
  EXPECT_EQ(std::vector<int64_t>(merged[0].counts().begin(),
                                 merged[0].counts().end()),
            (std::vector<int64_t>{20, 30, 41, 50}));
  ASSERT_EQ(merged[0].epochs_size(), 2);
  EXPECT_EQ(merged[0].epochs(1).since_unix_seconds(), 50);
  EXPECT_EQ(merged[1].instance(), "b");
}

TEST_F(AnalyzerTest, IncrementalRoundsReadLessAndAgreeWithFullRounds) {
  int64_t now = kNow;
  auto clock = [&now] { return absl::FromUnixSeconds(now); };
  AnalyzerOptions incremental_options;
  incremental_options.late_margin = absl::Minutes(5);
  Analyzer incremental(incremental_options, &source_, IgnoreRules(), Routing(),
                       clock);
  AnalyzerOptions full_options;
  full_options.incremental = false;
  Analyzer full(full_options, &source_, IgnoreRules(), Routing(), clock);
  ASSERT_TRUE(incremental.Evaluate().ok());
  const int64_t first_read = incremental.points_read();
  EXPECT_GT(first_read, 0);
  // 30 minutes later, with 30 more points per instance; the pool restarts.
  now += 1800;
  source_.set_now(now);
  auto ts = Timestamps(now, 390, 60);
  SyntheticSite leak;
  leak.service = "checkout";
  leak.function = "main.handle.func1";
  leak.count = [](int, int i) { return i / 6; };
  AddSyntheticSite(&source_, leak, ts);
  SyntheticSite pool;
  pool.service = "checkout";
  pool.function = "main.worker";
  pool.block_class = v1::BLOCK_CLASS_CHAN_RECEIVE;
  pool.count = [](int k, int i) {
    return i < 370 ? 400 + (i * 7 + k) % 11 : i - 370;
  };
  AddSyntheticSite(&source_, pool, ts);

  auto a = incremental.Evaluate();
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_LT(incremental.points_read(), first_read / 3);
  auto b = full.Evaluate();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ((*a)->sites.size(), (*b)->sites.size());
  for (size_t i = 0; i < (*a)->sites.size(); ++i) {
    const SiteReport& x = (*a)->sites[i];
    const SiteReport& y = (*b)->sites[i];
    EXPECT_EQ(x.function, y.function);
    EXPECT_EQ(x.score, y.score) << x.function;
    EXPECT_EQ(x.instances_judged, y.instances_judged) << x.function;
    EXPECT_EQ(x.instances_rising, y.instances_rising) << x.function;
    EXPECT_DOUBLE_EQ(x.growth_per_hour, y.growth_per_hour) << x.function;
  }
}

TEST_F(AnalyzerTest, ApiHandlers) {
  Analyzer analyzer = MakeAnalyzer();
  auto handlers = ApiHandlers(&analyzer, nullptr);
  HttpRequest request;
  EXPECT_EQ(handlers["/api/v1/suspects"](request).status, 503);
  ASSERT_TRUE(analyzer.Evaluate().ok());

  HttpResponse all = handlers["/api/v1/suspects"](request);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.content_type, "application/json");
  json j = json::parse(all.body);
  EXPECT_EQ(j["window_seconds"], 21600);
  EXPECT_EQ(j["generated_at"], kNow);
  ASSERT_EQ(j["suspects"].size(), 3u);
  const json& top = j["suspects"][0];
  for (const char* field :
       {"rank", "service", "site_id", "class", "function", "file", "line",
        "score", "suspect", "goroutines", "instances", "instances_rising",
        "growth_per_hour", "est_bytes", "evidence", "pattern", "hint",
        "stack"}) {
    EXPECT_TRUE(top.contains(field)) << field;
  }
  EXPECT_EQ(top["rank"], 1);
  EXPECT_EQ(top["suspect"], true);
  EXPECT_EQ(top["class"], "chan_send");
  EXPECT_EQ(top["pattern"], "premature_return");
  EXPECT_EQ(top["site_id"].get<std::string>().size(), 16u);
  EXPECT_EQ(top["stack"][1]["function"], "main.handle.func1");
  EXPECT_EQ(top["instances_rising"], 3);

  request.params["service"] = "search";
  json search = json::parse(handlers["/api/v1/suspects"](request).body);
  ASSERT_EQ(search["suspects"].size(), 1u);
  EXPECT_EQ(search["suspects"][0]["class"], "io_wait");
  EXPECT_EQ(search["suspects"][0]["suspect"], false);

  json services = json::parse(handlers["/api/v1/services"](HttpRequest()).body);
  ASSERT_EQ(services["services"].size(), 2u);
  EXPECT_EQ(services["services"][0]["service"], "checkout");
  EXPECT_EQ(services["services"][0]["suspects"], 1);

  HttpRequest site;
  site.params["service"] = "checkout";
  site.params["site_id"] =
      goprof::FormatId(SyntheticSiteId("checkout", "main.handle.func1"));
  HttpResponse detail = handlers["/api/v1/site"](site);
  ASSERT_EQ(detail.status, 200) << detail.body;
  json d = json::parse(detail.body);
  EXPECT_EQ(d["suspect"]["function"], "main.handle.func1");
  EXPECT_EQ(d["series"]["step_seconds"], 180);
  EXPECT_EQ(d["series"]["instances"].size(), 3u);
  EXPECT_GE(d["series"]["fleet"].size(), 100u);
  EXPECT_EQ(d["series"]["fleet"][0].size(), 2u);
  EXPECT_EQ(d["alert"]["state"], "none");
  EXPECT_EQ(d["alert"]["ticket"], "none");

  site.params["site_id"] = "00000000000000ff";
  EXPECT_EQ(handlers["/api/v1/site"](site).status, 404);
  site.params["site_id"] = "ABCDEF0123456789";  // upper case
  HttpResponse bad = handlers["/api/v1/site"](site);
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(absl::StrContains(bad.body, "site_id")) << bad.body;
  site.params.erase("service");
  EXPECT_EQ(handlers["/api/v1/site"](site).status, 400);
}

TEST_F(AnalyzerTest, ApiOverHttpAndMetrics) {
  Analyzer analyzer = MakeAnalyzer();
  auto report = analyzer.Evaluate();
  ASSERT_TRUE(report.ok());
  auto registry = std::make_shared<prometheus::Registry>();
  AnalyzerMetrics metrics(registry, /*max_suspect_series=*/1);
  metrics.RecordRound(**report);
  metrics.RecordRound(**report);  // replaces, does not add
  metrics.RecordDelivery("alertmanager", "ok");
  AdminServerOptions options;
  options.registry = registry;
  options.handlers = ApiHandlers(&analyzer, nullptr);
  auto server = AdminServer::Start(std::move(options));
  ASSERT_TRUE(server.ok()) << server.status();
  auto fetcher = http::NewCurlFetcher();
  const std::string base =
      "http://127.0.0.1:" + std::to_string((*server)->port());
  auto body = fetcher->Get(base + "/api/v1/suspects?service=checkout", {});
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(json::parse(body->body)["suspects"].size(), 2u);
  auto text = fetcher->Get(base + "/metrics", {});
  ASSERT_TRUE(text.ok()) << text.status();
  const std::string& m = text->body;
  EXPECT_TRUE(absl::StrContains(m, "leakprof_analyzer_sites_evaluated 3")) << m;
  EXPECT_TRUE(absl::StrContains(m, "leakprof_analyzer_suspects 1"));
  EXPECT_TRUE(absl::StrContains(
      m, "leakprof_analyzer_evaluations_total{result=\"ok\"} 2"));
  EXPECT_TRUE(absl::StrContains(m, "leakprof_suspect_score{"));
  EXPECT_TRUE(absl::StrContains(m, "function=\"main.handle.func1\""));
  EXPECT_FALSE(absl::StrContains(m, "function=\"main.worker\""));
  EXPECT_TRUE(absl::StrContains(m, "leakprof_site_est_bytes{"));
  EXPECT_TRUE(absl::StrContains(
      m,
      "leakprof_analyzer_alerts_sent_total{result=\"ok\",sink="
      "\"alertmanager\"} 1"))
      << m;
  (*server)->Stop();
}

}  // namespace
}  // namespace analyzer
}  // namespace leakprof
