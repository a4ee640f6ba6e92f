// Copyright 2026 The leakprof Authors.
//
// push_bench: the CPU and memory of the agent's Push transport, client side
// only (the collector is another process: //agent:bench_collector). Pushes
// --pushes steady-state snapshots (--stacks ids and counts, no definitions,
// after one first push with them) to --collector and prints one line:
//
//   transport=h2 pushes=200 stacks=301 cpu_us_per_push=85.1
//   wall_us_per_push=240.3 idle_cpu_us_per_s=95.0 idle_wakeups_per_s=0.0
//   baseline_idle_cpu_us_per_s=97.0 threads=1 maxrss_kib=13900
//
// cpu = CLOCK_PROCESS_CPUTIME_ID over the pushes (all threads of the
// process); idle = the same over --idle seconds of sleep after them, with
// the transport kept (what the agent costs between pushes), its context
// switches (threads waking up), and, as the floor, the same CPU clock over
// a sleep before any transport exists. Built twice:
// //agent:push_bench (transport=h2, collector_client.h) and
// //agent:push_bench_grpc (LEAKPROF_PUSH_BENCH_GRPC: Debian's grpc++ the way
// the agent used it before, --transport=grpc_per_push: a channel per push,
// or grpc_kept: one channel kept). tools/bench/push_transport.sh runs both.

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/collector_client.h"
#include "agent/pusher.h"
#include "proto/snapshot.pb.h"
#ifdef LEAKPROF_PUSH_BENCH_GRPC
#include "agent/testing/grpc_collector_client.h"
#endif

ABSL_FLAG(std::string, collector, "127.0.0.1:7070", "collector host:port");
ABSL_FLAG(int, pushes, 200, "steady-state pushes measured");
ABSL_FLAG(int, stacks, 301, "stack ids per snapshot");
ABSL_FLAG(double, idle, 3, "seconds of idle measured after the pushes");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM file of the CA: push over TLS (server name localhost)");
#ifdef LEAKPROF_PUSH_BENCH_GRPC
ABSL_FLAG(std::string, transport, "grpc_per_push",
          "grpc_per_push (a channel per push, as the agent did) or grpc_kept");
#endif

namespace leakprof {
namespace agent {
namespace {

// CPU of all threads of the process, exact: the scheduler's runtime (the
// user/sys split of getrusage is tick-sampled and catches up later, which
// shows CPU during a sleep).
double CpuMicros() {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 +
         static_cast<double>(ts.tv_nsec) / 1e3;
}

// Context switches of all threads (a thread waking up is one).
long Switches() {  // NOLINT(runtime/int)
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_nvcsw + ru.ru_nivcsw;
}

long MaxRssKib() {  // NOLINT(runtime/int)
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

std::string Threads() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) {
      return std::string(absl::StripLeadingAsciiWhitespace(line.substr(8)));
    }
  }
  return "?";
}

v1::Snapshot MakeSnapshot(uint64_t seq, int stacks, bool definitions) {
  v1::Snapshot s;
  s.set_service("push-bench");
  s.set_instance(absl::StrCat("pid-", getpid()));
  s.set_sequence(seq);
  s.set_timestamp_unix_nanos(absl::GetCurrentTimeNanos());
  s.set_kind(v1::PROFILE_KIND_GOROUTINE);
  s.set_total_goroutines(stacks * 33);
  if (definitions) s.add_strings("");
  for (int i = 0; i < stacks; ++i) {
    const uint64_t id = 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(i + 1);
    s.add_stack_ids(id);
    s.add_counts(1 + (i * 7 + static_cast<int>(seq)) % 61);
    if (!definitions) continue;
    v1::StackDef* d = s.add_definitions();
    d->set_stack_id(id);
    d->set_site_id(id ^ 1);
    for (int f = 0; f < 12; ++f) {
      s.add_strings(absl::StrCat("main.fn", i, "_", f));
      v1::Frame* fr = d->add_frames();
      fr->set_function(static_cast<uint32_t>(s.strings_size() - 1));
      fr->set_line(10 + f);
    }
  }
  return s;
}

int Main() {
  // What a process that only sleeps shows on this machine's CPU clock (a
  // VM's accounting is not zero): the floor for idle_cpu_us_per_s.
  const double baseline0 = CpuMicros();
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_idle)));
  const double baseline = CpuMicros() - baseline0;
  const std::string address = absl::GetFlag(FLAGS_collector);
  const int pushes = absl::GetFlag(FLAGS_pushes);
  const int stacks = absl::GetFlag(FLAGS_stacks);
  std::string tls_ca;
  if (const std::string f = absl::GetFlag(FLAGS_tls_ca); !f.empty()) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    tls_ca = ss.str();
  }
  CollectorClientOptions options;
  options.address = address;
  options.tls_ca = tls_ca;
  if (!tls_ca.empty()) options.tls_server_name = "localhost";
