// Copyright 2026 The leakprof Authors.
//
// Scenario: a fleet of real Go programs (//tests/scenarios:service, three
// instances, every leak pattern and every benign pattern), scraped over HTTP
// (debug=2) by the test itself and parsed by the real parser into an
// in-memory FleetSource, ranked by the real Analyzer after every scrape.
// This checks the ranking on real profiles without the agent and the
// collector; scenario_test.cc runs the same fleet through them.
//
// Time scale: compressed 60x. The programs leak 60 goroutines a minute per
// pattern in real time (1 a second), the test scrapes once a real second
// and stamps the points one simulated minute apart: the analyzer sees
// 1 goroutine/min/instance at one point a minute, the slow leak.
//
// Asserts: every leak site becomes suspect within 15 simulated minutes, is
// ranked above every benign site, and no benign site is ever suspect.
// Prints each pattern's time to detect (docs/benchmarks.md).
//
// Flag: --service=PATH of the Go program (set by BUILD).

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "analyzer/analyzer.h"
#include "analyzer/memory_source.h"
#include "common/goprof/parser.h"
#include "common/goprof/sites.h"
#include "common/http/fetcher.h"
#include "gtest/gtest.h"
#include "tests/scenarios/child.h"
#include "tests/util/go_process.h"

namespace leakprof {
namespace scenarios {
namespace {

std::string g_service = "tests/scenarios/service_/service";
std::string g_service_src = "tests/scenarios/service/main.go";

constexpr int kInstances = 3;
constexpr int kRounds = 24;          // simulated minutes
constexpr int kGoalMinutes = 15;     // the goal
constexpr int64_t kT0 = 1800000000;  // simulated start

// Leak pattern -> the line of service/main.go marked "// LEAK:<pattern>".
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

// Scraped points, turned into a MemoryFleetSource after each round.
class ScrapedFleet {
 public:
  absl::Status Add(const std::string& instance, const std::string& body,
                   int64_t ts) {
    absl::StatusOr<goprof::Profile> profile = goprof::Parse(body);
    if (!profile.ok()) return profile.status();
    std::set<uint64_t> seen;
    for (const goprof::Site& site : goprof::AggregateSites(*profile)) {
      seen.insert(site.id);
      Site& s = sites_[site.id];
      if (!s.summary.site_id()) Describe(*profile, site, &s);
      Series& series = s.series[instance];
      series.ts.push_back(ts);
      series.counts.push_back(site.goroutines);
      s.summary.set_leaked(site.leaked);
    }
    for (auto& [id, s] : sites_) {
      if (seen.count(id)) continue;
      auto it = s.series.find(instance);
      if (it == s.series.end()) continue;
      it->second.ts.push_back(ts);
      it->second.counts.push_back(0);
    }
    return absl::OkStatus();
  }

  void Publish(analyzer::MemoryFleetSource* source) const {
    for (const auto& [id, s] : sites_) {
      std::vector<analyzer::MemorySeries> series;
      for (const auto& [instance, points] : s.series) {
        analyzer::MemorySeries& m = series.emplace_back();
        m.instance = instance;
        m.timestamps = std::make_shared<std::vector<int64_t>>(points.ts);
        m.counts = points.counts;
        v1::Epoch& epoch = m.epochs.emplace_back();
        epoch.set_since_unix_seconds(kT0);
        epoch.set_process_start_unix_seconds(kT0 - 1);
      }
      source->AddSite("scenario", s.summary, {s.stack}, std::move(series));
    }
  }

 private:
  struct Series {
    std::vector<int64_t> ts, counts;
  };
  struct Site {
    v1::SiteSummary summary;
    v1::StackInfo stack;
    std::map<std::string, Series> series;
  };

  static void Describe(const goprof::Profile& profile, const goprof::Site& site,
                       Site* s) {
    const int proto_class = static_cast<int>(site.block_class) + 1;
    s->summary.set_site_id(site.id);
    s->summary.set_block_class(static_cast<v1::BlockClass>(proto_class));
    s->summary.mutable_site()->set_function(site.frame.function);
    s->summary.mutable_site()->set_file(site.frame.file);
    s->summary.mutable_site()->set_line(site.frame.line);
    const goprof::Stack& stack = profile.stacks[site.stacks[0]];
    s->stack.set_stack_id(stack.id);
    s->stack.set_site_id(site.id);
    s->stack.set_block_class(static_cast<v1::BlockClass>(proto_class));
    for (int32_t f : stack.frame_indices) {
      v1::FrameInfo* frame = s->stack.add_frames();
      frame->set_function(profile.frames[f].function);
      frame->set_file(profile.frames[f].file);
      frame->set_line(profile.frames[f].line);
    }
    s->stack.set_site_frame(stack.site_frame);
    if (stack.created_by) {
      s->stack.mutable_created_by()->set_function(stack.created_by->function);
      s->stack.mutable_created_by()->set_file(stack.created_by->file);
      s->stack.mutable_created_by()->set_line(stack.created_by->line);
    }
  }

