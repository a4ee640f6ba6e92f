// Copyright 2026 The leakprof Authors.
//
// Alert and ticket logic with a recording HttpPoster and an in-memory
// StateStore: payload labels, re-sending, resolution, tickets filed once
// across a restart, re-opened only on regression, retries, store failures.

#include "analyzer/alerts.h"

#include <vector>

#include "absl/status/status.h"
#include "analyzer/memory_source.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace leakprof {
namespace analyzer {
namespace {

using nlohmann::json;

constexpr char kAm[] = "http://am.test:9093";
constexpr char kHook[] = "http://tickets.test/hook";

class RecordingPoster : public HttpPoster {
 public:
  struct Call {
    std::string url;
    json body;
  };
  absl::Status Post(const std::string& url, const std::string& body,
                    const std::string& content_type) override {
    EXPECT_EQ(content_type, "application/json");
    if (fail_url == url && failures_left > 0) {
      --failures_left;
      return absl::UnavailableError("down");
    }
    calls.push_back({url, json::parse(body)});
    return absl::OkStatus();
  }
  std::vector<json> To(const std::string& url) const {
    std::vector<json> out;
    for (const Call& c : calls) {
      if (c.url == url) out.push_back(c.body);
    }
    return out;
  }
  std::vector<Call> calls;
  std::string fail_url;
  int failures_left = 0;
};

SiteReport Site(bool suspect, int64_t goroutines = 100) {
  SiteReport s;
  s.service = "checkout";
  s.site_id = 0x00ab00cd00ef0012;
  s.class_name = "chan_send";
  s.function = "main.handle.func1";
  s.file = "/src/main.go";
  s.line = 42;
  s.score = suspect ? 80 : 10;
  s.suspect = suspect;
  s.goroutines = goroutines;
  s.instances_rising = 3;
  s.instances_judged = 3;
  s.growth_per_hour = 60;
  s.owner = "team-checkout";
  s.route_labels = {{"team", "checkout"}};
  s.hint = "buffer of 1";
  s.stack = {{"main.handle.func1", "/src/main.go", 42},
             {"runtime.goexit", "/go/src/runtime/asm_amd64.s", 1594}};
  return s;
}

Report ReportOf(std::vector<SiteReport> sites) {
  Report r;
  r.sites = std::move(sites);
  return r;
}

class AlertsTest : public ::testing::Test {
 protected:
  std::unique_ptr<Alerter> NewAlerter() {
    AlerterOptions o;
    o.alertmanager_url = kAm;
    o.ticket_webhook_url = kHook;
    o.link_base = "http://leakprof.test:7072";
    o.interval = absl::Minutes(5);
    o.ticket_resolve_after = absl::Minutes(30);
    o.retry_backoff = absl::Milliseconds(1);
    auto a = std::make_unique<Alerter>(
        o, &poster_, &store_, [this] { return absl::FromUnixSeconds(now_); },
        [this](const std::string& sink, const std::string& result) {
          deliveries_.push_back(sink + ":" + result);
        });
    EXPECT_TRUE(a->Load().ok());
    return a;
  }
  std::string Am() const { return std::string(kAm) + "/api/v2/alerts"; }

