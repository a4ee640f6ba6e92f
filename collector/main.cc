// leakprof-collector: receives agents' snapshots over gRPC, stores them
// durably in RocksDB and answers the Query and State services.
//
//   leakprof-collector --data-dir=/var/lib/leakprof --grpc-addr=:7070
//                      --http-addr=:7071 [--auth-token-file=FILE]
//                      [--tls-cert=PEM --tls-key=PEM [--tls-client-ca=PEM]]

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "collector/clock.h"
#include "collector/collector_service.h"
#include "collector/metrics.h"
#include "collector/store.h"
#include "common/server/admin_server.h"
#include "common/server/signals.h"
#include "prometheus/registry.h"

ABSL_FLAG(std::string, data_dir, "leakprof-data",
          "directory of the RocksDB database (created when missing)");
ABSL_FLAG(std::string, grpc_addr, ":7070",
          "gRPC address (Collector, Query and State services); port 0 picks "
          "a free one");
ABSL_FLAG(std::string, http_addr, ":7071",
          "HTTP address of /metrics and "
          "/healthz");
ABSL_FLAG(std::string, retention, "14d",
          "how long data is kept: a number with a unit, d, h, m or s");
ABSL_FLAG(std::string, auth_token_file, "",
          "file of accepted bearer tokens, one a line; every RPC then needs "
          "\"authorization: Bearer <token>\"");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate (TLS)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA that must sign client certificates (mTLS)");
