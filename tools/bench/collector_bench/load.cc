// collector_load: a bounded load generator for leakprof-collector, the same
// shape as the Prometheus remote-write anchor (promrwload): services x
// instances x stacks series, one point per series per round, rounds a
// simulated minute apart, counts from the same value function (~75%
// constant, ~20% jitter, ~5% growing). Each push is one snapshot of one
// instance (its `stacks` points), acknowledged only once durable.
//
//   collector_load --target=127.0.0.1:7070 --services=100 --instances=10
//                  --stacks=100 --rounds=241 --conc=64 --pid=COLLECTOR_PID
//
// Prints the acknowledged points per second, push latency p50/p99, and the
// collector's CPU and RSS (from /proc/PID) while loading. With
// --query-site-window-hours=N it then times GetSiteSeries of one site over
// the last N hours of data for all instances of service 0.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "proto/query.grpc.pb.h"
#include "proto/snapshot.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:7070", "collector gRPC address");
ABSL_FLAG(int, services, 100, "services");
ABSL_FLAG(int, instances, 10, "instances per service");
ABSL_FLAG(int, stacks, 100, "stacks per instance (shared within a service)");
ABSL_FLAG(int, rounds, 241, "rounds: one snapshot per instance per round");
ABSL_FLAG(int, conc, 256, "pushes in flight (callback API, no thread each)");
ABSL_FLAG(int, channels, 4, "gRPC channels (connections)");
ABSL_FLAG(int, max_seconds, 600, "hard bound on the load's duration");
ABSL_FLAG(int, pid, 0, "collector pid, for CPU/RSS sampling");
ABSL_FLAG(int, query_site_window_hours, 0,
          "after the load, time GetSiteSeries over this many hours (0: no)");
ABSL_FLAG(int, query_repeats, 20, "GetSiteSeries calls to time");

