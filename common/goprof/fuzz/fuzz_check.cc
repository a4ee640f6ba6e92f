// Copyright 2026 The leakprof Authors.

#include "common/goprof/fuzz/fuzz_check.h"

#include <cstdio>
#include <cstdlib>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/goprof/parser.h"
#include "common/goprof/sites.h"

namespace leakprof {
namespace goprof {
namespace fuzz {
namespace {

// Small bounds, so the fuzzer reaches them and stays fast.
ParseOptions SmallBounds() {
  ParseOptions options;
  options.max_body_bytes = 1 << 20;
  options.max_frames_per_stack = 64;
  options.max_stacks = 1000;
  options.max_string_bytes = 512;
  return options;
}

#define FUZZ_CHECK(cond)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, \
                   __LINE__, #cond);                                  \
      std::abort();                                                   \
    }                                                                 \
  } while (0)

void CheckError(const absl::Status& status) {
  // parser.h: malformed input is kInvalidArgument, a bound exceeded is
  // kResourceExhausted, and the message says what and where.
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument ||
             status.code() == absl::StatusCode::kResourceExhausted);
  FUZZ_CHECK(!status.message().empty());
}

void CheckProfile(const Profile& p, const ParseOptions& options) {
  FUZZ_CHECK(static_cast<int64_t>(p.stacks.size()) <= options.max_stacks);
  for (const Frame& f : p.frames) {
    FUZZ_CHECK(static_cast<int64_t>(f.function.size()) <=
               options.max_string_bytes);
    FUZZ_CHECK(static_cast<int64_t>(f.file.size()) <= options.max_string_bytes);
  }

  int64_t total = 0;
  for (const Stack& s : p.stacks) {
    FUZZ_CHECK(s.count >= 0);
    total += s.count;
    FUZZ_CHECK(static_cast<int64_t>(s.frame_indices.size()) <=
               options.max_frames_per_stack);
    for (int32_t i : s.frame_indices) {
      FUZZ_CHECK(i >= 0 && static_cast<size_t>(i) < p.frames.size());
    }
    if (s.frame_indices.empty()) {
      FUZZ_CHECK(s.site_frame == -1);
      FUZZ_CHECK(p.SiteFrame(s) == nullptr);
    } else {
      FUZZ_CHECK(s.site_frame >= 0 &&
                 static_cast<size_t>(s.site_frame) < s.frame_indices.size());
      FUZZ_CHECK(p.SiteFrame(s) != nullptr);
    }
    int64_t labelled = 0;
    for (const LabelSet& l : s.label_sets) {
      FUZZ_CHECK(l.count >= 0);
      labelled += l.count;
    }
    FUZZ_CHECK(labelled <= s.count);
    // Only debug=2 carries wait times, and then every goroutine is in a
    // bucket (under a minute: bucket 0).
    if (p.format == Format::kDebug2) {
      FUZZ_CHECK(s.wait.Total() == s.count);
    } else {
      FUZZ_CHECK(s.wait.Total() == 0);
      FUZZ_CHECK(s.wait_reason.empty());
    }
  }
  FUZZ_CHECK(total == p.total_goroutines);

  // Sites: a partition of the stacks, goroutines adding up, sorted.
  const std::vector<Site> sites = AggregateSites(p);
  std::vector<int> seen(p.stacks.size(), 0);
  int64_t site_total = 0;
  std::set<uint64_t> ids;
  for (size_t i = 0; i < sites.size(); ++i) {
    const Site& site = sites[i];
    FUZZ_CHECK(!site.stacks.empty());
    FUZZ_CHECK(ids.insert(site.id).second);
    FUZZ_CHECK(site.leaked >= 0 && site.leaked <= site.goroutines);
    if (i > 0) FUZZ_CHECK(sites[i - 1].goroutines >= site.goroutines);
    int64_t goroutines = 0;
    for (size_t j = 0; j < site.stacks.size(); ++j) {
      const int k = site.stacks[j];
      FUZZ_CHECK(k >= 0 && static_cast<size_t>(k) < p.stacks.size());
      ++seen[k];
      goroutines += p.stacks[k].count;
      FUZZ_CHECK(p.stacks[k].block_class == site.block_class);
      if (j > 0) {
        FUZZ_CHECK(p.stacks[site.stacks[j - 1]].count >= p.stacks[k].count);
      }
    }
    FUZZ_CHECK(goroutines == site.goroutines);
    site_total += goroutines;
  }
  for (int n : seen) FUZZ_CHECK(n == 1);
  FUZZ_CHECK(site_total == p.total_goroutines);
}

}  // namespace

int ParseAndCheck(Format format, const uint8_t* data, size_t size) {
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  ParseOptions options = SmallBounds();
  options.format = format;

  static const bool verbose = std::getenv("LEAKPROF_FUZZ_VERBOSE") != nullptr;
  absl::StatusOr<Profile> profile = Parse(body, options);
  if (verbose) {
    if (profile.ok()) {
      std::fprintf(stderr, "parsed: %zu stacks, %lld goroutines\n",
                   profile->stacks.size(),
                   static_cast<long long>(profile->total_goroutines));
    } else {
      std::fprintf(stderr, "error: %s\n", profile.status().ToString().c_str());
    }
  }
  if (!profile.ok()) {
    CheckError(profile.status());
  } else {
    FUZZ_CHECK(profile->format == format);
    CheckProfile(*profile, options);
    // Pure function: the same body parses to the same stacks.
    absl::StatusOr<Profile> again = Parse(body, options);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->stacks.size() == profile->stacks.size());
    for (size_t i = 0; i < again->stacks.size(); ++i) {
      FUZZ_CHECK(again->stacks[i].id == profile->stacks[i].id);
      FUZZ_CHECK(again->stacks[i].count == profile->stacks[i].count);
    }
  }

  // Format detection on the same bytes must not crash either, and agrees
  // with DetectFormat.
  options.format = std::nullopt;
  absl::StatusOr<Profile> detected = Parse(body, options);
  if (detected.ok()) {
    FUZZ_CHECK(DetectFormat(body).has_value());
    FUZZ_CHECK(detected->format == *DetectFormat(body));
    CheckProfile(*detected, options);
  } else {
    CheckError(detected.status());
  }
  return 0;
}

}  // namespace fuzz
}  // namespace goprof
}  // namespace leakprof
