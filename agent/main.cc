// Copyright 2026 The leakprof Authors.
//
// leakprof-agent: samples the goroutine profiles of Go services and pushes
// compact snapshots to a leakprof collector. docs/agent.md.

#include <google/protobuf/util/json_util.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "agent/agent.h"
#include "agent/collector_client.h"
#include "agent/config.h"
#include "agent/log.h"
#include "agent/spool.h"
#include "common/base/malloc_tuning.h"
#include "common/http/keepalive_fetcher.h"
#include "common/server/signals.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, target, "http://127.0.0.1:6060/debug/pprof/",
          "pprof root URL of the one target (ignored with --config)");
ABSL_FLAG(std::string, service, "",
          "service name of the one target (required without --config)");
ABSL_FLAG(std::string, instance, "",
          "instance id of the one target; default $POD_NAME, else "
          "<hostname>:<target port>");
ABSL_FLAG(std::string, label, "",
          "labels of the one target, comma-separated: "
          "\"version=1.4.2,zone=eu-west-1a\" (absl flags do not repeat)");
ABSL_FLAG(std::string, collector, "127.0.0.1:7070",
          "collector gRPC address host:port (a --config \"collector\" wins)");
ABSL_FLAG(absl::Duration, interval, absl::Seconds(60),
          "base interval between scrapes of a target (stretched by --budget)");
ABSL_FLAG(double, jitter, 0.1,
          "each interval is multiplied by a random factor in "
          "[1-jitter, 1+jitter] so a fleet does not scrape in step");
ABSL_FLAG(double, budget, 0.001,
          "share of one core the target may spend serving profiles; the "
          "interval becomes max(--interval, serve time / budget); 0 = off");
ABSL_FLAG(absl::Duration, leak_interval, absl::Hours(1),
          "fetch /debug/pprof/goroutineleak (Go 1.26+) this often; probed "
          "once, a 404 is remembered; 0 = never");
ABSL_FLAG(absl::Duration, debug2_interval, absl::ZeroDuration(),
          "fetch goroutine?debug=2 (wait ages; stops the target's world for "
          "the whole dump) this often instead of debug=0; 0 = never");
ABSL_FLAG(int64_t, debug2_max_goroutines, 5000,
          "take debug=2 only while the last goroutine count is under this");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "per-request timeout, for profile fetches and Push RPCs");
ABSL_FLAG(
    int64_t, max_profile_bytes, int64_t{64} << 20,
    "largest profile body accepted (a gzipped one decompressed: 2x this)");
ABSL_FLAG(std::string, http_addr, ":7073",
          "address of /metrics and /healthz; empty = none");
ABSL_FLAG(std::string, spool_dir, "/var/tmp/leakprof-agent",
          "directory of the on-disk spool and the sequence numbers");
ABSL_FLAG(int64_t, spool_max_bytes, int64_t{64} << 20,
          "bound of the spool; the oldest snapshots are dropped first");
ABSL_FLAG(std::string, auth_token_file, "",
          "file holding a bearer token sent as gRPC metadata "
          "\"authorization: Bearer <token>\"");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA file: use TLS to the collector, verified against it");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate for mTLS (needs --tls-key and --tls-ca)");
ABSL_FLAG(std::string, tls_key, "", "PEM key of --tls-cert");
ABSL_FLAG(bool, stack_refs, true,
          "name stacks by small per-target numbers instead of 8-byte ids on "
          "the wire (docs/protocol.md, \"Stack references\"); off: ids, "
          "for a collector older than stack references");
ABSL_FLAG(std::string, config, "",
          "YAML file with several targets (docs/agent.md); replaces "
          "--target/--service/--instance/--label");
ABSL_FLAG(bool, once, false,
          "scrape each target once, print the snapshots, do not push; exit "
          "status 1 when any target failed");
ABSL_FLAG(std::string, output, "json",
          "with --once: output format (only \"json\")");

