// A real leakprof-collector child process is SIGKILLed while several agents
// push to it; restarted on the same data directory, it must hold every
// snapshot it acknowledged (counted one by one).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "collector/testing/snapshots.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/query.grpc.pb.h"
#include "proto/snapshot.grpc.pb.h"

extern char** environ;

namespace leakprof::collector {
namespace {

namespace v1 = ::leakprof::v1;
using testing::AddDefinitions;
using testing::MakeSnapshot;
using testing::SiteOf;

std::string g_binary;

struct Child {
  pid_t pid = -1;
  int grpc_port = 0;
};

Child StartCollector(const std::string& dir, const std::string& tag) {
  const std::string ready = absl::StrCat(dir, "/ready-", tag);
  std::vector<std::string> args = {
      g_binary, absl::StrCat("--data-dir=", dir, "/db"),
      "--grpc-addr=127.0.0.1:0", "--http-addr=127.0.0.1:0",
      absl::StrCat("--ready-file=", ready)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Child child;
  if (posix_spawn(&child.pid, g_binary.c_str(), nullptr, nullptr, argv.data(),
                  environ) != 0) {
    ADD_FAILURE() << "cannot start " << g_binary;
    return child;
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(120);
  while (absl::Now() < deadline) {
    std::ifstream in(ready);
    if (in >> child.grpc_port) return child;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ADD_FAILURE() << "collector did not become ready";
  return child;
}

TEST(CrashTest, SigkillMidLoadLosesNoAcknowledgedSnapshot) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  Child child = StartCollector(dir, "1");
  ASSERT_GT(child.grpc_port, 0);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", child.grpc_port),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::Collector::NewStub(channel);

  constexpr int kAgents = 8;
  constexpr int kMaxPushes = 4000;  // per agent, a bound, never reached
  // Two days ago, on a window boundary: the load crosses windows (seals).
  const int64_t t0 =
      (absl::ToUnixSeconds(absl::Now()) - 2 * 86400) / 7200 * 7200;
  absl::Mutex mu;
  std::vector<std::vector<int64_t>> acked(kAgents);  // acked timestamps
  std::atomic<int> total_acked{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> agents;
  for (int a = 0; a < kAgents; ++a) {
    agents.emplace_back([&, a] {
      for (int i = 0; i < kMaxPushes && !stop.load(); ++i) {
        const int64_t ts = t0 + 60 * i;
        v1::PushRequest req;
        *req.mutable_snapshot() =
            MakeSnapshot("svc", absl::StrCat("agent-", a), ts, i + 1,
                         {{1, i % 7}, {static_cast<uint64_t>(10 + a), i}});
        AddDefinitions(req.mutable_snapshot(),
                       {1, static_cast<uint64_t>(10 + a)});
        v1::PushResponse resp;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
        grpc::Status st = stub->Push(&ctx, req, &resp);
        if (!st.ok()) return;  // the collector died
        if (resp.stored()) {
          absl::MutexLock lock(&mu);
          acked[a].push_back(ts);
          total_acked.fetch_add(1);
        }
      }
    });
  }
  // Kill once enough acknowledged pushes went by (more than one window per
  // agent), or after a bounded wait.
  const absl::Time deadline = absl::Now() + absl::Seconds(120);
  while (total_acked.load() < kAgents * 150 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(kill(child.pid, SIGKILL), 0);
  int wstatus = 0;
  waitpid(child.pid, &wstatus, 0);
  stop.store(true);
  for (auto& t : agents) t.join();
  ASSERT_TRUE(WIFSIGNALED(wstatus));
  const int acked_count = total_acked.load();
  ASSERT_GT(acked_count, 0);

  Child again = StartCollector(dir, "2");
  ASSERT_GT(again.grpc_port, 0);
  auto query = v1::Query::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", again.grpc_port),
                          grpc::InsecureChannelCredentials()));
  int found = 0;
  for (int a = 0; a < kAgents; ++a) {
    v1::GetSiteSeriesRequest req;
    req.set_service("svc");
    req.set_site_id(SiteOf(static_cast<uint64_t>(10 + a)));
    req.mutable_window()->set_start_unix_seconds(t0);
    v1::GetSiteSeriesResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(60));
    grpc::Status st = query->GetSiteSeries(&ctx, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(resp.instances_size(), 1);
    const auto& series = resp.instances(0);
    std::vector<int64_t> stored(series.timestamps_unix_seconds().begin(),
                                series.timestamps_unix_seconds().end());
    absl::MutexLock lock(&mu);
    for (int64_t ts : acked[a]) {
      const bool present = std::binary_search(stored.begin(), stored.end(), ts);
      EXPECT_TRUE(present) << "agent " << a << " lost acknowledged " << ts;
      if (present) {
        ++found;
        // The count is the one pushed: i at index (ts - t0) / 60.
        auto it = std::lower_bound(stored.begin(), stored.end(), ts);
        EXPECT_EQ(series.counts(it - stored.begin()), (ts - t0) / 60);
      }
    }
    // At most one unacknowledged snapshot per agent may have landed too.
    EXPECT_LE(stored.size(), acked[a].size() + 1);
  }
  EXPECT_EQ(found, acked_count);
  std::cerr << "acknowledged " << acked_count << ", found after restart "
            << found << "\n";
  kill(again.pid, SIGTERM);
  waitpid(again.pid, &wstatus, 0);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
}

}  // namespace
}  // namespace leakprof::collector

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::cerr << "usage: crash_test PATH_TO_leakprof-collector\n";
    return 2;
  }
  leakprof::collector::g_binary = argv[1];
  return RUN_ALL_TESTS();
}
