// Copyright 2026 The leakprof Authors.

#include "agent/config.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace agent {
namespace {

TEST(ConfigTest, Targets) {
  auto c = ParseConfig(R"(collector: collector:7070
targets:
  - target: http://127.0.0.1:6060/debug/pprof
    service: payments
    instance: pod-1
    labels: {zone: eu, version: "1.2"}
  - target: http://127.0.0.1:6061/debug/pprof/
    service: ledger
    instance: pod-1
)",
                       "agent.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->collector, "collector:7070");
  ASSERT_EQ(c->targets.size(), 2u);
  EXPECT_EQ(c->targets[0].url, "http://127.0.0.1:6060/debug/pprof/");
  EXPECT_EQ(c->targets[0].service, "payments");
  EXPECT_EQ(c->targets[0].labels,
            (std::vector<std::pair<std::string, std::string>>{
                {"version", "1.2"}, {"zone", "eu"}}));
  EXPECT_EQ(c->targets[1].labels.size(), 0u);
}

// Each bad file: the message must name the line (and column) and the fault.
struct BadCase {
  const char* yaml;
  const char* want;
};

TEST(ConfigTest, ErrorsNameTheLine) {
  const BadCase cases[] = {
      {"targets:\n  - target: http://x:1/\n    service: a: b\n",
       "agent.yaml:3:"},
      {"targets:\n  - target: http://x:1/\n    service: [a\n",
       "agent.yaml:4:1: "},
      {"targets:\n  - target: http://x:1/\n",
       "agent.yaml:2:5: targets[0]: "
       "missing \"service\""},
      {"targets:\n  - service: a\n",
       "agent.yaml:2:5: targets[0]: missing "
       "\"target\""},
      {"targets:\n  - target: ftp://x/\n    service: a\n",
       "agent.yaml:2:13: targets[0]: target \"ftp://x/\""},
      {"targets:\n  - target: http://x:1/\n    service: a\n    colour: red\n",
       "agent.yaml:4:5: targets[0]: unknown key \"colour\""},
      {"targets:\n  - target: http://x:1/\n    service: a\n    labels: x\n",
       "agent.yaml:4:13: targets[0].labels: want a mapping"},
      {"targets:\n  - target: http://x:1/\n    service: a\n    labels: "
       "{\"bad-name\": 1}\n",
       "agent.yaml:4:14: targets[0].labels: bad label \"bad-name\""},
      {"targets: []\n", "agent.yaml:1:10: \"targets\": want a non-empty list"},
      {"target: http://x:1/\n", "agent.yaml:1:1: unknown key \"target\""},
      {"targets:\n  - target: http://x:1/\n    service: a\n    instance: i\n"
       "  - target: http://x:2/\n    service: a\n    instance: i\n",
       "agent.yaml:5:5: targets[1]: service/instance \"a/i\" given twice"},
  };
  for (const BadCase& c : cases) {
    auto r = ParseConfig(c.yaml, "agent.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(r.status().message(), c.want))
        << "got: " << r.status().message() << "\nwant: " << c.want;
  }
}

TEST(ConfigTest, Labels) {
  auto l = ParseLabels("zone=eu, version=1.2,empty=");
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(*l, (std::vector<std::pair<std::string, std::string>>{
                    {"empty", ""}, {"version", "1.2"}, {"zone", "eu"}}));
  EXPECT_TRUE(ParseLabels("")->empty());
  EXPECT_EQ(ParseLabels("novalue").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLabels("a=1,a=2").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLabels("9x=1").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseLabels("v=" + std::string(1025, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string many;
  for (int i = 0; i < 65; ++i) absl::StrAppend(&many, "l", i, "=v,");
  EXPECT_EQ(ParseLabels(many).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ConfigTest, TargetUrl) {
  EXPECT_EQ(*NormalizeTargetUrl("http://h:1/debug/pprof"),
            "http://h:1/debug/pprof/");
  EXPECT_EQ(NormalizeTargetUrl("h:1/debug/pprof/").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NormalizeTargetUrl("http://h:1/debug/pprof/goroutine?debug=1")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ConfigTest, DefaultInstance) {
  setenv("POD_NAME", "payments-7d9f", 1);
  EXPECT_EQ(DefaultInstance("http://127.0.0.1:6060/debug/pprof/"),
            "payments-7d9f");
  unsetenv("POD_NAME");
  EXPECT_TRUE(absl::EndsWith(
      DefaultInstance("http://127.0.0.1:6060/debug/pprof/"), ":6060"));
}

}  // namespace
}  // namespace agent
}  // namespace leakprof
