// Copyright 2026 The leakprof Authors.
//
// leakprofctl: the command-line tool of leakprof.
//
//   leakprofctl parse FILE|URL|- [--format=auto|debug0|debug1|debug2]
//                                [--json] [--repeat=N] [--top=N] [--frames=N]
//   leakprofctl top [--analyzer=URL] [--service=S] [--json] [--all] [--top=N]

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/malloc_tuning.h"
#include "common/http/fetcher.h"
#include "ctl/collector_commands.h"
#include "ctl/parse_command.h"
#include "ctl/top_command.h"

ABSL_FLAG(std::string, format, "auto",
          "parse: body format: auto, debug0 (gzipped pprof), debug1 "
          "(aggregated text) or debug2 (per-goroutine text)");
ABSL_FLAG(bool, json, false, "print JSON instead of a text report");
ABSL_FLAG(int, repeat, 1,
          "parse: parse the body N times and report the fastest run "
          "(\"best_seconds\" in JSON)");
ABSL_FLAG(int, top, 20,
          "parse: sites shown in the text report; top: rows shown; 0 shows "
          "all");
ABSL_FLAG(int, frames, 8,
          "parse: frames of each site's sample stack in the text report; 0 "
          "shows all");
ABSL_FLAG(std::string, analyzer, "http://127.0.0.1:7072",
          "top: base URL of a running leakprof-analyzer");
ABSL_FLAG(std::string, service, "", "top: only this service's sites");
ABSL_FLAG(bool, all, false, "top: list every site, not only suspects");
ABSL_FLAG(int, timeout_seconds, 30, "timeout for fetching a URL");
ABSL_FLAG(int64_t, max_body_bytes, 128 << 20,
          "largest body accepted, after decompression");

ABSL_FLAG(std::string, collector, "127.0.0.1:7070",
          "services, sites, series: the collector's gRPC address");
ABSL_FLAG(std::string, token_file, "",
          "services, sites, series: file whose first line is a bearer token");
ABSL_FLAG(std::string, since, "6h",
          "services, sites, series: window, the last DURATION (e.g. 90m, 6h)");
ABSL_FLAG(int64_t, step, 0,
          "series: seconds per step, the last point of each (0: raw points)");

namespace {

constexpr char kUsage[] =
    "inspect Go goroutine profiles and leakprof's data.\n"
    "\n"
    "Commands:\n"
    "  parse FILE|URL|-   parse a goroutine profile body (any of\n"
    "                     /debug/pprof/goroutine?debug=0|1|2 or\n"
    "                     /debug/pprof/goroutineleak) and print its blocking\n"
    "                     sites, most goroutines first\n"
    "  services           services a collector holds (--collector)\n"
    "  sites SERVICE      a service's sites, most goroutines first\n"
    "  series SERVICE SITE  a site's fleet and per-instance series\n"
    "  top                the suspect ranking of a running\n"
    "                     leakprof-analyzer (--analyzer=URL)\n"
    "\n"
    "Examples:\n"
    "  leakprofctl parse http://127.0.0.1:6060/debug/pprof/goroutine\n"
    "  leakprofctl parse dump.txt --json\n"
    "  leakprofctl top --analyzer=http://127.0.0.1:7072 --service=checkout\n"
    "\n"
    "Flags (--helpfull lists every flag):";

int Fail(const std::string& message) {
  std::cerr << "leakprofctl: " << message << "\n";
  return 1;
}

int RunParse(const std::vector<char*>& args) {
  using leakprof::ctl::ParseCommandOptions;
  if (args.size() != 3) {
    return Fail("usage: leakprofctl parse FILE|URL|- [flags] (--help)");
  }
  ParseCommandOptions options;
  options.input = args[2];
  auto format = leakprof::goprof::ParseFormatFlag(absl::GetFlag(FLAGS_format));
  if (!format.ok()) return Fail(std::string(format.status().message()));
  options.format = *format;
  options.json = absl::GetFlag(FLAGS_json);
  options.repeat = absl::GetFlag(FLAGS_repeat);
  options.report.top = absl::GetFlag(FLAGS_top);
  options.report.frames = absl::GetFlag(FLAGS_frames);
  options.fetch_timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds));
  options.parse.max_body_bytes = absl::GetFlag(FLAGS_max_body_bytes);
  auto fetcher = leakprof::http::NewCurlFetcher();
  absl::Status status =
      leakprof::ctl::RunParseCommand(options, *fetcher, std::cout);
  if (!status.ok()) {
    return Fail(absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                             status.message()));
  }
  return 0;
}

