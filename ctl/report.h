// Copyright 2026 The leakprof Authors.
//
// Renders a parsed profile's sites for people (text) and for programs (JSON).
// Stack text comes from the profiled service and is untrusted: the text form
// replaces control characters, JSON escapes everything.
//
// Thread safety: pure functions.

#ifndef LEAKPROF_CTL_REPORT_H_
#define LEAKPROF_CTL_REPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "common/goprof/profile.h"
#include "common/goprof/sites.h"
#include "nlohmann/json.hpp"

namespace leakprof {
namespace ctl {

struct ReportOptions {
  // Where the body came from (file path or URL), shown in the header.
  std::string source;
  // Sites shown in text; 0 shows all. JSON always has all.
  int top = 20;
  // Frames of the sample stack shown per site in text, from the site frame
  // outward; 0 shows all.
  int frames = 8;
};

// A terminal report: a header line, goroutines by class, then one block per
// site, most goroutines first, with a sample stack.
std::string RenderText(const goprof::Profile& profile,
                       const std::vector<goprof::Site>& sites,
                       const ReportOptions& options);

// The same as JSON (docs/parser.md has the schema). `best_seconds` is added
// when set.
nlohmann::json RenderJson(const goprof::Profile& profile,
                          const std::vector<goprof::Site>& sites,
                          const ReportOptions& options,
                          std::optional<double> best_seconds);

}  // namespace ctl
}  // namespace leakprof

#endif  // LEAKPROF_CTL_REPORT_H_
