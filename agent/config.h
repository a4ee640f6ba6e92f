// Copyright 2026 The leakprof Authors.
//
// The agent's targets: from flags (one target) or a YAML file (several).
//
//   collector: collector.example:7070    # optional; overrides --collector
//   targets:
//     - target: http://127.0.0.1:6060/debug/pprof/
//       service: payments
//       instance: payments-7d9f-abc      # optional; default as for flags
//       labels: {version: "1.4.2", zone: eu-west-1a}
//
// Errors name the file, line and column (1-based) and what is wrong:
// "agent.yaml:4:7: targets[0]: missing \"service\"".
//
// Thread safety: pure functions (DefaultInstance reads the environment).

#ifndef LEAKPROF_AGENT_CONFIG_H_
#define LEAKPROF_AGENT_CONFIG_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/scraper.h"

namespace leakprof {
namespace agent {

struct FileConfig {
  std::optional<std::string> collector;
  std::vector<TargetConfig> targets;
};

// Parses the YAML text of a config file; `filename` is used in messages.
// kInvalidArgument for a syntax error, a missing or unknown key, a wrong
// type, a bad target URL, a duplicate service/instance.
absl::StatusOr<FileConfig> ParseConfig(absl::string_view yaml,
                                       absl::string_view filename);

// "k=v,k2=v2" -> sorted pairs. kInvalidArgument for an item without "=",
// an empty or duplicate name, a name that is not a Prometheus-style
// identifier ([a-zA-Z_][a-zA-Z0-9_]*), or over the collector's bounds (64
// labels, names of 128 bytes, values of 1024).
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseLabels(
    absl::string_view text);

// The pprof root made canonical: must be http:// or https://, gets a final
// "/" if it lacks one. kInvalidArgument otherwise.
absl::StatusOr<std::string> NormalizeTargetUrl(absl::string_view url);

// $POD_NAME when set and not empty, else "<hostname>:<port of url>".
std::string DefaultInstance(absl::string_view url);

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_CONFIG_H_