namespace leakprof {
namespace agent {
namespace {

constexpr char kAgentVersion[] = "leakprof-agent/0.1.0";

int Fail(const absl::Status& s) {
  Log(absl::StrCat("fatal: ", s.ToString()));
  return 2;
}

absl::StatusOr<std::string> ReadFlagFile(const std::string& flag,
                                         const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", path, ": ", text.status().message()));
  }
  return text;
}

absl::StatusOr<FileConfig> TargetsFromFlags() {
  const std::string config = absl::GetFlag(FLAGS_config);
  if (!config.empty()) {
    absl::StatusOr<std::string> text = ReadFlagFile("config", config);
    if (!text.ok()) return text.status();
    return ParseConfig(*text, config);
  }
  FileConfig out;
  TargetConfig t;
  absl::StatusOr<std::string> url =
      NormalizeTargetUrl(absl::GetFlag(FLAGS_target));
  if (!url.ok()) return url.status();
  t.url = *url;
  t.service = absl::GetFlag(FLAGS_service);
  if (t.service.empty()) {
    return absl::InvalidArgumentError(
        "--service is required (or --config with several targets)");
  }
  t.instance = absl::GetFlag(FLAGS_instance);
  if (t.instance.empty()) t.instance = DefaultInstance(t.url);
  if (t.service.size() > 256 || t.instance.size() > 256) {
    return absl::InvalidArgumentError(
        "--service and --instance: at most 256 bytes each");
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> labels =
      ParseLabels(absl::GetFlag(FLAGS_label));
  if (!labels.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--label: ", labels.status().message()));
  }
  t.labels = *labels;
  out.targets.push_back(std::move(t));
  return out;
}

ScrapeOptions ScrapeOptionsFromFlags() {
  ScrapeOptions o;
  o.interval = absl::GetFlag(FLAGS_interval);
  o.jitter = absl::GetFlag(FLAGS_jitter);
  o.budget = absl::GetFlag(FLAGS_budget);
  o.leak_interval = absl::GetFlag(FLAGS_leak_interval);
  o.debug2_interval = absl::GetFlag(FLAGS_debug2_interval);
  o.debug2_max_goroutines = absl::GetFlag(FLAGS_debug2_max_goroutines);
  o.timeout = absl::GetFlag(FLAGS_timeout);
  o.max_profile_bytes = absl::GetFlag(FLAGS_max_profile_bytes);
  o.agent_version = kAgentVersion;
  return o;
}

// Flag values out of range: kInvalidArgument naming the flag.
absl::Status CheckFlags() {
  auto bad = [](const char* flag, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
  };
  if (absl::GetFlag(FLAGS_interval) <= absl::ZeroDuration()) {
    return bad("interval", "must be > 0");
  }
  const double jitter = absl::GetFlag(FLAGS_jitter);
  if (!(jitter >= 0 && jitter < 1)) return bad("jitter", "must be in [0, 1)");
  const double budget = absl::GetFlag(FLAGS_budget);
  if (!(budget >= 0 && budget <= 1)) return bad("budget", "must be in [0, 1]");
  if (absl::GetFlag(FLAGS_timeout) <= absl::ZeroDuration()) {
    return bad("timeout", "must be > 0");
  }
  if (absl::GetFlag(FLAGS_leak_interval) < absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_debug2_interval) < absl::ZeroDuration()) {
    return bad("leak_interval/debug2_interval", "must be >= 0");
  }
  if (absl::GetFlag(FLAGS_max_profile_bytes) <= 0) {
    return bad("max_profile_bytes", "must be > 0");
  }
  if (absl::GetFlag(FLAGS_spool_max_bytes) <= 0) {
    return bad("spool_max_bytes", "must be > 0");
  }
  return absl::OkStatus();
}

int RunOnce(const FileConfig& config) {
  if (absl::GetFlag(FLAGS_output) != "json") {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--output=", absl::GetFlag(FLAGS_output),
                     ": only \"json\" is supported")));
  }
  std::unique_ptr<http::Fetcher> fetcher = http::NewKeepAliveFetcher();
  DefinitionStore store;
  nlohmann::json out = {{"snapshots", nlohmann::json::array()},
                        {"failures", nlohmann::json::array()}};
  bool failed = false;
  google::protobuf::util::JsonPrintOptions jo;
  jo.preserve_proto_field_names = true;
  for (const TargetConfig& t : config.targets) {
    ScrapeOptions options = ScrapeOptionsFromFlags();
    // Once: the main profile only, debug=2 when asked for at all.
    TargetScraper scraper(t, options, fetcher.get(), &store, nullptr,
                          [] { return absl::StatusOr<uint64_t>(1); });
    TargetScraper::Cycle cycle = scraper.RunOnce();
    if (!cycle.status.ok()) {
      failed = true;
      out["failures"].push_back({{"service", t.service},
                                 {"instance", t.instance},
                                 {"target", t.url},
                                 {"error", cycle.status.ToString()}});
    }
    for (const v1::Snapshot& s : cycle.snapshots) {
      const std::vector<uint64_t> ids(s.stack_ids().begin(),
                                      s.stack_ids().end());
      std::string json;
      auto st = google::protobuf::util::MessageToJsonString(
          WithDefinitions(s, ids, store), &json, jo);
      if (!st.ok()) return Fail(absl::InternalError(st.ToString()));
      out["snapshots"].push_back(nlohmann::json::parse(json));
    }
  }
  std::cout << out.dump(2) << "\n";
  return failed ? 1 : 0;
}

// The process's peak RSS (VmHWM of /proc/self/status), -1 if unreadable.
// Not getrusage's ru_maxrss: that one keeps the peak of the process image
// before execve, e.g. a 23 MiB Python parent that forked the agent.
int64_t PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view v = line;
    int64_t kib = -1;
    if (absl::ConsumePrefix(&v, "VmHWM:") &&
        absl::SimpleAtoi(
            absl::StripSuffix(absl::StripAsciiWhitespace(v), " kB"), &kib)) {
      return kib;
    }
  }
  return -1;
}