  std::map<uint64_t, Site> sites_;
};

TEST(ScenarioDirect, LeaksFoundWithinFifteenMinutesBenignNeverSuspect) {
  std::vector<std::unique_ptr<testutil::GoProcess>> fleet;
  for (int k = 0; k < kInstances; ++k) {
    auto p = std::make_unique<testutil::GoProcess>();
    absl::Status started = p->Start(
        g_service,
        {"-patterns",
         "premature_return,ncast,range_unclosed,ticker_no_stop,nil_chan,"
         "cond_wait,waitgroup,mutex",
         "-benign",
         "pool,bursty,accept,read_loop,stopped_ticker,sleepers,"
         "big_pool",
         "-leak-per-minute", "60"},
        absl::Seconds(30));
    ASSERT_TRUE(started.ok()) << started;
    fleet.push_back(std::move(p));
  }
  auto fetcher = http::NewCurlFetcher();
  http::FetchOptions fetch;
  fetch.timeout = absl::Seconds(20);

  int64_t sim_now = kT0;
  analyzer::MemoryFleetSource source(sim_now);
  analyzer::AnalyzerOptions options;
  options.window = absl::Hours(2);
  options.series_points = 0;  // raw points: one a simulated minute
  analyzer::Analyzer analyzer(
      options, &source, analyzer::IgnoreRules(), analyzer::Routing(),
      [&sim_now] { return absl::FromUnixSeconds(sim_now); });
  ScrapedFleet scraped;
  const std::map<std::string, int64_t> leak_lines = LeakLines(g_service_src);
  ASSERT_EQ(leak_lines.size(), 8u) << "LEAK: markers in " << g_service_src;
  std::map<int64_t, std::string> pattern_at;  // line -> pattern
  for (const auto& [pattern, line] : leak_lines) pattern_at[line] = pattern;
  // A leak site: the blocking line is a LEAK: marker of main.go.
  auto leak_of = [&pattern_at](const analyzer::SiteReport& site) {
    if (site.file != "./main.go") return std::string();
    auto it = pattern_at.find(site.line);
    return it == pattern_at.end() ? std::string() : it->second;
  };
  std::map<std::string, int> detected;  // pattern -> minute
  std::set<std::string> benign_suspects;
  std::shared_ptr<const analyzer::Report> report;
  for (int round = 0; round < kRounds; ++round) {
    const absl::Time start = absl::Now();
    const int64_t ts = kT0 + round * 60;
    for (int k = 0; k < kInstances; ++k) {
      auto body = fetcher->Get(
          fleet[k]->BaseUrl() + "/debug/pprof/goroutine?debug=2", fetch);
      ASSERT_TRUE(body.ok()) << body.status();
      ASSERT_TRUE(scraped.Add(absl::StrCat("i", k), body->body, ts).ok());
    }
    sim_now = ts + 1;
    source.set_now(sim_now);
    scraped.Publish(&source);
    auto evaluated = analyzer.Evaluate();
    ASSERT_TRUE(evaluated.ok()) << evaluated.status();
    report = *evaluated;
    for (const analyzer::SiteReport& site : report->sites) {
      if (!site.suspect) continue;
      const std::string pattern = leak_of(site);
      if (!pattern.empty()) {
        detected.emplace(pattern, round);
      } else {
        benign_suspects.insert(site.function);
      }
    }
    // One scrape a real second (a simulated minute).
    absl::SleepFor(absl::Seconds(1) - (absl::Now() - start));
  }

  // Every leak suspect, found within the goal.
  for (const auto& [pattern, line] : leak_lines) {
    auto it = detected.find(pattern);
    ASSERT_NE(it, detected.end()) << pattern << " never suspect";
    std::printf("TIME_TO_DETECT pattern=%s minutes=%d\n", pattern.c_str(),
                it->second);
    EXPECT_LE(it->second, kGoalMinutes) << pattern;
  }
  EXPECT_TRUE(benign_suspects.empty())
      << "benign suspect: " << *benign_suspects.begin();
  // The final ranking: every leak above every benign site, leaks suspect.
  double min_leak = 1e18, max_benign = -1;
  std::string worst_benign;
  for (const analyzer::SiteReport& site : report->sites) {
    const bool leak = !leak_of(site).empty();
    std::printf(
        "RANK %2d score=%6.1f suspect=%d rising=%d/%d growth=%.1f/h "
        "%s %s %s\n",
        site.rank, site.score, site.suspect, site.instances_rising,
        site.instances_judged, site.growth_per_hour, site.class_name.c_str(),
        absl::StrCat(site.function, ":", site.line).c_str(),
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
      });
  return RUN_ALL_TESTS();
}
