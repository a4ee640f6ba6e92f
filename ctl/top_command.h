// Copyright 2026 The leakprof Authors.
//
// `leakprofctl top [--service S] [--json]`: the suspect ranking of a running
// leakprof-analyzer (GET /api/v1/suspects), as a terminal table or as the
// analyzer's JSON.

#ifndef LEAKPROF_CTL_TOP_COMMAND_H_
#define LEAKPROF_CTL_TOP_COMMAND_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/http/fetcher.h"

namespace leakprof {
namespace ctl {

struct TopCommandOptions {
  // Base URL of the analyzer's HTTP address.
  std::string analyzer = "http://127.0.0.1:7072";
  std::string service;  // "" for every service
  bool json = false;    // print the analyzer's JSON (pretty) instead
  int top = 20;         // rows in the table; 0 shows all
  bool all = false;     // show non-suspect sites too (table only)
  absl::Duration timeout = absl::Seconds(30);
};

// Errors: the fetcher's (kUnavailable when the analyzer is down, ...);
// kInvalidArgument when the answer is not the expected JSON.
absl::Status RunTopCommand(const TopCommandOptions& options,
                           http::Fetcher& fetcher, std::ostream& out);

}  // namespace ctl
}  // namespace leakprof

#endif  // LEAKPROF_CTL_TOP_COMMAND_H_