  RecordingPoster poster_;
  MemoryStateStore store_;
  int64_t now_ = 1800000000;
  std::vector<std::string> deliveries_;
};

TEST_F(AlertsTest, FiringAlertHasLabelsAnnotationsAndIsResent) {
  auto alerter = NewAlerter();
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  std::vector<json> posts = poster_.To(Am());
  ASSERT_EQ(posts.size(), 1u);
  ASSERT_EQ(posts[0].size(), 1u);
  const json& alert = posts[0][0];
  EXPECT_EQ(alert["labels"]["alertname"], "GoroutineLeak");
  EXPECT_EQ(alert["labels"]["service"], "checkout");
  EXPECT_EQ(alert["labels"]["site_id"], "00ab00cd00ef0012");
  EXPECT_EQ(alert["labels"]["class"], "chan_send");
  EXPECT_EQ(alert["labels"]["function"], "main.handle.func1");
  EXPECT_EQ(alert["labels"]["owner"], "team-checkout");
  EXPECT_EQ(alert["labels"]["severity"], "warning");
  EXPECT_EQ(alert["labels"]["team"], "checkout");
  EXPECT_EQ(alert["annotations"]["count"], "100");
  EXPECT_EQ(alert["annotations"]["growth"], "60.0 goroutines/hour");
  EXPECT_EQ(alert["annotations"]["instances"], "3 of 3 rising");
  EXPECT_EQ(alert["annotations"]["hint"], "buffer of 1");
  EXPECT_EQ(alert["annotations"]["link"],
            "http://leakprof.test:7072/#/site/checkout/00ab00cd00ef0012");
  EXPECT_NE(alert["annotations"]["top_of_stack"].get<std::string>().find(
                "main.handle.func1 (/src/main.go:42)"),
            std::string::npos);
  EXPECT_EQ(alert["startsAt"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(alert["endsAt"], "2027-01-15T08:20:00Z");  // now + 4 x interval
  EXPECT_EQ(alerter->View("checkout", 0x00ab00cd00ef0012).state, "firing");

  now_ += 300;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  posts = poster_.To(Am());
  ASSERT_EQ(posts.size(), 2u);  // re-sent while it holds
  EXPECT_EQ(posts[1][0]["startsAt"], "2027-01-15T08:00:00Z");

  now_ += 300;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(false)})).ok());
  posts = poster_.To(Am());
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[2][0]["endsAt"], "2027-01-15T08:10:00Z");  // resolved now
  EXPECT_EQ(posts[2][0]["labels"]["site_id"], "00ab00cd00ef0012");
  EXPECT_EQ(alerter->View("checkout", 0x00ab00cd00ef0012).state, "resolved");
  now_ += 300;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(false)})).ok());
  EXPECT_EQ(poster_.To(Am()).size(), 3u);  // nothing left to send
}

TEST_F(AlertsTest, TicketFiledOnceAcrossRestart) {
  auto alerter = NewAlerter();
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  std::vector<json> events = poster_.To(kHook);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["event"], "open");
  EXPECT_EQ(events[0]["reopened"], false);
  EXPECT_EQ(events[0]["service"], "checkout");
  EXPECT_EQ(events[0]["site_id"], "00ab00cd00ef0012");
  EXPECT_EQ(events[0]["event_id"], "checkout/00ab00cd00ef0012/1");
  EXPECT_EQ(events[0]["owner"], "team-checkout");
  EXPECT_EQ(events[0]["stack"].size(), 2u);
  now_ += 300;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  EXPECT_EQ(poster_.To(kHook).size(), 1u);

  // Restart: a new Alerter reads the state back and files nothing again.
  alerter = NewAlerter();
  EXPECT_EQ(alerter->View("checkout", 0x00ab00cd00ef0012).ticket, "open");
  now_ += 300;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  EXPECT_EQ(poster_.To(kHook).size(), 1u);
  // Firing state survived too: startsAt is the original one.
  EXPECT_EQ(poster_.To(Am()).back()[0]["startsAt"], "2027-01-15T08:00:00Z");
}

TEST_F(AlertsTest, UpdateWhenCountDoubles) {
  auto alerter = NewAlerter();
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true, 100)})).ok());
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true, 150)})).ok());
  EXPECT_EQ(poster_.To(kHook).size(), 1u);
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true, 210)})).ok());
  std::vector<json> events = poster_.To(kHook);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["event"], "update");
  EXPECT_EQ(events[1]["goroutines"], 210);
}

