// Copyright 2026 The leakprof Authors.

#include "analyzer/rules.h"

#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace analyzer {
namespace {

const std::vector<StackFrame>& Frames() {
  static const auto* const kFrames = new std::vector<StackFrame>{
      {"runtime.gopark", "/usr/lib/go/src/runtime/proc.go", 363},
      {"github.com/acme/pay/billing.(*Pool).worker", "/src/pay/billing/pool.go",
       42},
      {"github.com/acme/pay/billing.Start.func1", "/src/pay/billing/start.go",
       10},
  };
  return *kFrames;
}

SiteKey Key(absl::string_view service = "payments") {
  return SiteKey{service, &Frames(), 1};
}

TEST(IgnoreRules, MatchesFunctionWithReason) {
  auto rules = IgnoreRules::Parse(R"(
ignore:
  - function: "billing\\.\\(\\*Pool\\)\\.worker$"
    reason: "bounded pool"
)");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->size(), 1u);
  EXPECT_EQ(rules->Match(Key()).value_or(""), "bounded pool");
}

TEST(IgnoreRules, AllFieldsMustMatch) {
  auto rules = IgnoreRules::Parse(R"(
ignore:
  - service: "^legacy$"
    file: "/billing/"
    reason: "legacy"
)");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_FALSE(rules->Match(Key("payments")).has_value());
  EXPECT_TRUE(rules->Match(Key("legacy")).has_value());
}

TEST(IgnoreRules, TopMatchesOnlyTheSiteFrame) {
  auto rules = IgnoreRules::Parse(R"(
ignore:
  - function: "Start\\.func1"
    top: true
    reason: "x"
)");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_FALSE(rules->Match(Key()).has_value());
}

TEST(IgnoreRules, Errors) {
  auto no_reason = IgnoreRules::Parse("ignore:\n  - function: x\n");
  EXPECT_EQ(no_reason.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_reason.status().message().find("ignore rule 1"),
            std::string::npos);
  auto bad_re =
      IgnoreRules::Parse("ignore:\n  - function: \"(\"\n    reason: r\n");
  EXPECT_EQ(bad_re.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_re.status().message().find("function"), std::string::npos);
  auto no_matcher = IgnoreRules::Parse("ignore:\n  - reason: r\n");
  EXPECT_EQ(no_matcher.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad_yaml = IgnoreRules::Parse("ignore: [\n");
  EXPECT_EQ(bad_yaml.status().code(), absl::StatusCode::kInvalidArgument);
  auto not_list = IgnoreRules::Parse("ignore: 3\n");
  EXPECT_EQ(not_list.status().code(), absl::StatusCode::kInvalidArgument);
  auto missing = IgnoreRules::Load("/nonexistent/rules.yaml");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(IgnoreRules, TimerFilter) {
  IgnoreRules defaults;
  EXPECT_FALSE(defaults.ShowsTimer(Key()));
  std::vector<StackFrame> frames = Frames();
  frames.push_back(
      {"k8s.io/apimachinery/pkg/util/wait.JitterUntil", "/src/wait.go", 1});
  EXPECT_TRUE(defaults.ShowsTimer(SiteKey{"s", &frames, 1}));
  auto custom = IgnoreRules::Parse("timer_functions: [\"Pool\"]\n");
  ASSERT_TRUE(custom.ok());
  EXPECT_TRUE(custom->ShowsTimer(Key()));
}

TEST(Routing, FirstMatchWinsWithLabels) {
  auto routing = Routing::Parse(R"(
default_owner: platform
default_labels: {severity: warning}
routes:
  - file: "/billing/"
    owner: team-billing
    labels: {severity: critical, team: billing}
  - service: "payments"
    owner: team-payments
)");
  ASSERT_TRUE(routing.ok()) << routing.status();
  RouteResult r = routing->Route(Key());
  EXPECT_EQ(r.owner, "team-billing");
  EXPECT_EQ(r.labels["severity"], "critical");
  EXPECT_EQ(r.labels["team"], "billing");
  std::vector<StackFrame> other{{"main.f", "/src/main.go", 1}};
  RouteResult d = routing->Route(SiteKey{"search", &other, 0});
  EXPECT_EQ(d.owner, "platform");
  EXPECT_EQ(d.labels["severity"], "warning");
  RouteResult p = routing->Route(SiteKey{"payments", &other, 0});
  EXPECT_EQ(p.owner, "team-payments");
}

TEST(Routing, Errors) {
  auto no_owner = Routing::Parse("routes:\n  - service: x\n");
  EXPECT_EQ(no_owner.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_owner.status().message().find("route 1"), std::string::npos);
  auto bad_labels =
      Routing::Parse("routes:\n  - service: x\n    owner: o\n    labels: 3\n");
  EXPECT_EQ(bad_labels.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Routing().Route(Key()).owner, "unowned");
}

}  // namespace
}  // namespace analyzer
}  // namespace leakprof
