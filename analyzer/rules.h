// Copyright 2026 The leakprof Authors.
//
// The analyzer's two YAML files: ignore rules (--ignore) and owner routing
// (--routing). Both match a site by regular expressions (RE2, partial match:
// anchor with ^ and $ when needed) over its service, the function and file
// of its stack frames. docs/analyzer.md shows both formats.
//
// Ignore rules (like goleak's IgnoreTopFunction, with a reason):
//
//   ignore:
//     - function: "^github\\.com/foo/bar\\.\\(\\*Pool\\)\\.worker$"
//       reason: "bounded worker pool, sized by config"
//     - service: "^legacy-"
//       file: "/vendor/"
//       reason: "vendored code we do not own"
//   # Optional: frames that show a select also waits on a timer or ticker
//   # (the LeakProf filter). Replaces the default list when present.
//   timer_functions: ["^time\\.", "^k8s\\.io/apimachinery/pkg/util/wait\\."]
//
// Routing:
//
//   default_owner: platform
//   default_labels: {severity: warning}
//   routes:
//     - service: "^payments$"
//       file: "/billing/"
//       owner: team-billing
//       labels: {severity: critical, team: billing}
//
// A rule matches when every field it sets matches: `service` the service
// name, `function` any frame's function (or, with `top: true`, only the site
// frame's), `file` any frame's file. Rules are tried in order; the first
// match wins. A rule with no matcher is an error.
//
// Immutable after loading: thread-safe to read from any thread.

#ifndef LEAKPROF_ANALYZER_RULES_H_
#define LEAKPROF_ANALYZER_RULES_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace leakprof {
namespace analyzer {

struct StackFrame {
  std::string function;
  std::string file;
  int64_t line = 0;
};

// What a rule is matched against.
struct SiteKey {
  absl::string_view service;
  const std::vector<StackFrame>* frames = nullptr;  // innermost first
  int site_frame = 0;  // index into *frames of the blocking line
};

class Matcher {
 public:
  // kInvalidArgument for a bad regex (the message names `where`).
  static absl::StatusOr<Matcher> Create(const std::string& service,
                                        const std::string& function,
                                        const std::string& file, bool top,
                                        absl::string_view where);
  bool Matches(const SiteKey& key) const;
  bool empty() const { return !service_ && !function_ && !file_; }

 private:
  std::shared_ptr<re2::RE2> service_, function_, file_;
  bool top_ = false;
};

struct IgnoreRule {
  Matcher matcher;
  std::string reason;
};

class IgnoreRules {
 public:
  // The defaults: no ignore rule, the default timer functions.
  IgnoreRules();

  // Parses the YAML text. kInvalidArgument names the rule and field.
  static absl::StatusOr<IgnoreRules> Parse(absl::string_view yaml);
  static absl::StatusOr<IgnoreRules> Load(const std::string& path);

  // The reason of the first rule matching, or nullopt.
  std::optional<std::string> Match(const SiteKey& key) const;

  // True when some frame of the stack shows a timer or ticker (the LeakProf
  // filter for a select that also waits on one).
  bool ShowsTimer(const SiteKey& key) const;

  size_t size() const { return rules_.size(); }

 private:
  std::vector<IgnoreRule> rules_;
  std::vector<std::shared_ptr<re2::RE2>> timer_functions_;
};

struct Route {
  Matcher matcher;
  std::string owner;
  std::map<std::string, std::string> labels;
};

struct RouteResult {
  std::string owner;
  std::map<std::string, std::string> labels;  // default labels + the route's
};

class Routing {
 public:
  // Default owner "unowned", no routes.
  Routing();

  static absl::StatusOr<Routing> Parse(absl::string_view yaml);
  static absl::StatusOr<Routing> Load(const std::string& path);

  RouteResult Route(const SiteKey& key) const;

 private:
  std::string default_owner_ = "unowned";
  std::map<std::string, std::string> default_labels_;
  std::vector<analyzer::Route> routes_;
};

}  // namespace analyzer
}  // namespace leakprof

#endif  // LEAKPROF_ANALYZER_RULES_H_
