// Copyright 2026 The leakprof Authors.
//
// The agent end to end: real Go programs as targets (tests/goprof:blocker),
// a real gRPC collector in the test (testing/test_collector.h) over loopback,
// a real spool on disk, /metrics over HTTP. Covers the stack dictionary, the
// unknown-ids resend, the spool across a collector that is down then up and
// across an agent restart (nothing lost, order kept), refusals, and the
// bearer token.
//
// Flags (BUILD): --blocker=PATH of the Go program.

#include "agent/agent.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "agent/collector_client.h"
#include "agent/testing/bad_target.h"
#include "agent/testing/test_collector.h"
#include "common/http/keepalive_fetcher.h"
#include "gtest/gtest.h"
#include "tests/util/go_process.h"

namespace leakprof {
namespace agent {
namespace {

std::string g_blocker = "tests/goprof/blocker_/blocker";

std::string TempDir(const std::string& name) {
  const char* t = std::getenv("TEST_TMPDIR");
  static int n = 0;
  return absl::StrCat(t != nullptr ? t : "/tmp", "/", name, "-", getpid(), "-",
                      ++n);
}

// Polls `cond` every 20 ms until it holds or `timeout` passes.
template <typename F>
bool Eventually(F cond, absl::Duration timeout = absl::Seconds(60)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (cond()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return cond();
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(blocker_.Start(testutil::Runfile(g_blocker)).ok());
    ASSERT_TRUE(collector_.Start().ok());
  }
  void TearDown() override {
    if (agent_) agent_->Stop();
    collector_.Stop();
  }

  AgentOptions Options(const std::string& spool_dir) {
    AgentOptions o;
    TargetConfig t;
    t.url = blocker_.PprofRoot();
    t.service = "blocker";
    t.instance = "blocker-0";
    t.labels = {{"version", "1.0"}, {"zone", "test"}};
    o.targets.push_back(t);
    o.scrape.interval = absl::Milliseconds(150);
    o.scrape.jitter = 0;
    o.scrape.budget = 0;
    o.scrape.timeout = absl::Seconds(10);
    o.scrape.agent_version = "test";
    o.spool.dir = spool_dir;
    o.sender.initial_backoff = absl::Milliseconds(30);
    o.sender.max_backoff = absl::Milliseconds(300);
    o.http_addr = "127.0.0.1:0";
    return o;
  }

  absl::StatusOr<std::unique_ptr<Agent>> StartAgent(
      AgentOptions o, CollectorClientOptions client = {}) {
    if (client.address == "127.0.0.1:7070") {
      client.address = collector_.address();
    }
    client.timeout = absl::Seconds(5);
    absl::StatusOr<std::unique_ptr<PushTransport>> t =
        NewCollectorClient(client);
    if (!t.ok()) return t.status();
    return Agent::Start(std::move(o), *std::move(t),
                        http::NewKeepAliveFetcher());
  }

  std::string Metrics(const Agent& agent) {
    auto f = http::NewKeepAliveFetcher();
    auto r = f->Get(
        absl::StrCat("http://127.0.0.1:", const_cast<Agent&>(agent).http_port(),
                     "/metrics"),
        http::FetchOptions());
    return r.ok() ? r->body : r.status().ToString();
  }

  // The sequences of the stored snapshots of `service`, in arrival order.
  std::vector<uint64_t> Sequences() {
    std::vector<uint64_t> out;
    for (const v1::Snapshot& s : collector_.Stored()) {
      if (s.kind() == v1::PROFILE_KIND_GOROUTINE) out.push_back(s.sequence());
    }
    return out;
  }

  testutil::GoProcess blocker_;
  testing::TestCollector collector_;
  std::unique_ptr<Agent> agent_;
};

TEST_F(AgentTest, PushesSnapshotsWithDictionary) {
  auto agent = StartAgent(Options(TempDir("spool")));
  ASSERT_TRUE(agent.ok()) << agent.status();
  agent_ = *std::move(agent);
  ASSERT_TRUE(collector_.WaitForStored(4, absl::Seconds(60)));

  std::vector<struct testing::TestCollector::Push> pushes = collector_.Pushes();
  ASSERT_GE(pushes.size(), 4u);
  const v1::Snapshot& first = pushes[0].snapshot;
  EXPECT_EQ(first.service(), "blocker");
  EXPECT_EQ(first.instance(), "blocker-0");
  ASSERT_EQ(first.labels_size(), 2);
  EXPECT_EQ(first.labels(0).name(), "version");
  EXPECT_EQ(first.labels(1).value(), "test");
  EXPECT_EQ(first.kind(), v1::PROFILE_KIND_GOROUTINE);
  EXPECT_EQ(first.stack_ids_size(), first.counts_size());
  // The first push defines every stack; string index 0 is "".
  EXPECT_EQ(first.definitions_size(), first.stack_ids_size());
  ASSERT_GT(first.strings_size(), 1);
  EXPECT_EQ(first.strings(0), "");
  // blocker parks 102 goroutines at its sites, plus its own.
  EXPECT_GE(first.total_goroutines(), 102);
  // Every goroutine with frames is a point; one Go caught with no frames
  // (starting or exiting) counts in the total only (snapshot_builder.cc).
  int64_t sum = 0;
  for (int64_t c : first.counts()) sum += c;
  EXPECT_GE(sum, 102);
  EXPECT_LE(sum, first.total_goroutines());
  // Process facts, found through /proc (the test owns the process).
  EXPECT_TRUE(absl::StartsWith(first.go_version(), "go1."))
      << first.go_version();
  EXPECT_GT(first.process_start_unix_nanos(), 0);
  EXPECT_LE(first.process_start_unix_nanos(), absl::GetCurrentTimeNanos());

  // Later pushes define only stacks no earlier push carried (the blocker's
  // parked stacks never change; only its HTTP-serving goroutines come and
  // go): steady state is ids and counts.
  std::set<uint64_t> sent(first.stack_ids().begin(), first.stack_ids().end());
  for (size_t i = 1; i < pushes.size(); ++i) {
    const v1::Snapshot& s = pushes[i].snapshot;
    for (const v1::StackDef& d : s.definitions()) {
      EXPECT_EQ(sent.count(d.stack_id()), 0u) << "push " << i;
    }
    EXPECT_LE(s.definitions_size(), 2) << "push " << i;
    sent.insert(s.stack_ids().begin(), s.stack_ids().end());
    if (s.definitions_size() == 0) {
      EXPECT_EQ(s.strings_size(), 0) << "push " << i;
      EXPECT_LT(pushes[i].request_bytes, pushes[0].request_bytes / 4);
    }
  }
  // Sequences go up by one.
  std::vector<uint64_t> seq = Sequences();
  for (size_t i = 1; i < seq.size(); ++i) EXPECT_EQ(seq[i], seq[i - 1] + 1);

  const std::string m = Metrics(*agent_);
  EXPECT_TRUE(absl::StrContains(
      m,
      "leakprof_agent_scrapes_total{instance=\"blocker-0\",profile="
      "\"goroutine\",result=\"ok\",service=\"blocker\"}"))
      << m;
  EXPECT_TRUE(absl::StrContains(
      m,
      "leakprof_agent_scrapes_total{instance=\"blocker-0\",profile="
      "\"goroutineleak\",result=\"http_error\",service=\"blocker\"} 1"))
      << m;
  EXPECT_TRUE(
      absl::StrContains(m, "leakprof_agent_pushes_total{result=\"ok\"}"));
  EXPECT_TRUE(absl::StrContains(
      m, "leakprof_agent_target_goroutines{instance=\"blocker-0\""));
  EXPECT_TRUE(absl::StrContains(m, "leakprof_agent_spool_snapshots 0"));
  EXPECT_TRUE(absl::StrContains(m, "leakprof_agent_scrape_interval_seconds"));
  // The agent's own CPU, by phase: every phase ran, so each is above 0.
  for (const char* phase : {"fetch", "parse", "snapshot", "push"}) {
    const std::string name = absl::StrCat(
        "leakprof_agent_cpu_seconds_total{phase=\"", phase, "\"} ");
    const size_t at = m.find(name);
    ASSERT_NE(at, std::string::npos) << name;
    double v = 0;
    ASSERT_TRUE(absl::SimpleAtod(
        m.substr(at + name.size(), m.find('\n', at) - at - name.size()), &v));
    EXPECT_GT(v, 0) << name;
  }
}

TEST_F(AgentTest, ResendsDefinitionsTheCollectorLost) {
  auto agent = StartAgent(Options(TempDir("spool")));
  ASSERT_TRUE(agent.ok()) << agent.status();
  agent_ = *std::move(agent);
  ASSERT_TRUE(collector_.WaitForStored(2, absl::Seconds(60)));
  collector_.ForgetDefinitions();  // as a restarted collector would
  const size_t before = collector_.Stored().size();
  ASSERT_TRUE(collector_.WaitForStored(before + 2, absl::Seconds(60)));

  // Some push was answered stored=false with unknown ids, and the very next
  // push was the same snapshot defining each of them, and was stored.
  std::vector<struct testing::TestCollector::Push> pushes = collector_.Pushes();
  int resent = 0;
  for (size_t i = 0; i + 1 < pushes.size(); ++i) {
    if (pushes[i].stored) continue;
    ASSERT_FALSE(pushes[i].unknown.empty()) << "push " << i;
    const v1::Snapshot& b = pushes[i + 1].snapshot;
    EXPECT_EQ(pushes[i].snapshot.sequence(), b.sequence());
    std::set<uint64_t> defined;
    for (const v1::StackDef& d : b.definitions()) defined.insert(d.stack_id());
    for (uint64_t id : pushes[i].unknown) EXPECT_EQ(defined.count(id), 1u);
    EXPECT_TRUE(pushes[i + 1].stored);
    ++resent;
  }
  EXPECT_GE(resent, 1);
  EXPECT_FALSE(absl::StrContains(
      Metrics(*agent_),
      "leakprof_agent_pushes_total{result=\"unknown_ids\"} 0"));
  std::vector<uint64_t> seq = Sequences();
  for (size_t i = 1; i < seq.size(); ++i) EXPECT_EQ(seq[i], seq[i - 1] + 1);
}

TEST_F(AgentTest, ResendsBindingsTheCollectorLost) {
  auto agent = StartAgent(Options(TempDir("spool")));
  ASSERT_TRUE(agent.ok()) << agent.status();
  agent_ = *std::move(agent);
  ASSERT_TRUE(collector_.WaitForStored(2, absl::Seconds(60)));
  // Steady state: points by ref, no ids, no bindings once acknowledged.
  std::vector<struct testing::TestCollector::Push> pushes = collector_.Pushes();
  EXPECT_NE(pushes.back().snapshot.stack_ids_size(), 0);  // resolved
  collector_.ForgetRefs();  // as a restarted collector would
  const size_t before = collector_.Stored().size();
  ASSERT_TRUE(collector_.WaitForStored(before + 2, absl::Seconds(60)));

  // A push was answered refs_unknown, and the very next one was the same
  // snapshot with the whole table, and was stored.
  pushes = collector_.Pushes();
  int resent = 0;
  for (size_t i = 0; i + 1 < pushes.size(); ++i) {
    if (!pushes[i].refs_unknown) continue;
    EXPECT_EQ(pushes[i].snapshot.sequence(), pushes[i + 1].snapshot.sequence());
    EXPECT_TRUE(pushes[i + 1].stored);
    ++resent;
  }
  EXPECT_GE(resent, 1);
  EXPECT_FALSE(absl::StrContains(
      Metrics(*agent_),
      "leakprof_agent_pushes_total{result=\"unknown_refs\"} 0"));
  std::vector<uint64_t> seq = Sequences();
  for (size_t i = 1; i < seq.size(); ++i) EXPECT_EQ(seq[i], seq[i - 1] + 1);
}

TEST_F(AgentTest, SpoolKeepsEverythingInOrderWhileCollectorIsDown) {
  auto agent = StartAgent(Options(TempDir("spool")));
  ASSERT_TRUE(agent.ok()) << agent.status();
  agent_ = *std::move(agent);
  ASSERT_TRUE(collector_.WaitForStored(2, absl::Seconds(60)));
  const int port = collector_.port();
  collector_.Stop();
  ASSERT_TRUE(Eventually([&] { return agent_->spool().entries() >= 5; }));
  EXPECT_TRUE(absl::StrContains(Metrics(*agent_),
                                "leakprof_agent_pushes_total{result="
                                "\"unavailable\"}"));
  collector_.ForgetDefinitions();  // a new collector process
  collector_.ForgetRefs();
  ASSERT_TRUE(collector_.Start(port).ok());
  ASSERT_TRUE(Eventually([&] { return agent_->spool().entries() == 0; }));
  agent_->Stop();

  std::vector<uint64_t> seq = Sequences();
  ASSERT_GE(seq.size(), 7u);
  EXPECT_EQ(seq.front(), 1u);
  for (size_t i = 1; i < seq.size(); ++i) {
    EXPECT_EQ(seq[i], seq[i - 1] + 1) << "at " << i;
  }
}

TEST_F(AgentTest, SpoolSurvivesAgentRestart) {
  const std::string dir = TempDir("spool");
  collector_.Refuse(grpc::StatusCode::RESOURCE_EXHAUSTED);
  {
    auto agent = StartAgent(Options(dir));
    ASSERT_TRUE(agent.ok()) << agent.status();
    ASSERT_TRUE(Eventually([&] { return (*agent)->spool().entries() >= 3; }));
    EXPECT_TRUE(absl::StrContains(
        Metrics(**agent), "leakprof_agent_pushes_total{result=\"refused\"}"));
    (*agent)->Stop();
  }
  EXPECT_EQ(collector_.Stored().size(), 0u);
  collector_.Refuse(grpc::StatusCode::OK);
  auto agent = StartAgent(Options(dir));
  ASSERT_TRUE(agent.ok()) << agent.status();
  agent_ = *std::move(agent);
  ASSERT_TRUE(Eventually([&] { return Sequences().size() >= 6; }));
  std::vector<uint64_t> seq = Sequences();
  // The first agent's snapshots first, then the second's, which continue
  // the sequence: nothing lost, order kept.
  EXPECT_EQ(seq.front(), 1u);
  for (size_t i = 1; i < seq.size(); ++i) {
    EXPECT_EQ(seq[i], seq[i - 1] + 1) << "at " << i;
  }
}

TEST_F(AgentTest, BearerToken) {
  collector_.RequireToken("s3cret");
  CollectorClientOptions wrong;
  wrong.bearer_token = "nope";
  {
    auto agent = StartAgent(Options(TempDir("spool")), wrong);
    ASSERT_TRUE(agent.ok()) << agent.status();
    ASSERT_TRUE(Eventually([&] {
      return absl::StrContains(
          Metrics(**agent),
          "leakprof_agent_pushes_total{result=\"unauthenticated\"} 2");
    }));
    EXPECT_EQ(collector_.Stored().size(), 0u);
  }
  CollectorClientOptions right;
  right.bearer_token = "s3cret";
  auto agent = StartAgent(Options(TempDir("spool")), right);
  ASSERT_TRUE(agent.ok()) << agent.status();
  agent_ = *std::move(agent);
  EXPECT_TRUE(collector_.WaitForStored(2, absl::Seconds(60)));
}

TEST_F(AgentTest, BadTargetsDoNotStopTheGoodOne) {
  testing::BadTarget bad;
  ASSERT_TRUE(bad.Start().ok());
  AgentOptions o = Options(TempDir("spool"));
  o.scrape.timeout = absl::Seconds(2);
  o.scrape.max_profile_bytes = 4 << 20;
  for (const char* kind : {"hang", "404", "garbage", "bomb", "huge"}) {
    TargetConfig t;
    t.url = bad.Root(kind);
    t.service = kind;
    t.instance = "bad-0";
    o.targets.push_back(t);
  }
  auto agent = StartAgent(o);
  ASSERT_TRUE(agent.ok()) << agent.status();
  agent_ = *std::move(agent);
  // While the hanging target keeps its thread waiting, the good one is
  // scraped and pushed on its own interval, and every bad one gets its
  // result.
  const std::vector<std::string> wanted = {
      "{instance=\"bad-0\",profile=\"goroutine\",result=\"timeout\","
      "service=\"hang\"}",
      "{instance=\"bad-0\",profile=\"goroutine\",result=\"http_error\","
      "service=\"404\"}",
      "{instance=\"bad-0\",profile=\"goroutine\",result=\"parse_error\","
      "service=\"garbage\"}",
      "{instance=\"bad-0\",profile=\"goroutine\",result=\"too_large\","
      "service=\"bomb\"}",
      "{instance=\"bad-0\",profile=\"goroutine\",result=\"too_large\","
      "service=\"huge\"}"};
  auto all_counted = [&] {
    const std::string m = Metrics(*agent_);
    for (const std::string& w : wanted) {
      if (!absl::StrContains(m,
                             absl::StrCat("leakprof_agent_scrapes_total", w))) {
        return false;
      }
    }
    return true;
  };
  ASSERT_TRUE(Eventually([&] {
    return collector_.StoredOf("blocker").size() >= 6 && all_counted();
  })) << Metrics(*agent_);
  // Nothing from a bad target reached the collector.
  for (const v1::Snapshot& s : collector_.Stored()) {
    EXPECT_EQ(s.service(), "blocker");
  }
  agent_->Stop();
  bad.Stop();
}

TEST_F(AgentTest, FullSpoolDropsOldestAndCountsThem) {
  const int port = collector_.port();
  collector_.Stop();
  AgentOptions o = Options(TempDir("spool"));
  o.spool.max_bytes = 40000;  // a few self-contained snapshots of blocker
  auto agent = StartAgent(o);
  ASSERT_TRUE(agent.ok()) << agent.status();
  agent_ = *std::move(agent);
  ASSERT_TRUE(Eventually([&] {
    return !absl::StrContains(Metrics(*agent_),
                              "leakprof_agent_spool_dropped_total 0");
  }));
  EXPECT_LE(agent_->spool().bytes(), 40000);
  EXPECT_GT(agent_->spool().entries(), 0);
  ASSERT_TRUE(collector_.Start(port).ok());
  ASSERT_TRUE(Eventually([&] { return Sequences().size() >= 3; }));
  agent_->Stop();
  // The oldest are gone; what is left arrives in order, and from the first
  // snapshot delivered on, nothing is missing.
  std::vector<uint64_t> seq = Sequences();
  EXPECT_GT(seq.front(), 1u);
  for (size_t i = 1; i < seq.size(); ++i) {
    EXPECT_EQ(seq[i], seq[i - 1] + 1) << "at " << i;
  }
}

std::string ReadTestFile(const std::string& name) {
  std::ifstream in("agent/testdata/tls/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(AgentTest, MutualTls) {
  collector_.Stop();
  grpc::SslServerCredentialsOptions ssl(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = ReadTestFile("ca.pem");
  ssl.pem_key_cert_pairs.push_back(
      {ReadTestFile("server.key"), ReadTestFile("server.pem")});
  ASSERT_TRUE(collector_.Start(0, grpc::SslServerCredentials(ssl)).ok());
  collector_.RequireToken("tok");

  // No client certificate: the handshake fails, nothing is stored.
  CollectorClientOptions no_cert;
  no_cert.tls_ca = ReadTestFile("ca.pem");
  no_cert.bearer_token = "tok";
  {
    auto agent = StartAgent(Options(TempDir("spool")), no_cert);
    ASSERT_TRUE(agent.ok()) << agent.status();
    ASSERT_TRUE(Eventually([&] {
      return !absl::StrContains(
          Metrics(**agent),
          "leakprof_agent_pushes_total{result=\"unavailable\"} 0");
    }));
  }
  EXPECT_EQ(collector_.Stored().size(), 0u);

  CollectorClientOptions mtls = no_cert;
  mtls.tls_cert = ReadTestFile("client.pem");
  mtls.tls_key = ReadTestFile("client.key");
  auto agent = StartAgent(Options(TempDir("spool")), mtls);
  ASSERT_TRUE(agent.ok()) << agent.status();
  agent_ = *std::move(agent);
  EXPECT_TRUE(collector_.WaitForStored(2, absl::Seconds(60)));
}

TEST(CollectorClientTest, BadOptions) {
  CollectorClientOptions o;
  o.address = "";
  EXPECT_EQ(NewCollectorClient(o).status().code(),
            absl::StatusCode::kInvalidArgument);
  o.address = "127.0.0.1:1";
  o.tls_cert = "x";
  EXPECT_EQ(NewCollectorClient(o).status().code(),
            absl::StatusCode::kInvalidArgument);
  o.tls_key = "y";  // a client certificate without a CA
  EXPECT_EQ(NewCollectorClient(o).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AgentTest, MetricsPassPromtool) {
  if (access("/usr/bin/promtool", X_OK) != 0) {
    GTEST_SKIP() << "no /usr/bin/promtool (Debian package prometheus)";
  }
  auto agent = StartAgent(Options(TempDir("spool")));
  ASSERT_TRUE(agent.ok()) << agent.status();
  agent_ = *std::move(agent);
  ASSERT_TRUE(collector_.WaitForStored(2, absl::Seconds(60)));
  const std::string path = TempDir("metrics.txt");
  {
    std::ofstream out(path);
    out << Metrics(*agent_);
  }
  const std::string cmd =
      absl::StrCat("/usr/bin/promtool check metrics < ", path, " 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (fgets(buf, sizeof(buf), p) != nullptr) output += buf;
  EXPECT_EQ(pclose(p), 0) << output;
}

}  // namespace
}  // namespace agent
}  // namespace leakprof

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--blocker=")) {
      leakprof::agent::g_blocker = std::string(arg);
    }
  }
  return RUN_ALL_TESTS();
}