int RunTop(const std::vector<char*>& args) {
  if (args.size() != 2) {
    return Fail("usage: leakprofctl top [--service=S] [--json] (--help)");
  }
  leakprof::ctl::TopCommandOptions options;
  options.analyzer = absl::GetFlag(FLAGS_analyzer);
  options.service = absl::GetFlag(FLAGS_service);
  options.json = absl::GetFlag(FLAGS_json);
  options.top = absl::GetFlag(FLAGS_top);
  options.all = absl::GetFlag(FLAGS_all);
  options.timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds));
  auto fetcher = leakprof::http::NewCurlFetcher();
  absl::Status status =
      leakprof::ctl::RunTopCommand(options, *fetcher, std::cout);
  if (!status.ok()) {
    return Fail(absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                             status.message()));
  }
  return 0;
}

}  // namespace

int RunCollectorCommand(const std::vector<char*>& args) {
  using leakprof::ctl::CollectorCommandOptions;
  const std::string command = args[1];
  const size_t want = command == "services" ? 2 : command == "sites" ? 3 : 4;
  if (args.size() != want) {
    return Fail(absl::StrCat("usage: leakprofctl ", command,
                             command == "services" ? ""
                             : command == "sites"  ? " SERVICE"
                                                   : " SERVICE SITE",
                             " [--collector=host:port] [--json] (--help)"));
  }
  CollectorCommandOptions options;
  options.collector = absl::GetFlag(FLAGS_collector);
  options.json = absl::GetFlag(FLAGS_json);
  options.top = absl::GetFlag(FLAGS_top);
  options.step_seconds = absl::GetFlag(FLAGS_step);
  options.timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds));
  if (!absl::ParseDuration(absl::GetFlag(FLAGS_since), &options.since) ||
      options.since <= absl::ZeroDuration()) {
    return Fail("--since: want a positive duration such as 90m or 6h");
  }
  if (!absl::GetFlag(FLAGS_token_file).empty()) {
    std::ifstream in(absl::GetFlag(FLAGS_token_file));
    if (!(in >> options.token)) {
      return Fail(absl::StrCat("--token_file: no token in ",
                               absl::GetFlag(FLAGS_token_file)));
    }
  }
  auto stub = leakprof::ctl::NewQueryStub(options.collector);
  absl::Status status;
  if (command == "services") {
    status = leakprof::ctl::RunServicesCommand(options, *stub, std::cout);
  } else if (command == "sites") {
    status = leakprof::ctl::RunSitesCommand(options, args[2], *stub, std::cout);
  } else {
    auto site = leakprof::ctl::ParseSiteId(args[3]);
    if (!site.ok()) return Fail(std::string(site.status().message()));
    status = leakprof::ctl::RunSeriesCommand(options, args[2], *site, *stub,
                                             std::cout);
  }
  if (!status.ok()) {
    return Fail(absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                             status.message()));
  }
  return 0;
}

int main(int argc, char** argv) {
  // Parsing allocates and frees a few MiB per body: keep it warm
  // (common/base/malloc_tuning.h).
  leakprof::KeepFreedHeapForReuse();
  absl::SetProgramUsageMessage(kUsage);
  // --help lists the flags defined here (absl's default expects the file to
  // be named after the program).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "ctl/");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    return Fail("no command given; try: leakprofctl --help");
  }
  const std::string command = args[1];
  if (command == "parse") return RunParse(args);
  if (command == "services" || command == "sites" || command == "series") {
    return RunCollectorCommand(args);
  }
  if (command == "top") return RunTop(args);
  return Fail(absl::StrCat("unknown command \"", command,
                           "\"; try: leakprofctl --help"));
}