TEST_F(AlertsTest, ResolveAfterQuietAndReopenOnlyOnRegression) {
  auto alerter = NewAlerter();
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  // Flapping within resolve_after: no resolve, no second open.
  now_ += 600;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(false)})).ok());
  now_ += 600;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  EXPECT_EQ(poster_.To(kHook).size(), 1u);
  // Quiet for 30 minutes: resolved once.
  for (int i = 0; i < 8; ++i) {
    now_ += 300;
    ASSERT_TRUE(alerter->Process(ReportOf({Site(false)})).ok());
  }
  std::vector<json> events = poster_.To(kHook);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["event"], "resolve");
  EXPECT_EQ(alerter->View("checkout", 0x00ab00cd00ef0012).ticket, "resolved");
  // Regression: re-opened.
  now_ += 300;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  events = poster_.To(kHook);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2]["event"], "open");
  EXPECT_EQ(events[2]["reopened"], true);
}

TEST_F(AlertsTest, FailedDeliveryIsRetriedAndSurvivesRestart) {
  auto alerter = NewAlerter();
  poster_.fail_url = kHook;
  poster_.failures_left = 3;  // every attempt of this round
  absl::Status status = alerter->Process(ReportOf({Site(true)}));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(poster_.To(kHook).size(), 0u);
  EXPECT_EQ(std::count(deliveries_.begin(), deliveries_.end(), "webhook:error"),
            3);
  // The analyzer restarts before the next round: the pending event is
  // delivered once, with the same event id.
  alerter = NewAlerter();
  now_ += 300;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  std::vector<json> events = poster_.To(kHook);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["event"], "open");
  EXPECT_EQ(events[0]["event_id"], "checkout/00ab00cd00ef0012/1");
  now_ += 300;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  EXPECT_EQ(poster_.To(kHook).size(), 1u);
}

TEST_F(AlertsTest, RetryWithinARound) {
  auto alerter = NewAlerter();
  poster_.fail_url = kHook;
  poster_.failures_left = 2;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  EXPECT_EQ(poster_.To(kHook).size(), 1u);
}

TEST_F(AlertsTest, StateStoreDownFilesNoTicket) {
  auto alerter = NewAlerter();
  store_.set_failure(absl::UnavailableError("collector down"));
  EXPECT_EQ(alerter->Process(ReportOf({Site(true)})).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(poster_.To(kHook).size(), 0u);  // not before the state is saved
  EXPECT_EQ(poster_.To(Am()).size(), 1u);   // alerts need no state
  store_.set_failure(absl::OkStatus());
  now_ += 300;
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  EXPECT_EQ(poster_.To(kHook).size(), 1u);
}

TEST_F(AlertsTest, ServiceGoneResolves) {
  auto alerter = NewAlerter();
  ASSERT_TRUE(alerter->Process(ReportOf({Site(true)})).ok());
  now_ += 300;
  ASSERT_TRUE(alerter->Process(ReportOf({})).ok());
  std::vector<json> posts = poster_.To(Am());
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[1][0]["labels"]["owner"], "team-checkout");
  EXPECT_EQ(posts[1][0]["endsAt"], "2027-01-15T08:05:00Z");
  EXPECT_EQ(poster_.To(kHook).back()["event"], "resolve");
}

TEST_F(AlertsTest, NoSinksNoPosts) {
  AlerterOptions o;
  Alerter alerter(o, &poster_, &store_);
  ASSERT_TRUE(alerter.Load().ok());
  ASSERT_TRUE(alerter.Process(ReportOf({Site(true)})).ok());
  EXPECT_TRUE(poster_.calls.empty());
  EXPECT_EQ(alerter.View("checkout", 0x00ab00cd00ef0012).state, "firing");
}

TEST_F(AlertsTest, HttpPosterErrors) {
  auto poster = NewHttpPoster(absl::Seconds(2));
  EXPECT_EQ(poster->Post("no-scheme", "{}", "application/json").code(),
            absl::StatusCode::kInvalidArgument);
  // Port 1 on loopback: nothing listens.
  EXPECT_EQ(
      poster->Post("http://127.0.0.1:1/x", "{}", "application/json").code(),
      absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace analyzer
}  // namespace leakprof
