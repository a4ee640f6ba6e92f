// Copyright 2026 The leakprof Authors.
//
// leakprof-analyzer: ranks the stack sites whose blocked goroutines keep
// rising across a fleet (read from a collector's Query service), serves the
// ranking as JSON and Prometheus metrics, and files alerts. docs/analyzer.md.

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "analyzer/alerts.h"
#include "analyzer/analyzer.h"
#include "analyzer/api.h"
#include "analyzer/grpc_clients.h"
#include "analyzer/metrics.h"
#include "analyzer/ranking.h"
#include "analyzer/rules.h"
#include "common/server/admin_server.h"
#include "common/server/signals.h"
#include "prometheus/registry.h"
#include "web/assets.h"

ABSL_FLAG(std::string, collector, "127.0.0.1:7070",
          "collector gRPC address (host:port) to read the fleet from");
ABSL_FLAG(absl::Duration, window, absl::Hours(6),
          "how far back each evaluation looks");
ABSL_FLAG(absl::Duration, interval, absl::Minutes(5),
          "time between evaluations");
ABSL_FLAG(std::string, http_addr, ":7072",
          "address of /api/v1/*, /metrics and /healthz");
ABSL_FLAG(bool, once, false,
          "evaluate once, print the /api/v1/suspects JSON on stdout, exit");
ABSL_FLAG(std::string, alertmanager_url, "",
          "Alertmanager base URL (http://host:9093); empty: no alerts");
ABSL_FLAG(std::string, ticket_webhook_url, "",
          "URL ticket events (open/update/resolve) are POSTed to; empty: no "
          "tickets");
ABSL_FLAG(std::string, routing, "",
          "YAML owner routing file (docs/analyzer.md); empty: every site "
          "owned by \"unowned\"");
ABSL_FLAG(std::string, ignore, "",
          "YAML ignore rules file (docs/analyzer.md); empty: none");
ABSL_FLAG(int, max_suspect_series, 50,
          "top sites exported as leakprof_suspect_score etc. on /metrics");
ABSL_FLAG(double, threshold, 50,
          "score above which a site is a suspect (and alerts)");
ABSL_FLAG(std::string, candidate_classes,
          leakprof::analyzer::DefaultCandidateClasses(),
          "block classes ranked as leak candidates (comma list); the others "
          "score 0 unless confirmed by a goroutineleak profile");
ABSL_FLAG(int, series_points, 120,
          "points per instance series asked of the collector (step = window "
          "/ this); 0 asks for raw points");
ABSL_FLAG(absl::Duration, stale_after, absl::Minutes(15),
          "instances with no point this long before now are not judged");
ABSL_FLAG(int, min_points, 8, "fewest points a segment needs to be judged");
ABSL_FLAG(double, min_slope_per_hour, 1.0,
          "growth (goroutines/hour) an instance needs to count as rising");
ABSL_FLAG(absl::Duration, ticket_resolve_after, absl::Hours(1),
          "a ticket is resolved once its site has not been suspect this long");
ABSL_FLAG(std::string, external_url, "",
          "base URL of the web page, for alert links (e.g. "
          "http://leakprof.internal:7072); empty: no links");
ABSL_FLAG(int, parallelism, 2, "threads scoring sites");
ABSL_FLAG(std::string, auth_token_file, "",
          "file whose first line is the bearer token the collector wants");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA of the collector's TLS certificate; empty: plaintext");
ABSL_FLAG(absl::Duration, rpc_deadline, absl::Seconds(30),
          "deadline of each collector RPC");

namespace {

using leakprof::analyzer::Alerter;
using leakprof::analyzer::Analyzer;

constexpr char kUsage[] =
    "ranks the goroutine sites whose blocked count keeps rising across a "
    "fleet and files alerts.\n"
    "\n"
    "  leakprof-analyzer --collector=HOST:PORT [--http-addr=:7072]\n"
    "  leakprof-analyzer --collector=HOST:PORT --once   # print JSON, exit\n"
    "\n"
    "Flags:";

void Log(const std::string& line) {
  std::cerr << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(),
                                absl::UTCTimeZone())
            << " leakprof-analyzer: " << line << std::endl;
}

int Fail(const std::string& message) {
  Log(message);
  return 1;
}