int Main() {
  if (absl::Status s = CheckFlags(); !s.ok()) return Fail(s);
  absl::StatusOr<FileConfig> config = TargetsFromFlags();
  if (!config.ok()) return Fail(config.status());
  if (absl::GetFlag(FLAGS_once)) return RunOnce(*config);

  CollectorClientOptions client;
  client.address = config->collector.value_or(absl::GetFlag(FLAGS_collector));
  client.timeout = absl::GetFlag(FLAGS_timeout);
  if (const std::string f = absl::GetFlag(FLAGS_auth_token_file); !f.empty()) {
    absl::StatusOr<std::string> token = ReadFlagFile("auth-token-file", f);
    if (!token.ok()) return Fail(token.status());
    client.bearer_token = std::string(absl::StripAsciiWhitespace(*token));
    if (client.bearer_token.empty()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--auth-token-file=", f, ": empty")));
    }
  }
  struct PemFlag {
    const char* name;
    std::string path;
    std::string* into;
  };
  for (const PemFlag& p :
       {PemFlag{"tls-ca", absl::GetFlag(FLAGS_tls_ca), &client.tls_ca},
        PemFlag{"tls-cert", absl::GetFlag(FLAGS_tls_cert), &client.tls_cert},
        PemFlag{"tls-key", absl::GetFlag(FLAGS_tls_key), &client.tls_key}}) {
    if (p.path.empty()) continue;
    absl::StatusOr<std::string> pem = ReadFlagFile(p.name, p.path);
    if (!pem.ok()) return Fail(pem.status());
    *p.into = *pem;
  }
  absl::StatusOr<std::unique_ptr<PushTransport>> transport =
      NewCollectorClient(client);
  if (!transport.ok()) return Fail(transport.status());

  AgentOptions options;
  options.targets = config->targets;
  options.scrape = ScrapeOptionsFromFlags();
  options.spool.dir = absl::GetFlag(FLAGS_spool_dir);
  options.spool.max_bytes = absl::GetFlag(FLAGS_spool_max_bytes);
  options.http_addr = absl::GetFlag(FLAGS_http_addr);
  options.pusher.use_refs = absl::GetFlag(FLAGS_stack_refs);
  absl::StatusOr<std::unique_ptr<Agent>> agent = Agent::Start(
      std::move(options), *std::move(transport), http::NewKeepAliveFetcher());
  if (!agent.ok()) return Fail(agent.status());
  Log(absl::StrCat("started ", kAgentVersion, ": ", config->targets.size(),
                   " target(s), collector ", client.address,
                   client.tls_ca.empty() ? "" : " (TLS)", ", /metrics on port ",
                   (*agent)->http_port()));
  const int sig = WaitForTerminationSignal();
  Log(absl::StrCat("got signal ", sig, ", stopping"));
  (*agent)->Stop();
  rusage ru = {};
  getrusage(RUSAGE_SELF, &ru);
  Log(absl::StrCat("stopped after ", (*agent)->cycles(),
                   " scrape cycles; cpu_user_us=",
                   int64_t{ru.ru_utime.tv_sec} * 1000000 + ru.ru_utime.tv_usec,
                   " cpu_sys_us=",
                   int64_t{ru.ru_stime.tv_sec} * 1000000 + ru.ru_stime.tv_usec,
                   " peak_rss_kib=", PeakRssKib()));
  return 0;
}

}  // namespace
}  // namespace agent
}  // namespace leakprof

// Flag names may be written with dashes (--spool-dir) as well as with
// underscores (--spool_dir, absl's own spelling).
std::vector<char*> DashesToUnderscores(int argc, char** argv,
                                       std::vector<std::string>* storage) {
  storage->reserve(static_cast<size_t>(argc));
  std::vector<char*> out;
  bool flags_done = false;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") flags_done = true;
    if (i > 0 && !flags_done && a.size() > 2 && a[0] == '-') {
      const size_t start = a[1] == '-' ? 2 : 1;
      const size_t end = std::min(a.find('='), a.size());
      for (size_t j = start; j < end; ++j) {
        if (a[j] == '-') a[j] = '_';
      }
    }
    storage->push_back(std::move(a));
  }
  for (std::string& a : *storage) out.push_back(a.data());
  return out;
}

int main(int argc, char** argv) {
  // Before any thread starts: the agent's threads mostly sleep, and one heap
  // keeps its RSS lower than an arena per thread.
  leakprof::UseOneMallocArena();
  // abseil as Debian builds it checks every Mutex acquisition for lock-order
  // cycles (a graph update per lock): a debugging aid the tests keep, not
  // worth its CPU in the sidecar.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view path) {
    return absl::StrContains(path, "agent/main.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "Samples the goroutine profiles of Go services and pushes compact "
      "snapshots to a leakprof collector.\n"
      "  leakprof-agent --target=http://127.0.0.1:6060/debug/pprof/ "
      "--service=payments --collector=collector:7070\n"
      "  leakprof-agent --config=agent.yaml\n"
      "  leakprof-agent --service=payments --once --output=json\n"
      "Flag names may use dashes or underscores (--spool-dir, --spool_dir).");
  std::vector<std::string> storage;
  std::vector<char*> args = DashesToUnderscores(argc, argv, &storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (!absl::GetFlag(FLAGS_once)) leakprof::BlockTerminationSignals();
  return leakprof::agent::Main();
}
