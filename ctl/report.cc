// Copyright 2026 The leakprof Authors.

#include "ctl/report.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/goprof/stack_id.h"

namespace leakprof {
namespace ctl {
namespace {

using goprof::BlockClassName;
using goprof::Frame;
using goprof::Profile;
using goprof::Site;
using goprof::Stack;

// Control characters from an untrusted body would move the cursor or color
// the terminal: show them as '?'.
std::string Printable(absl::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

absl::string_view Basename(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

std::string FrameLocation(const Frame& f) {
  if (f.file.empty()) return "?";
  return absl::StrCat(Printable(f.file), ":", f.line);
}

nlohmann::json FrameJson(const Frame& f) {
  return {{"function", f.function}, {"file", f.file}, {"line", f.line}};
}

nlohmann::json WaitJson(const goprof::WaitAges& w) {
  nlohmann::json buckets = nlohmann::json::array();
  for (size_t b = 0; b < w.buckets.size(); ++b) {
    nlohmann::json bucket = {{"count", w.buckets[b]}};
    bucket["min_minutes"] = b == 0 ? 0 : w.kBoundsMinutes[b - 1];
    if (b < w.kBoundsMinutes.size()) {
      bucket["below_minutes"] = w.kBoundsMinutes[b];
    }
    buckets.push_back(bucket);
  }
  return {{"max_minutes", w.max_minutes}, {"buckets", buckets}};
}

nlohmann::json StackJson(const Profile& profile, const Stack& s) {
  nlohmann::json j = {
      {"stack_id", goprof::FormatId(s.id)},
      {"goroutines", s.count},
      {"class", BlockClassName(s.block_class)},
      {"site_frame", s.site_frame},
  };
  if (!s.wait_reason.empty()) j["wait_reason"] = s.wait_reason;
  if (s.leaked > 0) j["leaked"] = s.leaked;
  if (s.frames_elided) j["frames_elided"] = true;
  if (s.created_by) j["created_by"] = FrameJson(*s.created_by);
  if (!s.label_sets.empty()) {
    nlohmann::json sets = nlohmann::json::array();
    for (const goprof::LabelSet& set : s.label_sets) {
      nlohmann::json labels = nlohmann::json::object();
      for (const auto& [k, v] : set.labels) labels[k] = v;
      sets.push_back({{"labels", labels}, {"goroutines", set.count}});
    }
    j["label_sets"] = sets;
  }
  nlohmann::json frames = nlohmann::json::array();
  for (int32_t f : s.frame_indices) {
    frames.push_back(FrameJson(profile.frames[f]));
  }
  j["frames"] = frames;
  return j;
}

}  // namespace

std::string RenderText(const Profile& profile, const std::vector<Site>& sites,
                       const ReportOptions& options) {
  std::string out;
  absl::StrAppendFormat(
      &out, "%s profile (%s)%s: %d goroutines, %d stacks, %d sites%s\n",
      goprof::ProfileKindName(profile.kind), goprof::FormatName(profile.format),
      options.source.empty()
          ? ""
          : absl::StrCat(" from ", Printable(options.source)),
      profile.total_goroutines, profile.stacks.size(), sites.size(),
      profile.truncated ? " (cut by Go's 64 MiB dump cap)" : "");

  // Goroutines by class, most first.
  std::array<int64_t, goprof::kNumBlockClasses> by_class = {};
  for (const Site& s : sites)
    by_class[static_cast<int>(s.block_class)] += s.goroutines;
  std::vector<int> order;
  for (int c = 0; c < goprof::kNumBlockClasses; ++c) {
    if (by_class[c] > 0) order.push_back(c);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return by_class[a] > by_class[b]; });
  out += "by class:";
  for (size_t i = 0; i < order.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? " " : ", ",
                    BlockClassName(static_cast<goprof::BlockClass>(order[i])),
                    " ", by_class[order[i]]);
  }
  out += "\n\n";