// Lets the documented spellings (--http-addr) work beside absl's
// (--http_addr): dashes in a flag's name become underscores.
std::vector<std::string> NormalizeFlagNames(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string& a = args[i];
    if (a == "--") break;
    if (a.size() < 3 || a.compare(0, 2, "--") != 0) continue;
    const size_t end = std::min(a.find('='), a.size());
    for (size_t k = 2; k < end; ++k) {
      if (a[k] == '-') a[k] = '_';
    }
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "analyzer/");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  std::vector<std::string> args = NormalizeFlagNames(argc, argv);
  std::vector<char*> arg_ptrs;
  for (std::string& a : args) arg_ptrs.push_back(a.data());
  absl::ParseCommandLine(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
  leakprof::BlockTerminationSignals();

  leakprof::analyzer::AnalyzerOptions options;
  options.window = absl::GetFlag(FLAGS_window);
  options.series_points = absl::GetFlag(FLAGS_series_points);
  options.parallelism = absl::GetFlag(FLAGS_parallelism);
  options.ranking.threshold = absl::GetFlag(FLAGS_threshold);
  options.ranking.stale_after_seconds =
      absl::ToInt64Seconds(absl::GetFlag(FLAGS_stale_after));
  options.ranking.trend.min_points = absl::GetFlag(FLAGS_min_points);
  options.ranking.trend.min_slope_per_hour =
      absl::GetFlag(FLAGS_min_slope_per_hour);
  auto weights = leakprof::analyzer::ParseCandidateClasses(
      absl::GetFlag(FLAGS_candidate_classes));
  if (!weights.ok()) {
    return Fail(
        absl::StrCat("--candidate_classes: ", weights.status().message()));
  }
  options.ranking.class_weight = *weights;
  if (options.window <= absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_interval) <= absl::ZeroDuration()) {
    return Fail("--window and --interval must be positive");
  }

  leakprof::analyzer::IgnoreRules ignore;
  if (!absl::GetFlag(FLAGS_ignore).empty()) {
    auto loaded =
        leakprof::analyzer::IgnoreRules::Load(absl::GetFlag(FLAGS_ignore));
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    ignore = *std::move(loaded);
    Log(absl::StrCat("loaded ", ignore.size(), " ignore rules from ",
                     absl::GetFlag(FLAGS_ignore)));
  }
  leakprof::analyzer::Routing routing;
  if (!absl::GetFlag(FLAGS_routing).empty()) {
    auto loaded =
        leakprof::analyzer::Routing::Load(absl::GetFlag(FLAGS_routing));
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    routing = *std::move(loaded);
  }

  leakprof::analyzer::GrpcClientOptions client;
  client.target = absl::GetFlag(FLAGS_collector);
  client.deadline = absl::GetFlag(FLAGS_rpc_deadline);
  if (!absl::GetFlag(FLAGS_auth_token_file).empty()) {
    auto token =
        leakprof::analyzer::ReadTokenFile(absl::GetFlag(FLAGS_auth_token_file));
    if (!token.ok()) return Fail(std::string(token.status().message()));
    client.bearer_token = *token;
  }
  if (!absl::GetFlag(FLAGS_tls_ca).empty()) {
    std::ifstream in(absl::GetFlag(FLAGS_tls_ca));
    if (!in) return Fail("cannot read --tls-ca " + absl::GetFlag(FLAGS_tls_ca));
    client.tls_ca_pem.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::unique_ptr<leakprof::analyzer::FleetSource> source =
      leakprof::analyzer::NewGrpcFleetSource(client);
  std::unique_ptr<leakprof::analyzer::StateStore> state =
      leakprof::analyzer::NewGrpcStateStore(client);
  Analyzer analyzer(options, source.get(), std::move(ignore),
                    std::move(routing));

  auto registry = std::make_shared<prometheus::Registry>();
  leakprof::analyzer::AnalyzerMetrics metrics(
      registry, absl::GetFlag(FLAGS_max_suspect_series));

  const bool alerting = !absl::GetFlag(FLAGS_alertmanager_url).empty() ||
                        !absl::GetFlag(FLAGS_ticket_webhook_url).empty();
  std::unique_ptr<leakprof::analyzer::HttpPoster> poster =
      leakprof::analyzer::NewHttpPoster(absl::Seconds(10));
  leakprof::analyzer::AlerterOptions alert_options;
  alert_options.alertmanager_url = absl::GetFlag(FLAGS_alertmanager_url);
  alert_options.ticket_webhook_url = absl::GetFlag(FLAGS_ticket_webhook_url);
  alert_options.link_base = absl::GetFlag(FLAGS_external_url);
  alert_options.interval = absl::GetFlag(FLAGS_interval);
  alert_options.ticket_resolve_after =
      absl::GetFlag(FLAGS_ticket_resolve_after);
  Alerter alerter(
      alert_options, poster.get(), state.get(), nullptr,
      [&metrics](const std::string& sink, const std::string& result) {
        metrics.RecordDelivery(sink, result);
      });
  bool alerter_loaded = false;

  auto round = [&]() -> absl::Status {
    const absl::Time start = absl::Now();
    auto report = analyzer.Evaluate();
    if (!report.ok()) {
      metrics.RecordFailure(absl::ToDoubleSeconds(absl::Now() - start));
      return report.status();
    }
    metrics.RecordRound(**report);
    Log(
        absl::StrFormat("evaluated %d services, %d sites, %d suspects in "
                        "%.2fs",
                        (*report)->services.size(), (*report)->sites.size(),
                        (*report)->suspects, (*report)->duration_seconds));
    if (!alerting) return absl::OkStatus();
    if (!alerter_loaded) {
      absl::Status loaded = alerter.Load();
      if (!loaded.ok()) {
        return absl::Status(loaded.code(), absl::StrCat("loading alert state: ",
                                                        loaded.message()));
      }
      alerter_loaded = true;
    }
    absl::Status sent = alerter.Process(**report);
    if (!sent.ok()) Log(absl::StrCat("alerting: ", sent.ToString()));
    return absl::OkStatus();
  };

  if (absl::GetFlag(FLAGS_once)) {
    absl::Status status = round();
    if (!status.ok()) return Fail(status.ToString());
    std::cout << leakprof::analyzer::SuspectsJson(*analyzer.latest(), "")
                     .dump(2, ' ', false,
                           nlohmann::json::error_handler_t::replace)
              << std::endl;
    return 0;
  }

  std::atomic<bool> last_ok{true};
  leakprof::AdminServerOptions server_options;
  server_options.address = absl::GetFlag(FLAGS_http_addr);
  server_options.registry = registry;
  server_options.handlers =
      leakprof::analyzer::ApiHandlers(&analyzer, alerting ? &alerter : nullptr);
  // The web page (web/): static assets compiled into the binary.
  for (const char* path : {"/", "/index.html", "/app.js", "/style.css"}) {
    server_options.handlers[path] = [](const leakprof::HttpRequest& request) {
      leakprof::HttpResponse response;
      const leakprof::web::Asset* asset =
          leakprof::web::FindAsset(request.path);
      response.content_type = std::string(asset->content_type);
      response.body = std::string(asset->body);
      return response;
    };
  }
  server_options.health = [&last_ok]() {
    return last_ok ? absl::OkStatus()
                   : absl::UnavailableError("the last evaluation failed");
  };
  auto server = leakprof::AdminServer::Start(std::move(server_options));
  if (!server.ok()) return Fail(server.status().ToString());
  Log(absl::StrCat("serving the page at /, /api/v1/*, /metrics, /healthz on ",
                   (*server)->host(), ":", (*server)->port(), "; collector ",
                   client.target));

  const absl::Duration interval = absl::GetFlag(FLAGS_interval);
  while (true) {
    const absl::Time start = absl::Now();
    absl::Status status = round();
    last_ok = status.ok();
    if (!status.ok())
      Log(absl::StrCat("evaluation failed: ", status.ToString()));
    const absl::Duration wait =
        std::max(absl::Seconds(1), interval - (absl::Now() - start));
    const int sig = leakprof::WaitForTerminationSignal(wait);
    if (sig != 0) {
      Log(absl::StrCat("got signal ", sig, ", stopping"));
      break;
    }
  }
  (*server)->Stop();
  Log("stopped");
  return 0;
}