namespace {

namespace v1 = ::leakprof::v1;

uint64_t Mix(uint64_t x) {  // splitmix64 finalizer, as in promrwload
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// promrwload's value(): integer goroutine counts.
int64_t Value(uint64_t series, int round) {
  const uint64_t h = Mix(series);
  const int64_t base = 1 + static_cast<int64_t>(h % 20);
  const uint64_t k = (h >> 8) % 100;
  if (k < 5) return base + round * static_cast<int64_t>(1 + (h >> 16) % 3);
  if (k < 25) {
    return base + static_cast<int64_t>(
                      Mix((series << 20) ^ static_cast<uint64_t>(round)) % 3);
  }
  return base;
}

uint64_t StackId(int service, int stack) {
  return Mix((static_cast<uint64_t>(service) << 32) |
             static_cast<uint64_t>(stack)) |
         1;
}
uint64_t SiteId(uint64_t stack_id) { return Mix(stack_id) | 1; }

struct ProcSample {
  double cpu_seconds = 0;
  int64_t rss_kb = 0;
  int64_t hwm_kb = 0;
};

ProcSample ReadProc(int pid) {
  ProcSample s;
  if (pid <= 0) return s;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)),
                   std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return s;
  std::istringstream fields(text.substr(paren + 2));
  std::string f;
  for (int i = 0; i < 15 && fields >> f; ++i) {
    if (i == 11) s.cpu_seconds += std::stod(f) / 100.0;
    if (i == 12) s.cpu_seconds += std::stod(f) / 100.0;
  }
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stoll(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kb = std::stoll(line.substr(6));
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int services = absl::GetFlag(FLAGS_services);
  const int instances = absl::GetFlag(FLAGS_instances);
  const int stacks = absl::GetFlag(FLAGS_stacks);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  const int conc = absl::GetFlag(FLAGS_conc);
  const int pid = absl::GetFlag(FLAGS_pid);
  const int total_instances = services * instances;

  // Rounds a minute apart, the first on a 2-hour boundary (like
  // promrwload -align-2h), the last at least an hour ago.
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const int64_t t0 = (now - 3600 - 60LL * rounds) / 7200 * 7200;

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < absl::GetFlag(FLAGS_channels); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct connections
    // A series response is megabytes: a large receive window (fewer flow
    // control round trips) and message limit, as the analyzer sets them.
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 << 20);
    args.SetMaxReceiveMessageSize(256 << 20);
    channels.push_back(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), args));
  }

  std::atomic<int64_t> points{0}, pushes{0}, failures{0};
  std::atomic<int> min_round{0};
  std::vector<std::atomic<int>> thread_round(conc);
  absl::Mutex lat_mu;
  std::vector<double> latencies;  // microseconds
  latencies.reserve(static_cast<size_t>(total_instances) * rounds);
  const absl::Time start = absl::Now();
  const absl::Time deadline =
      start + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  std::atomic<bool> stop{false};

  // `conc` slots, each with one push in flight at a time (gRPC's callback
  // API: the next push starts from the previous one's completion), each
  // owning the instances inst % conc == slot, round-major.
  struct Slot {
    int id = 0;
    int round = 0;
    int inst = 0;
    std::unique_ptr<grpc::ClientContext> ctx;
    v1::PushRequest req;
    v1::PushResponse resp;
    absl::Time sent;
    std::vector<double> latencies;
    v1::Collector::Stub* stub = nullptr;
  };
  std::vector<std::unique_ptr<v1::Collector::Stub>> stubs;
  for (auto& ch : channels) stubs.push_back(v1::Collector::NewStub(ch));
  std::vector<Slot> slots(conc);
  std::atomic<int> slots_done{0};
  absl::Notification all_done;
  std::function<void(Slot&)> start_push;
  auto finish_slot = [&](Slot& slot) {
    thread_round[slot.id].store(rounds);
    if (slots_done.fetch_add(1) + 1 == conc) all_done.Notify();
  };
  auto on_done = [&](Slot& slot, const grpc::Status& st) {
    slot.latencies.push_back(
        absl::ToDoubleMicroseconds(absl::Now() - slot.sent));
    pushes.fetch_add(1);
    if (!st.ok() || !slot.resp.stored()) {
      if (failures.fetch_add(1) < 5) {
        std::cerr << "push failed: " << st.error_code() << " "
                  << st.error_message() << " stored=" << slot.resp.stored()
                  << " unknown=" << slot.resp.unknown_stack_ids_size() << "\n";
      }
    } else {
      points.fetch_add(stacks);
    }
    if (absl::Now() > deadline) stop.store(true);
    slot.inst += conc;
    if (slot.inst >= total_instances) {
      slot.inst = slot.id;
      ++slot.round;
      thread_round[slot.id].store(slot.round);
    }
    if (slot.round >= rounds || stop.load()) {
      finish_slot(slot);
      return;
    }
    start_push(slot);
  };
  start_push = [&](Slot& slot) {
    const int r = slot.round;
    const int inst = slot.inst;
    const int svc = inst / instances;
    v1::Snapshot* s = slot.req.mutable_snapshot();
    s->Clear();
    s->set_service(absl::StrCat("svc-", svc));
    s->set_instance(absl::StrCat("inst-", inst % instances));
    s->set_timestamp_unix_nanos((t0 + 60LL * r) * 1000000000LL);
    s->set_process_start_unix_nanos((t0 - 3600) * 1000000000LL);
    s->set_go_version("go1.19");
    s->set_kind(v1::PROFILE_KIND_GOROUTINE);
    s->set_sequence(static_cast<uint64_t>(r) + 1);
    int64_t total = 0;
    for (int k = 0; k < stacks; ++k) {
      const uint64_t series =
          (static_cast<uint64_t>(inst) * stacks) + static_cast<uint64_t>(k);
      s->add_stack_ids(StackId(svc, k));
      const int64_t v = Value(series, r);
      s->add_counts(v);
      total += v;
    }
    s->set_total_goroutines(total);
    if (r == 0) {
      s->add_strings("");
      for (int k = 0; k < stacks; ++k) {
        v1::StackDef* d = s->add_definitions();
        d->set_stack_id(StackId(svc, k));
        d->set_site_id(SiteId(StackId(svc, k)));
        d->set_block_class(v1::BLOCK_CLASS_CHAN_RECEIVE);
        v1::Frame* f = d->add_frames();
        f->set_function(static_cast<uint32_t>(s->strings_size()));
        s->add_strings(absl::StrCat("main.worker", k));
        f->set_file(static_cast<uint32_t>(s->strings_size()));
        s->add_strings("/src/app/main.go");
        f->set_line(100 + k);
      }
    }
    slot.resp.Clear();
    slot.ctx = std::make_unique<grpc::ClientContext>();
    slot.ctx->set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(30));
    slot.sent = absl::Now();
    slot.stub->async()->Push(
        slot.ctx.get(), &slot.req, &slot.resp,
        [&slot, &on_done](grpc::Status st) { on_done(slot, st); });
  };

  auto self_cpu = [] {
    rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  };
  const double self_before = self_cpu();
  for (int w = 0; w < conc; ++w) {
    slots[w].id = w;
    slots[w].inst = w;
    slots[w].stub = stubs[w % stubs.size()].get();
    if (w >= total_instances) {
      finish_slot(slots[w]);
      continue;
    }
    start_push(slots[w]);
  }
  ProcSample before = ReadProc(pid);
  int64_t max_rss_kb = 0;
  std::atomic<bool> done{false};
  std::thread monitor([&] {
    absl::Time last = absl::Now();
    int64_t last_points = 0;
    while (!done.load()) {
      absl::SleepFor(absl::Milliseconds(200));
      int m = rounds;
      for (auto& tr : thread_round) m = std::min(m, tr.load());
      min_round.store(m);
      ProcSample p = ReadProc(pid);
      max_rss_kb = std::max(max_rss_kb, p.rss_kb);
      if (absl::Now() - last >= absl::Seconds(5)) {
        const int64_t pts = points.load();
        std::printf(
            "  t=%5.1fs points=%" PRId64 " (+%.0f/s) round=%d rss=%" PRId64
            "MB\n",
            absl::ToDoubleSeconds(absl::Now() - start), pts,
            (pts - last_points) / absl::ToDoubleSeconds(absl::Now() - last), m,
            p.rss_kb / 1024);
        std::fflush(stdout);
        last = absl::Now();
        last_points = pts;
      }
    }
  });
  all_done.WaitForNotification();
  for (auto& slot : slots) {
    latencies.insert(latencies.end(), slot.latencies.begin(),
                     slot.latencies.end());
  }
  const absl::Duration took = absl::Now() - start;
  done.store(true);
  monitor.join();
  ProcSample after = ReadProc(pid);
  max_rss_kb = std::max(max_rss_kb, after.rss_kb);

  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double q) {
    if (latencies.empty()) return 0.0;
    return latencies[std::min(latencies.size() - 1,
                              static_cast<size_t>(q * latencies.size()))] /
           1000.0;
  };
  const double secs = absl::ToDoubleSeconds(took);
  std::printf(
      "collector_load: series=%d rounds=%d pushes=%" PRId64 " failed=%" PRId64
      " points=%" PRId64
      " in %.1fs: %.0f points/s (%.0f pushes/s), push "
      "latency p50=%.2fms p99=%.2fms; collector cpu=%.0f%% rss_max=%" PRId64
      "MB hwm=%" PRId64 "MB; load generator cpu=%.0f%%\n",
      total_instances * stacks, rounds, pushes.load(), failures.load(),
      points.load(), secs, points.load() / secs, pushes.load() / secs, pct(0.5),
      pct(0.99), 100.0 * (after.cpu_seconds - before.cpu_seconds) / secs,
      max_rss_kb / 1024, after.hwm_kb / 1024,
      100.0 * (self_cpu() - self_before) / secs);

  const int hours = absl::GetFlag(FLAGS_query_site_window_hours);
  if (hours > 0) {
    auto query = v1::Query::NewStub(channels[0]);
    v1::GetSiteSeriesRequest req;
    req.set_service("svc-0");
    req.set_site_id(SiteId(StackId(0, 3)));
    const int64_t end = t0 + 60LL * rounds;
    req.mutable_window()->set_start_unix_seconds(end - hours * 3600LL);
    req.mutable_window()->set_end_unix_seconds(end);
    req.set_max_instances(10000);
    std::vector<double> ms;
    int64_t got_points = 0;
    int got_instances = 0;
    for (int i = 0; i < absl::GetFlag(FLAGS_query_repeats); ++i) {
      v1::GetSiteSeriesResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
      const absl::Time t = absl::Now();
      grpc::Status st = query->GetSiteSeries(&ctx, req, &resp);
      ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
      if (!st.ok()) {
        std::cerr << "GetSiteSeries: " << st.error_message() << "\n";
        return 1;
      }
      got_instances = resp.instances_size();
      got_points = 0;
      for (const auto& s : resp.instances()) got_points += s.counts_size();
    }
    std::sort(ms.begin(), ms.end());
    std::printf(
        "query: GetSiteSeries %dh window, one site, %d instances, %" PRId64
        " points: min=%.1fms p50=%.1fms max=%.1fms over %zu calls\n",
        hours, got_instances, got_points, ms.front(), ms[ms.size() / 2],
        ms.back(), ms.size());
  }
  return failures.load() == 0 ? 0 : 1;
}