  const size_t shown =
      options.top <= 0
          ? sites.size()
          : std::min(sites.size(), static_cast<size_t>(options.top));
  for (size_t i = 0; i < shown; ++i) {
    const Site& site = sites[i];
    const Stack& sample = profile.stacks[site.stacks.front()];
    absl::StrAppendFormat(&out, "%8d  %-16s %s\n", site.goroutines,
                          BlockClassName(site.block_class),
                          Printable(site.frame.function));
    std::string details =
        absl::StrCat(FrameLocation(site.frame), "  (", site.stacks.size(),
                     site.stacks.size() == 1 ? " stack" : " stacks");
    if (site.leaked > 0)
      absl::StrAppend(&details, ", ", site.leaked, " leaked");
    if (site.wait.max_minutes > 0) {
      absl::StrAppend(&details, ", waiting up to ", site.wait.max_minutes,
                      " min");
    }
    if (!sample.wait_reason.empty()) {
      absl::StrAppend(&details, ", [", Printable(sample.wait_reason), "]");
    }
    absl::StrAppend(&details, ", id ", goprof::FormatId(site.id), ")");
    absl::StrAppendFormat(&out, "%27s%s\n", "", details);

    // The sample stack from the site frame outward.
    const int first = std::max(sample.site_frame, 0);
    const int total = static_cast<int>(sample.frame_indices.size()) - first;
    const int limit =
        options.frames <= 0 ? total : std::min(total, options.frames);
    for (int f = first; f < first + limit; ++f) {
      const Frame& frame = profile.FrameOf(sample, f);
      absl::StrAppendFormat(&out, "%29s%-50s %s:%d\n", "",
                            Printable(frame.function),
                            Printable(Basename(frame.file)), frame.line);
    }
    if (limit < total) {
      absl::StrAppendFormat(&out, "%29s... %d more frames\n", "",
                            total - limit);
    }
    if (sample.created_by) {
      absl::StrAppendFormat(&out, "%29screated by %s  %s:%d\n", "",
                            Printable(sample.created_by->function),
                            Printable(Basename(sample.created_by->file)),
                            sample.created_by->line);
    }
    out += "\n";
  }
  if (shown < sites.size()) {
    int64_t rest = 0;
    for (size_t i = shown; i < sites.size(); ++i) rest += sites[i].goroutines;
    absl::StrAppendFormat(&out,
                          "... %d more sites with %d goroutines (--top=0 shows "
                          "all)\n",
                          sites.size() - shown, rest);
  }
  return out;
}

nlohmann::json RenderJson(const Profile& profile,
                          const std::vector<Site>& sites,
                          const ReportOptions& options,
                          std::optional<double> best_seconds) {
  nlohmann::json j;
  j["source"] = options.source;
  j["format"] = goprof::FormatName(profile.format);
  j["kind"] = goprof::ProfileKindName(profile.kind);
  j["total_goroutines"] = profile.total_goroutines;
  j["num_stacks"] = profile.stacks.size();
  j["truncated"] = profile.truncated;
  nlohmann::json out_sites = nlohmann::json::array();
  for (const Site& site : sites) {
    nlohmann::json s = {
        {"site_id", goprof::FormatId(site.id)},
        {"class", BlockClassName(site.block_class)},
        {"goroutines", site.goroutines},
        {"leaked", site.leaked},
        {"function", site.frame.function},
        {"file", site.frame.file},
        {"line", site.frame.line},
        {"num_stacks", site.stacks.size()},
    };
    if (profile.format == goprof::Format::kDebug2)
      s["wait"] = WaitJson(site.wait);
    s["sample_stack"] = StackJson(profile, profile.stacks[site.stacks.front()]);
    out_sites.push_back(std::move(s));
  }
  j["sites"] = std::move(out_sites);
  if (best_seconds) j["best_seconds"] = *best_seconds;
  return j;
}

}  // namespace ctl
}  // namespace leakprof
