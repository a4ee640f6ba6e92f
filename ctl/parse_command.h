// Copyright 2026 The leakprof Authors.
//
// `leakprofctl parse FILE|URL|-`: reads a goroutine profile body, parses it
// and prints its sites (report.h).

#ifndef LEAKPROF_CTL_PARSE_COMMAND_H_
#define LEAKPROF_CTL_PARSE_COMMAND_H_

#include <optional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/goprof/parser.h"
#include "common/http/fetcher.h"
#include "ctl/report.h"

namespace leakprof {
namespace ctl {

struct ParseCommandOptions {
  // A file path, "-" for standard input, or an http(s):// URL.
  std::string input;
  std::optional<goprof::Format> format;  // nullopt: detect
  bool json = false;
  // Parse the body this many times and report the fastest (parse + classify
  // + site aggregation), as "best_seconds" in JSON or a line in text.
  int repeat = 1;
  ReportOptions report;
  absl::Duration fetch_timeout = absl::Seconds(30);
  goprof::ParseOptions parse;  // bounds; `format` is taken from above
};

// Writes the report to `out`. `fetcher` is used for URLs only. Errors name
// the input; a body that fails to parse gives the parser's status.
absl::Status RunParseCommand(const ParseCommandOptions& options,
                             http::Fetcher& fetcher, std::ostream& out);

}  // namespace ctl
}  // namespace leakprof

#endif  // LEAKPROF_CTL_PARSE_COMMAND_H_