ABSL_FLAG(int, max_message_bytes, 16 << 20, "largest request accepted");
ABSL_FLAG(int, max_stacks, 20000, "most stack points in one snapshot");
ABSL_FLAG(int64_t, max_refs_per_instance, 1000000,
          "most stack references (Snapshot.stack_refs) one instance's ref "
          "table may hold; bindings past it are refused with "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(int64_t, max_ref_memory_bytes, int64_t{256} << 20,
          "memory of all ref tables together, at 8 bytes a ref; past it "
          "every table is dropped at once (agents re-send theirs, counted "
          "by leakprof_collector_ref_table_resets_total)");
ABSL_FLAG(int, max_concurrent_pushes, 512,
          "pushes in flight at once; more are refused with "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(int, push_threads, 64,
          "threads writing pushes (their WAL syncs are grouped)");
ABSL_FLAG(bool, wal_sync, true,
          "fdatasync the WAL before acknowledging a push (false: a power "
          "cut can lose the last acknowledged pushes; a crash cannot)");
ABSL_FLAG(std::string, seal_idle, "30m",
          "an instance's open 2-hour window is sealed into chunks after "
          "this long without a push");
ABSL_FLAG(std::string, retention_interval, "1h",
          "how often retention is enforced");
ABSL_FLAG(std::string, ready_file, "",
          "when set, write \"<grpc port> <http port>\" here once serving "
          "(for scripts and tests)");

namespace {

constexpr char kUsage[] =
    "leakprof-collector: receives leakprof agents' snapshots over gRPC and\n"
    "keeps the fleet's goroutine-stack time series in RocksDB; serves the\n"
    "Query and State services, /metrics and /healthz.\n"
    "\n"
    "  leakprof-collector --data-dir=DIR [--grpc-addr=:7070] "
    "[--http-addr=:7071]\n"
    "\n"
    "Flags may be spelled with dashes or underscores (--data-dir,\n"
    "--data_dir). Flags (--helpfull lists every flag):";

int Fail(const std::string& message) {
  std::cerr << "leakprof-collector: " << message << "\n";
  return 1;
}

// "14d", "36h", "90m", "30s".
absl::StatusOr<absl::Duration> ParseDays(const std::string& flag,
                                         const std::string& text) {
  if (text.size() >= 2) {
    const char unit = text.back();
    int64_t n = 0;
    if (absl::SimpleAtoi(text.substr(0, text.size() - 1), &n) && n > 0) {
      switch (unit) {
        case 'd':
          return absl::Hours(24 * n);
        case 'h':
          return absl::Hours(n);
        case 'm':
          return absl::Minutes(n);
        case 's':
          return absl::Seconds(n);
      }
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag, "=", text, ": want a positive number and d, h, m or s"));
}

// The documented flag spelling is --data-dir; absl names flags data_dir.
// Rewrites "--a-b[=v]" to "--a_b[=v]" (the name part only).
std::vector<char*> DashesToUnderscores(int argc, char** argv,
                                       std::vector<std::string>* storage) {
  storage->reserve(argc);
  std::vector<char*> out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i > 0 && absl::StartsWith(arg, "--")) {
      const size_t end = std::min(arg.find('='), arg.size());
      for (size_t j = 2; j < end; ++j) {
        if (arg[j] == '-') arg[j] = '_';
      }
    }
    storage->push_back(std::move(arg));
    out.push_back(storage->back().data());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "collector/");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  std::vector<std::string> arg_storage;
  std::vector<char*> args = DashesToUnderscores(argc, argv, &arg_storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  leakprof::BlockTerminationSignals();
  // Debian's abseil is built with mutex deadlock detection on: it costs a
  // graph update per lock on the push path. Lock order is fixed by design
  // (docs/storage.md) and checked by the tests, which keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  using namespace leakprof::collector;  // NOLINT
  auto retention = ParseDays("retention", absl::GetFlag(FLAGS_retention));
  if (!retention.ok()) return Fail(std::string(retention.status().message()));
  auto seal_idle = ParseDays("seal_idle", absl::GetFlag(FLAGS_seal_idle));
  if (!seal_idle.ok()) return Fail(std::string(seal_idle.status().message()));
  auto retention_interval =
      ParseDays("retention_interval", absl::GetFlag(FLAGS_retention_interval));
  if (!retention_interval.ok()) {
    return Fail(std::string(retention_interval.status().message()));
  }

  ServiceOptions service_options;
  service_options.limits.max_stacks = absl::GetFlag(FLAGS_max_stacks);
  service_options.limits.max_definitions = absl::GetFlag(FLAGS_max_stacks);
  service_options.max_concurrent_pushes =
      absl::GetFlag(FLAGS_max_concurrent_pushes);
  service_options.push_threads = absl::GetFlag(FLAGS_push_threads);
  service_options.refs.max_refs_per_instance =
      absl::GetFlag(FLAGS_max_refs_per_instance);
  service_options.refs.max_ref_memory_bytes =
      absl::GetFlag(FLAGS_max_ref_memory_bytes);
  if (service_options.refs.max_refs_per_instance < 1 ||
      service_options.refs.max_ref_memory_bytes < 8) {
    return Fail(
        "--max-refs-per-instance must be >= 1 and --max-ref-memory-bytes "
        ">= 8");
  }
  if (!absl::GetFlag(FLAGS_auth_token_file).empty()) {
    auto tokens = ReadTokenFile(absl::GetFlag(FLAGS_auth_token_file));
    if (!tokens.ok()) return Fail(std::string(tokens.status().message()));
    service_options.tokens = std::move(*tokens);
  }

  RealClock clock;
  StoreOptions store_options;
  store_options.data_dir = absl::GetFlag(FLAGS_data_dir);
  store_options.retention = *retention;
  store_options.sync_wal = absl::GetFlag(FLAGS_wal_sync);
  store_options.seal_idle = *seal_idle;
  store_options.clock = &clock;
  const absl::Time opening = absl::Now();
  auto store = Store::Open(store_options);
  if (!store.ok()) return Fail(store.status().ToString());
  std::cerr << "leakprof-collector: opened " << store_options.data_dir << " in "
            << absl::Now() - opening << " (" << (*store)->Stats().stacks_known
            << " stacks known)\n";

  auto registry = std::make_shared<prometheus::Registry>();
  CollectorMetrics metrics(registry);
  auto services = std::make_unique<CollectorServices>(store->get(), &metrics,
                                                      &clock, service_options);

  GrpcServerOptions grpc_options;
  grpc_options.address = absl::GetFlag(FLAGS_grpc_addr);
  grpc_options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  grpc_options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  grpc_options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  grpc_options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  auto grpc_server = StartGrpcServer(grpc_options, services.get());
  if (!grpc_server.ok()) return Fail(grpc_server.status().ToString());

  leakprof::AdminServerOptions admin_options;
  admin_options.address = absl::GetFlag(FLAGS_http_addr);
  admin_options.registry = registry;
  auto admin = leakprof::AdminServer::Start(std::move(admin_options));
  if (!admin.ok()) return Fail(admin.status().ToString());
  std::cerr << "leakprof-collector: serving gRPC on port " << grpc_server->port
            << (grpc_options.tls_cert_file.empty() ? " (plaintext)" : " (TLS)")
            << (service_options.tokens.empty()
                    ? ", no auth"
                    : absl::StrCat(", ", service_options.tokens.size(),
                                   " token(s)"))
            << "; HTTP /metrics and /healthz on port " << (*admin)->port()
            << "\n";
  if (!absl::GetFlag(FLAGS_ready_file).empty()) {
    const std::string path = absl::GetFlag(FLAGS_ready_file);
    {
      std::ofstream out(path + ".tmp");
      out << grpc_server->port << " " << (*admin)->port() << "\n";
    }
    std::rename((path + ".tmp").c_str(), path.c_str());
  }

  // Maintenance: metrics every 5 s, idle sealing every minute, retention
  // every --retention-interval.
  absl::Notification stop;
  std::thread maintenance([&] {
    absl::Time next_seal = absl::Now() + absl::Minutes(1);
    absl::Time next_retention = absl::Now() + absl::Minutes(1);
    while (!stop.WaitForNotificationWithTimeout(absl::Seconds(5))) {
      metrics.Refresh((*store)->Stats());
      if (absl::Now() >= next_seal) {
        next_seal = absl::Now() + absl::Minutes(1);
        auto sealed = (*store)->SealIdle();
        if (!sealed.ok()) {
          std::cerr << "leakprof-collector: sealing failed: " << sealed.status()
                    << "\n";
        } else if (*sealed > 0) {
          std::cerr << "leakprof-collector: sealed " << *sealed
                    << " idle instance window(s)\n";
        }
      }
      if (absl::Now() >= next_retention) {
        next_retention = absl::Now() + *retention_interval;
        const int64_t before = (*store)->Stats().retention_deleted_points;
        absl::Status st = (*store)->EnforceRetention();
        if (!st.ok()) {
          std::cerr << "leakprof-collector: retention failed: " << st << "\n";
        } else {
          std::cerr << "leakprof-collector: retention removed "
                    << (*store)->Stats().retention_deleted_points - before
                    << " points\n";
        }
      }
    }
  });

  const int sig = leakprof::WaitForTerminationSignal();
  std::cerr << "leakprof-collector: got signal " << sig
            << ", stopping: draining RPCs, flushing\n";
  grpc_server->server->Shutdown(
      absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc_server->server->Wait();
  services.reset();
  stop.Notify();
  maintenance.join();
  (*admin)->Stop();
  absl::Status flushed = (*store)->Flush();
  if (!flushed.ok()) return Fail(flushed.ToString());
  store->reset();
  std::cerr << "leakprof-collector: stopped cleanly\n";
  return 0;
}
