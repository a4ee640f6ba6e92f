// Copyright 2026 The leakprof Authors.

#include "ctl/top_command.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace leakprof {
namespace ctl {
namespace {

using nlohmann::json;

std::string UrlEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

std::string Bytes(int64_t b) {
  if (b >= (int64_t{1} << 30))
    return absl::StrFormat("%.1fG", b / 1073741824.0);
  if (b >= (1 << 20)) return absl::StrFormat("%.1fM", b / 1048576.0);
  if (b >= (1 << 10)) return absl::StrFormat("%.1fK", b / 1024.0);
  return absl::StrCat(b);
}

std::string Base(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

absl::Status RunTopCommand(const TopCommandOptions& options,
                           http::Fetcher& fetcher, std::ostream& out) {
  std::string base = options.analyzer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string url = base + "/api/v1/suspects";
  if (!options.service.empty()) {
    absl::StrAppend(&url, "?service=", UrlEscape(options.service));
  }
  http::FetchOptions fetch;
  fetch.timeout = options.timeout;
  fetch.max_body_bytes = 256 << 20;
  absl::StatusOr<http::FetchResult> body = fetcher.Get(url, fetch);
  if (!body.ok()) return body.status();
  json doc = json::parse(body->body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("suspects") ||
      !doc["suspects"].is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        url, ": not a suspects document: \"", body->body.substr(0, 80), "\""));
  }
  if (options.json) {
    out << doc.dump(2) << "\n";
    return absl::OkStatus();
  }
  const json& suspects = doc["suspects"];
  int n_suspect = 0;
  for (const json& s : suspects) n_suspect += s.value("suspect", false);
  const int64_t generated = doc.value("generated_at", int64_t{0});
  out << absl::StrFormat(
      "%d suspects among %d sites (window %s, evaluated %s)\n\n", n_suspect,
      suspects.size(),
      absl::FormatDuration(
          absl::Seconds(doc.value("window_seconds", int64_t{0}))),
      absl::FormatTime("%Y-%m-%d %H:%M:%SZ", absl::FromUnixSeconds(generated),
                       absl::UTCTimeZone()));
  out << absl::StrFormat("%4s %6s %-1s %-16s %-16s %10s %9s %7s %8s  %s\n",
                         "RANK", "SCORE", "!", "SERVICE", "CLASS", "GOROUTINES",
                         "GROWTH/H", "RISING", "MEMORY", "SITE");
  int shown = 0;
  for (const json& s : suspects) {
    if (!options.all && !s.value("suspect", false)) continue;
    if (options.top > 0 && shown >= options.top) break;
    ++shown;
    const std::string rising =
        absl::StrCat(s.value("instances_rising", 0), "/",
                     s.value("instances_judged", s.value("instances", 0)));
    out << absl::StrFormat(
        "%4d %6.1f %-1s %-16s %-16s %10d %9.1f %7s %8s  %s (%s:%d)\n",
        s.value("rank", 0), s.value("score", 0.0),
        s.value("suspect", false) ? "*" : "", s.value("service", ""),
        s.value("class", ""), s.value("goroutines", int64_t{0}),
        s.value("growth_per_hour", 0.0), rising,
        Bytes(s.value("est_bytes", int64_t{0})), s.value("function", ""),
        Base(s.value("file", "")), s.value("line", int64_t{0}));
    const std::string pattern = s.value("pattern", "");
    if (!pattern.empty() && s.value("suspect", false)) {
      out << "       " << pattern << ": " << s.value("hint", "") << "\n";
    }
  }
  if (shown == 0) {
    out << (options.all ? "(no sites)\n"
                        : "(no suspects; --all lists every site)\n");
  }
  return absl::OkStatus();
}

}  // namespace ctl
}  // namespace leakprof