#ifdef LEAKPROF_PUSH_BENCH_GRPC
  const std::string name = absl::GetFlag(FLAGS_transport);
  if (name != "grpc_per_push" && name != "grpc_kept") {
    std::fprintf(stderr, "push_bench: unknown --transport=%s\n", name.c_str());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<PushTransport> > t =
      NewGrpcAnchorClient(options, /*keep_channel=*/name == "grpc_kept");
#else
  const std::string name = "h2";
  absl::StatusOr<std::unique_ptr<PushTransport> > t =
      NewCollectorClient(options);
#endif
  if (!t.ok()) {
    std::fprintf(stderr, "push_bench: %s\n", t.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<PushTransport> transport = *std::move(t);
  uint64_t seq = 1;
  absl::StatusOr<v1::PushResponse> first =
      transport->Push(MakeSnapshot(seq++, stacks, true));
  if (!first.ok() || !first->stored()) {
    std::fprintf(stderr, "push_bench: first push: %s\n",
                 first.ok() ? "not stored" : first.status().ToString().c_str());
    return 1;
  }
  transport->Idle();
  // Snapshots built before the clock starts: only the transport is timed.
  std::vector<v1::Snapshot> snapshots;
  for (int i = 0; i < pushes; ++i) {
    snapshots.push_back(MakeSnapshot(seq++, stacks, false));
  }
  const double cpu0 = CpuMicros();
  const absl::Time wall0 = absl::Now();
  for (const v1::Snapshot& s : snapshots) {
    absl::StatusOr<v1::PushResponse> r = transport->Push(s);
    if (!r.ok() || !r->stored()) {
      std::fprintf(stderr, "push_bench: push %llu: %s\n",
                   static_cast<unsigned long long>(s.sequence()),  // NOLINT
                   r.ok() ? "not stored" : r.status().ToString().c_str());
      return 1;
    }
    transport->Idle();  // what the agent's sender does when its queue is empty
  }
  const double cpu = CpuMicros() - cpu0;
  const double wall = absl::ToDoubleMicroseconds(absl::Now() - wall0);
  const std::string threads = Threads();
  const double idle_s = absl::GetFlag(FLAGS_idle);
  const double idle0 = CpuMicros();
  const long sw0 = Switches();  // NOLINT(runtime/int)
  absl::SleepFor(absl::Seconds(idle_s));
  const double idle = CpuMicros() - idle0;
  // Minus the sleep's own switch.
  const long idle_switches = Switches() - sw0 - 1;  // NOLINT(runtime/int)
  std::printf(
      "transport=%s%s pushes=%d stacks=%d cpu_us_per_push=%.1f "
      "wall_us_per_push=%.1f idle_cpu_us_per_s=%.1f "
      "idle_wakeups_per_s=%.1f baseline_idle_cpu_us_per_s=%.1f threads=%s "
      "maxrss_kib=%ld\n",
      name.c_str(), tls_ca.empty() ? "" : "+tls", pushes, stacks, cpu / pushes,
      wall / pushes, idle_s > 0 ? idle / idle_s : 0.0,
      idle_s > 0 ? static_cast<double>(idle_switches) / idle_s : 0.0,
      idle_s > 0 ? baseline / idle_s : 0.0, threads.c_str(), MaxRssKib());
  return 0;
}

}  // namespace
}  // namespace agent
}  // namespace leakprof

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return leakprof::agent::Main();
}
